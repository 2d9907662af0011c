using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using SecretSync.Core.Model;
using SecretSync.DevStack;
using SecretSync.DevStack.Hosting;

namespace SecretSync.Testing.Cluster;

/// <summary>Configuration, seeding and request-log counting shared by the sync scenarios.</summary>
public static class SyncScenario
{
    /// <summary>The KV v2 mount every scenario uses.</summary>
    public const string Mount = "secret";

    /// <summary>Writes a full configuration, with room for sync policies and audit sinks that <see cref="TestCluster.WriteConfig"/> does not offer.</summary>
    /// <param name="cluster">The cluster whose configuration file is written.</param>
    /// <param name="bundles">The <c>bundles:</c> section, at column zero.</param>
    /// <param name="sync">Extra <c>sync:</c> settings, one per line, at column zero (e.g. <c>onSourceDeleted: retain</c>).</param>
    /// <param name="interval">The poll interval.</param>
    /// <param name="events">The Vault provider's <c>events</c> setting (<c>on</c>, <c>off</c>).</param>
    /// <param name="audit">An <c>audit:</c> section at column zero, or empty for the stdout default.</param>
    /// <param name="comment">A trailing comment; changing it makes the daemon reload an otherwise equal file.</param>
    public static void WriteSyncConfig(this TestCluster cluster, string bundles, string sync = "", string interval = "1s", string events = "off", string audit = "", string comment = "")
    {
        var text = new StringBuilder();
        text.AppendLine("cluster: it");
        text.AppendLine("providers:");
        text.AppendLine("  vault-main:");
        text.AppendLine("    type: vault");
        text.AppendLine(CultureInfo.InvariantCulture, $"    address: {cluster.Vault.BaseAddress.ToString().TrimEnd('/')}");
        text.AppendLine(CultureInfo.InvariantCulture, $"    mount: {Mount}");
        text.AppendLine(CultureInfo.InvariantCulture, $"    events: {events}");
        text.AppendLine("    auth:");
        text.AppendLine("      method: token");
        text.AppendLine(CultureInfo.InvariantCulture, $"      token: {cluster.Vault.RootToken}");
        text.AppendLine("sync:");
        text.AppendLine(CultureInfo.InvariantCulture, $"  interval: {interval}");
        text.AppendLine("  jitter: 0.1");
        foreach (var line in Lines(sync))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {line}");
        }

        text.AppendLine("leaderElection:");
        text.AppendLine("  leaseDuration: 3s");
        text.AppendLine("  renewDeadline: 2s");
        text.AppendLine("  retryPeriod: 500ms");
        foreach (var line in Lines(bundles).Concat(Lines(audit)))
        {
            text.AppendLine(line);
        }

