using System.Security.Cryptography;
using System.Text;
using SecretSync.Core.Configuration;
using SecretSync.Core.Model;

namespace SecretSync.Core.Revocation;

/// <summary>The brake's verdict for one cycle.</summary>
/// <param name="Engaged">More sources turned absent than both thresholds allow.</param>
/// <param name="AbsentSources">Sources the authority said are gone this cycle.</param>
/// <param name="DistinctSources">Distinct sources checked this cycle.</param>
/// <param name="ApprovalToken">
/// When engaged, the token an operator passes to <c>secretsync revocations approve</c>. It is derived from
/// the set of absent sources, so an approval covers exactly the revocations it was shown, not a later, larger storm.
/// </param>
/// <param name="Approved">Engaged, but the operator approved this very set of revocations.</param>
public sealed record BrakeStatus(bool Engaged, int AbsentSources, int DistinctSources, string? ApprovalToken, bool Approved)
{
    /// <summary>True when revocations must wait.</summary>
    public bool Holds => Engaged && !Approved;
}

/// <summary>Pauses revocations when too many sources vanish at once, which smells of an authority-side accident.</summary>
/// <remarks>
/// Stateless: it is evaluated each cycle, so it releases by itself once the absences fall back within the
/// thresholds, and an approval stays valid only while the same sources are absent.
/// </remarks>
public sealed class RevocationBrake(RevocationBrakeSettings settings)
{
    /// <summary>Evaluates one cycle.</summary>
    /// <param name="distinctSources">Distinct sources checked this cycle.</param>
    /// <param name="absent">Sources the authority said are gone (before any fallback to an older version).</param>
    /// <param name="approvalToken">The token an operator approved, if any.</param>
    public BrakeStatus Evaluate(int distinctSources, IReadOnlyCollection<SourceRef> absent, string? approvalToken)
    {
        ArgumentNullException.ThrowIfNull(absent);

        // Decimal, so 10% of 30 is exactly 3 and "at the threshold" never engages by a rounding error.
        var engaged = absent.Count > settings.Count && absent.Count > (decimal)settings.Share * distinctSources;
        if (!engaged)
        {
            return new BrakeStatus(false, absent.Count, distinctSources, null, false);
        }

        var token = TokenFor(absent);
        return new BrakeStatus(true, absent.Count, distinctSources, token, string.Equals(approvalToken?.Trim(), token, StringComparison.Ordinal));
    }

    private static string TokenFor(IEnumerable<SourceRef> absent)
    {
        var canonical = string.Join('\n', absent.Select(s => s.ToString()).Distinct().Order(StringComparer.Ordinal));
        return "rb-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))[..12];
    }
}
