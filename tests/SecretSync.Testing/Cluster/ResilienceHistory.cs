using System.Text.Json.Nodes;
using SecretSync.DevStack;

namespace SecretSync.Testing.Cluster;

/// <summary>What happened to Secrets in the emulator's commit history, for "nothing was deleted or blanked" checks.</summary>
public static class ResilienceHistory
{
    /// <summary>A position in the history; changes after it are what a test inspects.</summary>
    public static int Mark(KubernetesEmulator kubernetes) => kubernetes.History.Count;

    /// <summary>Secret changes committed after <paramref name="mark"/> in namespaces that pass <paramref name="inNamespace"/>.</summary>
    public static IReadOnlyList<KubernetesChange> SecretChangesSince(KubernetesEmulator kubernetes, int mark, Func<string, bool>? inNamespace = null) =>
        [.. kubernetes.History.Skip(mark).Where(c => c.Resource == "secrets" && c.Group.Length == 0 && (inNamespace?.Invoke(c.Namespace ?? "") ?? true))];

    /// <summary>Commits (ADDED, MODIFIED, DELETED) per Secret, as <c>namespace/name</c>.</summary>
    public static IReadOnlyDictionary<string, int> WritesPerSecret(IEnumerable<KubernetesChange> changes) =>
        changes.GroupBy(c => $"{c.Namespace}/{c.Name}").ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    /// <summary>The decoded data of a Secret as the change committed it.</summary>
    public static IReadOnlyDictionary<string, string> DataOf(KubernetesChange change) => DataOf(change.ParseObject());

    /// <summary>The decoded data of a Secret object.</summary>
    public static IReadOnlyDictionary<string, string> DataOf(JsonObject? secret) =>
        secret?["data"] is JsonObject data
            ? data.ToDictionary(p => p.Key, p => System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(p.Value?.GetValue<string>() ?? "")), StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Describes every change that deleted a Secret or left it with data other than <paramref name="expected"/>; empty when none did.</summary>
    /// <param name="changes">Secret changes to check.</param>
    /// <param name="expected">The data each Secret (<c>namespace/name</c>) must keep; Secrets not listed are only checked for deletion and blanking.</param>
    public static IReadOnlyList<string> DeletionsOrDataChanges(IEnumerable<KubernetesChange> changes, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> expected)
    {
        var problems = new List<string>();
        foreach (var change in changes)
        {
            var name = $"{change.Namespace}/{change.Name}";
            if (change.Type == "DELETED")
            {
                problems.Add($"{change}: deleted");
                continue;
            }

            var data = DataOf(change);
            if (data.Count == 0 || data.Values.Any(v => v.Length == 0))
            {
                problems.Add($"{change}: written with empty data");
            }
            else if (expected.TryGetValue(name, out var want) && !Same(data, want))
            {
                problems.Add($"{change}: written with changed data (keys {string.Join(",", data.Keys)})");
            }
        }

        return problems;
    }

    private static bool Same(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var v) && v == p.Value);
}
