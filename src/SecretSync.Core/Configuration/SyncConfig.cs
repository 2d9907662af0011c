using System.Collections.Frozen;
using SecretSync.Core.Model;
using SecretSync.Core.Providers;

namespace SecretSync.Core.Configuration;

/// <summary>A validated configuration file.</summary>
/// <remarks>Only <see cref="ConfigLoader"/> builds these in production; every collection is read-only.</remarks>
public sealed record SyncConfig
{
    /// <summary>The cluster identity stamped on every audit event.</summary>
    public required string Cluster { get; init; }

    /// <summary>Configured providers by name.</summary>
    /// <value>Empty by default.</value>
    public IReadOnlyDictionary<string, ProviderSettings> Providers { get; init; } = FrozenDictionary<string, ProviderSettings>.Empty;

    /// <summary>Bundles by name.</summary>
    /// <value>Empty by default.</value>
    public IReadOnlyDictionary<string, BundleConfig> Bundles { get; init; } = FrozenDictionary<string, BundleConfig>.Empty;

    /// <summary>How and how often to sync.</summary>
    public SyncSettings Sync { get; init; } = new();

    /// <summary>Where audit events go.</summary>
    public AuditSettings Audit { get; init; } = new();

    /// <summary>The HTTP endpoints.</summary>
    public ServerSettings Server { get; init; } = new();

    /// <summary>Lease-based leader election.</summary>
    public LeaderElectionSettings LeaderElection { get; init; } = new();

    /// <summary>Rollout restarts of opted-in workloads after a rotation.</summary>
    public RestartSettings Restarts { get; init; } = new();
}

/// <summary>A named set of source-to-Secret mappings on one provider.</summary>
/// <param name="Name">The bundle name namespaces ask for (a DNS-1123 label).</param>
/// <param name="Provider">The provider name the sources live in.</param>
/// <param name="Namespaces">Which namespaces may request the bundle; empty selects every namespace.</param>
/// <param name="Secrets">The mappings, each with a distinct target.</param>
public sealed record BundleConfig(string Name, string Provider, LabelSelector Namespaces, IReadOnlyList<SecretMapping> Secrets);

/// <summary>One source path written to one Secret name.</summary>
/// <param name="Source">The path in the provider.</param>
/// <param name="Target">The Secret name in each namespace (a DNS-1123 subdomain).</param>
/// <param name="KeyRenames">Source key to Secret key; keys not listed are copied as they are.</param>
/// <param name="Type">The Secret type, <c>Opaque</c> by default.</param>
public sealed record SecretMapping(string Source, string Target, IReadOnlyDictionary<string, string> KeyRenames, string Type);

/// <summary>What to do with targets when the authority says their whole source is gone.</summary>
public enum SourceDeletedPolicy
{
    /// <summary>Delete the target Secrets.</summary>
    Delete,

    /// <summary>Keep the target Secrets with their last value.</summary>
    Retain,
}

/// <summary>What to do when only the newest version of a source is deleted or destroyed.</summary>
public enum VersionDeletedPolicy
{
    /// <summary>Fall back to the newest version that is still live.</summary>
    Previous,

    /// <summary>Treat the source as gone and apply <see cref="SourceDeletedPolicy"/>.</summary>
    Revoke,
}

/// <summary>The <c>sync</c> section.</summary>
public sealed record SyncSettings
{
    /// <summary>Polling interval per provider, the safety net under event notifications.</summary>
    /// <value>60 seconds.</value>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Random spread added to each interval, as a fraction of it, in [0, 1).</summary>
    /// <value>0.1.</value>
    public double Jitter { get; init; } = 0.1;

    /// <summary>What happens to targets of a deleted source.</summary>
    /// <value><see cref="SourceDeletedPolicy.Delete"/>.</value>
    public SourceDeletedPolicy OnSourceDeleted { get; init; } = SourceDeletedPolicy.Delete;