        if (comment.Length > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"# {comment}");
        }

        File.WriteAllText(cluster.ConfigPath, text.ToString());
    }

    /// <summary>A bundle for every namespace (<c>namespaces: all</c>) mapping each source to the target of the same index.</summary>
    public static string OpenBundle(string name, params (string Source, string Target)[] mappings)
    {
        var text = new StringBuilder();
        text.AppendLine("bundles:");
        text.Append(BundleEntry(name, null, mappings));
        return text.ToString();
    }

    /// <summary>One entry under <c>bundles:</c>, indented, optionally restricted to namespaces with one label.</summary>
    public static string BundleEntry(string name, (string Key, string Value)? matchLabel, params (string Source, string Target)[] mappings)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"  {name}:");
        text.AppendLine("    provider: vault-main");
        if (matchLabel is { } label)
        {
            text.AppendLine("    namespaces:");
            text.AppendLine("      matchLabels:");
            text.AppendLine(CultureInfo.InvariantCulture, $"        {label.Key}: {label.Value}");
        }
        else
        {
            text.AppendLine("    namespaces: all");
        }

        text.AppendLine("    secrets:");
        foreach (var (source, target) in mappings)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"      - source: {source}");
            text.AppendLine(CultureInfo.InvariantCulture, $"        target: {target}");
        }

        return text.ToString();
    }

    /// <summary>Writes a new version of a source with the given key/value pairs; returns its number.</summary>
    public static int Seed(this TestCluster cluster, string path, params (string Key, string Value)[] values) =>
        cluster.Vault.WriteSecret(Mount, path, values.ToDictionary(v => v.Key, v => (object?)v.Value));

    /// <summary>When Vault says a version of a source was created.</summary>
    public static DateTimeOffset VersionCreated(this TestCluster cluster, string path, int version) =>
        cluster.Vault.ReadMetadata(Mount, path)?.Versions[version].CreatedTime ?? throw new InvalidOperationException($"no metadata for {path}");

    /// <summary>Provider data reads (<c>GET secret/data/PATH</c>) of one source since a point in the request log.</summary>
    public static int VaultReads(this TestCluster cluster, string path, int fromIndex = 0) =>
        cluster.Vault.Requests.Snapshot().Skip(fromIndex).Count(r => r.Verb == "read" && r.Path.EndsWith($"/{Mount}/data/{path}", StringComparison.Ordinal));

    /// <summary>Provider version checks (<c>GET secret/metadata/PATH</c>) of one source since a point in the request log.</summary>
    public static IReadOnlyList<RecordedRequest> VaultChecks(this TestCluster cluster, int fromIndex = 0) =>
        [.. cluster.Vault.Requests.Snapshot().Skip(fromIndex).Where(r => r.Verb == "metadata-read")];

    /// <summary>Kubernetes Secret writes (create, update, patch, delete) in namespaces that match, since a point in the request log.</summary>
    /// <remarks>Filtering by namespace leaves out the lease and the install-key Secret, which live elsewhere.</remarks>
    public static IReadOnlyList<RecordedRequest> SecretWritesIn(this TestCluster cluster, Func<string, bool> inNamespace, int fromIndex = 0) =>
        [.. cluster.Kubernetes.Requests.Snapshot().Skip(fromIndex).Where(r => TestCluster.IsSecretPath(r.Path)
            && r.Verb is "create" or "update" or "patch" or "delete"
            && NamespaceOf(r.Path) is { } ns && inNamespace(ns))];

    /// <summary>The namespace in an API path such as <c>/api/v1/namespaces/NS/secrets/NAME</c>.</summary>
    public static string? NamespaceOf(string path)
    {
        const string marker = "/namespaces/";
        var at = path.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var rest = path[(at + marker.Length)..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? rest : rest[..slash];
    }

    /// <summary>Committed changes to one Secret, oldest first.</summary>
    public static IReadOnlyList<KubernetesChange> SecretHistory(this TestCluster cluster, string ns, string name) =>
        [.. cluster.Kubernetes.History.Where(c => c.Resource == "secrets" && c.Namespace == ns && c.Name == name)];

    /// <summary>One annotation of a Secret, or null when the Secret or annotation is missing.</summary>
    public static string? SecretAnnotation(this TestCluster cluster, string ns, string name, string key) =>
        cluster.Secret(ns, name)?["metadata"]?["annotations"]?[key]?.GetValue<string>();

    /// <summary>The source version a managed Secret carries, or null.</summary>
    public static string? SyncedVersion(this TestCluster cluster, string ns, string name) =>
        cluster.SecretAnnotation(ns, name, Annotations.SourceVersion);

    /// <summary>An unmanaged Secret as a user would create it with kubectl.</summary>
    public static JsonObject UnmanagedSecret(string ns, string name, params (string Key, string Value)[] values)
    {
        var data = new JsonObject();
        foreach (var (key, value) in values)
        {
            data[key] = Convert.ToBase64String(Encoding.UTF8.GetBytes(value));
        }

        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Secret",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
            ["type"] = "Opaque",
            ["data"] = data,
        };
    }

    /// <summary>Nearest-rank percentile of an ascending list.</summary>
    public static TimeSpan Percentile(IReadOnlyList<TimeSpan> ascending, double percentile)
    {
        ArgumentOutOfRangeException.ThrowIfZero(ascending.Count);
        var rank = (int)Math.Ceiling(percentile / 100 * ascending.Count);
        return ascending[Math.Clamp(rank - 1, 0, ascending.Count - 1)];
    }

    private static IEnumerable<string> Lines(string text) =>
        text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length > 0);
}
