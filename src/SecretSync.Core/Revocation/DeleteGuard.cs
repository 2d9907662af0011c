using System.Security.Cryptography;
using System.Text;
using SecretSync.Core.Configuration;
using SecretSync.Core.Model;

namespace SecretSync.Core.Revocation;

/// <summary>Why a managed Secret is to be deleted.</summary>
public enum DeletionCause
{
    /// <summary>The authority says its source is gone.</summary>
    Revoked,

    /// <summary>No longer desired: the namespace stopped asking, or the configuration stopped mapping it.</summary>
    Pruned,
}

/// <summary>A deletion the engine wants to make.</summary>
/// <param name="Secret">The managed Secret.</param>
/// <param name="Cause">Why it goes.</param>
/// <param name="Bundle">The bundle it was written for, when known.</param>
/// <param name="Reason">The evidence, for audit events; free of values.</param>
/// <param name="Source">For a revocation, the source the configuration maps to the Secret.</param>
public sealed record Deletion(NamespacedName Secret, DeletionCause Cause, string? Bundle, string Reason, SourceRef? Source = null);

/// <summary>The guard's verdict on the deletions wanted now.</summary>
/// <param name="Allowed">Deletions that may run now.</param>
/// <param name="Held">Deletions that wait for an approval or for the condition to clear.</param>
/// <param name="HoldId">While holding, the id an operator approves; it names exactly this set of held deletions.</param>
/// <param name="Approved">The allowed deletions run because an operator approved them; they do not count against the window.</param>
/// <param name="Recent">Unapproved deletions already made inside the window.</param>
/// <param name="Summary">While holding, one line naming the counts and thresholds; free of values.</param>
public sealed record GuardVerdict(
    IReadOnlyList<Deletion> Allowed, IReadOnlyList<Deletion> Held, string? HoldId, bool Approved, int Recent, string? Summary)
{
    /// <summary>True when deletions wait.</summary>
    public bool Holds => Held.Count > 0;
}

/// <summary>One guard for every delete: holds deletions when too many happen inside a sliding window.</summary>
/// <remarks>
/// Revocations (the authority says a source is gone) and prunes (a configuration reload or an annotation change
/// stopped wanting a Secret) are counted together, over <see cref="RevocationBrakeSettings.Window"/> rather than per
/// cycle, so neither a typo in a bundle name nor a trickle of one deletion per cycle passes beneath it. When the
/// deletions made in the window plus those wanted now exceed both thresholds, every wanted deletion waits: creations
/// and updates are not affected. The hold releases by itself when the wanted deletions fall back within the
/// thresholds (the window slides, or the cause is fixed), or when an operator approves its id. The id is derived from
/// the held set and the moment the hold began, so an approval covers exactly what it was shown, never a later, larger
/// set and never a recurrence.
/// </remarks>
public sealed class DeleteGuard(TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Queue<DateTimeOffset> _recent = new();
    private Hold? _hold;
    private HashSet<NamespacedName>? _approved;

    /// <summary>Decides which of <paramref name="wanted"/> may run now.</summary>
    /// <param name="settings">The thresholds and window in force.</param>
    /// <param name="wanted">Every deletion wanted now (not only new ones).</param>
    /// <param name="managedSecrets">Managed Secrets in the cluster, the base of the share threshold.</param>
    /// <param name="approval">The hold id an operator approved, if any.</param>
    public GuardVerdict Evaluate(RevocationBrakeSettings settings, IReadOnlyCollection<Deletion> wanted, int managedSecrets, string? approval)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(wanted);
        lock (_gate)
        {
            var now = time.GetUtcNow();
            while (_recent.TryPeek(out var at) && now - at >= settings.Window)
            {
                _recent.Dequeue();
            }

            if (_approved is not null && wanted.Count > 0 && wanted.All(d => _approved.Contains(d.Secret)))
            {
                return new GuardVerdict([.. wanted], [], null, true, _recent.Count, null);
            }

            _approved = null;
            var total = _recent.Count + wanted.Count;

            // Decimal, so 10% of 30 is exactly 3 and "at the threshold" never engages by a rounding error.
            if (wanted.Count == 0 || total <= settings.Count || total <= (decimal)settings.Share * managedSecrets)
            {
                _hold = null;
                return new GuardVerdict([.. wanted], [], null, false, _recent.Count, null);
            }

            var set = wanted.Select(d => d.Secret).ToHashSet();
            if (_hold is null || !_hold.Secrets.SetEquals(set))
            {
                _hold = new Hold(set, IdFor(set, now));
            }

            if (approval is not null && string.Equals(approval.Trim(), _hold.Id, StringComparison.Ordinal))
            {
                _approved = set;
                _hold = null;
                return new GuardVerdict([.. wanted], [], null, true, _recent.Count, null);
            }

            var revoked = wanted.Count(d => d.Cause == DeletionCause.Revoked);
            var summary = $"holding {wanted.Count} deletions ({revoked} revoked, {wanted.Count - revoked} pruned): with {_recent.Count} already made " +
                $"in the last {Duration.Format(settings.Window)} that exceeds both {settings.Count} deletions and {settings.Share:P0} of {managedSecrets} managed Secrets";
            return new GuardVerdict([], [.. wanted.OrderBy(d => d.Secret.ToString(), StringComparer.Ordinal)], _hold.Id, false, _recent.Count, summary);
        }
    }

    /// <summary>Records a deletion that was made; approved ones do not count against the window.</summary>
    public void Deleted(bool approved)
    {
        if (approved)
        {
            return;
        }

        lock (_gate)
        {
            _recent.Enqueue(time.GetUtcNow());
        }
    }

    private static string IdFor(IEnumerable<NamespacedName> secrets, DateTimeOffset since)
    {
        var canonical = string.Join('\n', secrets.Select(s => s.ToString()).Order(StringComparer.Ordinal)) + "\n@" + since.ToUnixTimeMilliseconds();
        return "hold-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))[..12];
    }

    private sealed record Hold(HashSet<NamespacedName> Secrets, string Id);
}