    /// <summary>What happens when only the newest version is deleted or destroyed.</summary>
    /// <value><see cref="VersionDeletedPolicy.Previous"/>.</value>
    public VersionDeletedPolicy OnVersionDeleted { get; init; } = VersionDeletedPolicy.Previous;

    /// <summary>The delete guard's thresholds: every revocation and prune counts against them.</summary>
    public RevocationBrakeSettings RevocationBrake { get; init; } = new();

    /// <summary>How many reconciles run at once.</summary>
    /// <value>8.</value>
    public int Concurrency { get; init; } = 8;

    /// <summary>Client-side rate limit for the Kubernetes API.</summary>
    public KubernetesClientSettings Kubernetes { get; init; } = new();

    /// <summary>Client-side rate limit for each provider, in requests per second.</summary>
    /// <value>20.</value>
    public double ProviderQps { get; init; } = 20;
}

/// <summary>Thresholds of the delete guard (the brake); both must be exceeded inside the window to hold deletions.</summary>
public sealed record RevocationBrakeSettings
{
    /// <summary>Share of managed Secrets that may be deleted (revoked or pruned) inside the window, in [0, 1].</summary>
    /// <value>0.10.</value>
    public double Share { get; init; } = 0.10;

    /// <summary>Number of managed Secrets that may be deleted inside the window.</summary>
    /// <value>3.</value>
    public int Count { get; init; } = 3;

    /// <summary>The sliding window deletions are counted over.</summary>
    /// <value>10 minutes.</value>
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(10);
}

/// <summary>Kubernetes API client rate limit.</summary>
public sealed record KubernetesClientSettings
{
    /// <summary>Sustained requests per second.</summary>
    /// <value>50.</value>
    public double Qps { get; init; } = 50;

    /// <summary>Requests allowed in a burst.</summary>
    /// <value>100.</value>
    public int Burst { get; init; } = 100;

    /// <summary>Whether <see cref="Qps"/> and <see cref="Burst"/> apply; false sends requests as fast as the server answers (benchmarks, a dedicated API server).</summary>
    /// <value>true.</value>
    public bool RateLimit { get; init; } = true;
}

/// <summary>The audit sinks that can be selected.</summary>
public enum AuditSinkKind
{
    /// <summary>JSON lines on standard output.</summary>
    Stdout,

    /// <summary>An append-only hash-chained file.</summary>
    File,

    /// <summary>Kubernetes Events on the target namespace.</summary>
    Events,

    /// <summary>The fleet-wide PostgreSQL store.</summary>
    Postgres,
}

/// <summary>When the file sink flushes to disk.</summary>
public enum FsyncPolicy
{
    /// <summary>After every event.</summary>
    Always,

    /// <summary>After each batch of events.</summary>
    Batch,

    /// <summary>Leave it to the operating system.</summary>
    Never,
}

/// <summary>The <c>audit</c> section.</summary>
public sealed record AuditSettings
{
    /// <summary>The selected sinks, each at most once.</summary>
    /// <value><c>[stdout]</c>.</value>
    public IReadOnlyList<AuditSinkKind> Sinks { get; init; } = [AuditSinkKind.Stdout];

    /// <summary>Settings of the file sink; present whenever it is selected.</summary>
    public AuditFileSettings? File { get; init; }

    /// <summary>Settings of the PostgreSQL sink; present whenever it is selected.</summary>
    public AuditPostgresSettings? Postgres { get; init; }

    /// <summary>Where the install key for content HMACs comes from; <see langword="null"/> lets the host decide (dev generates one).</summary>
    public HmacKeySource? HmacKey { get; init; }
}

/// <summary>The file sink.</summary>
public sealed record AuditFileSettings
{
    /// <summary>The default of <see cref="MaxBytes"/>: 64 MiB.</summary>
    public const long DefaultMaxBytes = 64L * 1024 * 1024;

    /// <summary>The default of <see cref="Fsync"/>.</summary>
    public const FsyncPolicy DefaultFsync = FsyncPolicy.Batch;

