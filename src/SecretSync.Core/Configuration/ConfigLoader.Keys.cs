using System.Collections.Frozen;
using SecretSync.Core.Providers;

namespace SecretSync.Core.Configuration;

/// <summary>The keys each section of the configuration accepts.</summary>
public static partial class ConfigLoader
{
    private static readonly string[] TopKeys = ["cluster", "providers", "bundles", "sync", "audit", "server", "leaderElection", "restarts"];
    private static readonly string[] BundleKeys = ["provider", "namespaces", "secrets"];
    private static readonly string[] SelectorKeys = ["matchLabels", "matchExpressions"];
    private static readonly string[] ExpressionKeys = ["key", "operator", "values"];
    private static readonly string[] MappingKeys = ["source", "target", "keys", "type"];
    private static readonly string[] SyncKeys =
        ["interval", "jitter", "onSourceDeleted", "onVersionDeleted", "revocationBrake", "concurrency", "kubernetes", "providerQps"];
    private static readonly string[] AuditKeys = ["sinks", "file", "postgres", "hmacKey"];
    private static readonly string[] LeaderKeys = ["enabled", "namespace", "leaseName", "leaseDuration", "renewDeadline", "retryPeriod"];
    private static readonly string[] RestartKeys = ["enabled", "debounce", "maxConcurrentPerNamespace", "maxConcurrentPerCluster", "rolloutTimeout"];
    private static readonly string[] BrakeKeys = ["share", "count", "window"];
    private static readonly string[] KubernetesKeys = ["qps", "burst", "rateLimit"];
    private static readonly string[] ServerKeys = ["port"];
    private static readonly string[] AuditFileKeys = ["path", "maxBytes", "fsync", "retention"];
    private static readonly string[] AuditPostgresKeys = ["connectionString", "bufferDir"];
    private static readonly string[] HmacKeyKeys = ["file", "secret"];

    /// <summary>The keys each fixed-shape section accepts, by section path; anything else in it is an error.</summary>
    /// <remarks>
    /// Paths are dotted from the file's root (<c>""</c>), with <c>*</c> for an entry of a named map and <c>[]</c> for a list
    /// item: <c>bundles.*.secrets[]</c>. Sections whose keys are names (<c>providers</c>, <c>matchLabels</c>, <c>keys</c>) are
    /// absent; a provider entry's keys are its provider type's own (<see cref="ISecretProvider.Validate"/>). The chart's
    /// values schema is checked against this list.
    /// </remarks>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> SectionKeys { get; } = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
    {
        [""] = TopKeys,
        ["bundles.*"] = BundleKeys,
        ["bundles.*.namespaces"] = SelectorKeys,
        ["bundles.*.namespaces.matchExpressions[]"] = ExpressionKeys,
        ["bundles.*.secrets[]"] = MappingKeys,
        ["sync"] = SyncKeys,
        ["sync.revocationBrake"] = BrakeKeys,
        ["sync.kubernetes"] = KubernetesKeys,
        ["audit"] = AuditKeys,
        ["audit.file"] = AuditFileKeys,
        ["audit.postgres"] = AuditPostgresKeys,
        ["audit.hmacKey"] = HmacKeyKeys,
        ["server"] = ServerKeys,
        ["leaderElection"] = LeaderKeys,
        ["restarts"] = RestartKeys,
    }.ToFrozenDictionary(StringComparer.Ordinal);
}
