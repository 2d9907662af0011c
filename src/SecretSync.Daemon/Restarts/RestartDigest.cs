using System.Security.Cryptography;
using System.Text;
using SecretSync.Core.Model;

namespace SecretSync.Daemon.Restarts;

/// <summary>The value of the <see cref="Annotations.RestartedFor"/> pod-template annotation: per Secret, a digest of the
/// key HMACs a workload's pods were started with (<c>api=9f8e…,db=1a2b…</c>).</summary>
/// <remarks>
/// Built only from the install-keyed per-key HMACs, never from values, so it tells nothing about a value to whoever reads
/// the workload. Being per Secret, a restart compares only the Secrets that caused it: a Secret the workload started
/// referencing later, or one that went away, does not make an unchanged workload look stale.
/// </remarks>
internal static class RestartDigest
{
    /// <summary>Hex digits kept of each Secret's digest: 64 bits tell rotations apart and keep the annotation short.</summary>
    private const int Length = 16;

    /// <summary>The digest of the keys <paramref name="use"/> takes from one Secret, or null when it has none of them.</summary>
    public static string? ForSecret(SecretUse use, IReadOnlyDictionary<string, string> keyDigests)
    {
        var keys = use.Present(keyDigests).Order(StringComparer.Ordinal).ToList();
        if (keys.Count == 0)
        {
            return null;
        }

        var text = new StringBuilder();
        foreach (var key in keys)
        {
            text.Append(key).Append('\0').Append(keyDigests[key]).Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..Length];
    }

    /// <summary>The digest of every Secret a workload uses that exists now, by Secret name.</summary>
    public static Dictionary<string, string> ForWorkload(WorkloadInfo workload, Func<string, IReadOnlyDictionary<string, string>?> keyDigestsOf)
    {
        var digests = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (secret, use) in workload.Uses)
        {
            if (keyDigestsOf(secret) is { } keyDigests && ForSecret(use, keyDigests) is { } digest)
            {
                digests[secret] = digest;
            }
        }

        return digests;
    }

    /// <summary>The annotation value, sorted by Secret name.</summary>
    public static string Format(IReadOnlyDictionary<string, string> digests) =>
        string.Join(',', digests.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => $"{d.Key}={d.Value}"));

    /// <summary>Reads an annotation value; anything malformed is ignored, so a hand-edited value at worst causes one restart.</summary>
    public static IReadOnlyDictionary<string, string> Parse(string? value)
    {
        var digests = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var at = entry.IndexOf('=', StringComparison.Ordinal);
            if (at > 0 && at < entry.Length - 1)
            {
                digests[entry[..at]] = entry[(at + 1)..];
            }
        }

        return digests;
    }
}