    /// <summary>The folder holding the chained segment files (audit-000001.jsonl, ...) to append to.</summary>
    public required string Path { get; init; }

    /// <summary>Size at which the file rotates to a new segment, keeping the chain.</summary>
    /// <value>64 MiB.</value>
    public long MaxBytes { get; init; } = DefaultMaxBytes;

    /// <summary>When appended records are flushed to disk.</summary>
    /// <value><see cref="FsyncPolicy.Batch"/>.</value>
    public FsyncPolicy Fsync { get; init; } = DefaultFsync;

    /// <summary>How long closed segments are kept, judged by their newest record (<c>audit.file.retention</c>).</summary>
    /// <value>Null: kept forever.</value>
    public TimeSpan? Retention { get; init; }
}

/// <summary>The PostgreSQL sink.</summary>
public sealed record AuditPostgresSettings
{
    /// <summary>The Npgsql connection string; may hold a password, so it is never printed.</summary>
    public required string ConnectionString { get; init; }

    /// <summary>Where events wait on disk while the database is unreachable.</summary>
    /// <value>Null: a folder per cluster and instance under the system temporary folder.</value>
    public string? BufferDir { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"AuditPostgresSettings {{ ConnectionString = ***, BufferDir = {BufferDir} }}";
}

/// <summary>Where the audit install key is read from: exactly one of a file or a Kubernetes Secret.</summary>
/// <param name="File">A file holding the key.</param>
/// <param name="Secret">A Secret holding the key.</param>
public sealed record HmacKeySource(string? File, NamespacedName? Secret);

/// <summary>The <c>server</c> section.</summary>
public sealed record ServerSettings
{
    /// <summary>Port of /healthz, /readyz, /metrics and /status.</summary>
    /// <value>8080.</value>
    public int Port { get; init; } = 8080;
}

/// <summary>The <c>leaderElection</c> section, with client-go's meaning for each duration.</summary>
public sealed record LeaderElectionSettings
{
    /// <summary>Whether replicas elect a leader; when off, every replica writes.</summary>
    /// <value><see langword="true"/>.</value>
    public bool Enabled { get; init; } = true;

    /// <summary>Namespace of the Lease; <see langword="null"/> means the daemon's own namespace.</summary>
    public string? Namespace { get; init; }

    /// <summary>Name of the Lease.</summary>
    /// <value><c>secretsync</c>.</value>
    public string LeaseName { get; init; } = "secretsync";

    /// <summary>How long a standby waits after the last renewal before taking over.</summary>
    /// <value>15 seconds.</value>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the leader keeps trying to renew before giving up leadership.</summary>
    /// <value>10 seconds.</value>
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Pause between acquire or renew attempts.</summary>
    /// <value>2 seconds.</value>
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>The <c>restarts</c> section: restarting opted-in workloads after a rotation reaches their Secrets.</summary>
public sealed record RestartSettings
{
    /// <summary>Whether the leader restarts workloads annotated <c>secretsync.io/restart-on-rotate</c>.</summary>
    /// <value><see langword="true"/>.</value>
    public bool Enabled { get; init; } = true;

    /// <summary>How long rotations are gathered after the first one before a workload they touch restarts, so a
    /// workload restarts once for many Secrets.</summary>
    /// <value>30 seconds.</value>
    public TimeSpan Debounce { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>At most this many workloads of one namespace restart at once (from the patch until their rollout finishes).</summary>
    /// <value>5.</value>
    public int MaxConcurrentPerNamespace { get; init; } = 5;

    /// <summary>At most this many workloads of the whole cluster restart at once.</summary>
    /// <value>20.</value>
    public int MaxConcurrentPerCluster { get; init; } = 20;

    /// <summary>A restart whose rollout has not finished after this long stops counting against the caps
    /// (the workload itself is still not restarted again until its rollout finishes).</summary>
    /// <value>10 minutes.</value>
    public TimeSpan RolloutTimeout { get; init; } = TimeSpan.FromMinutes(10);
}
