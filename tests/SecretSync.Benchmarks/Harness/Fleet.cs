using System.Globalization;
using SecretSync.Testing;
using SecretSync.Testing.Cluster;

namespace SecretSync.Benchmarks.Harness;

/// <summary>The Kubernetes API client limit a daemon runs with: a rate, or none.</summary>
internal sealed record KubeLimit(double Qps, int Burst)
{
    public static KubeLimit? Off => null;

    public static KubeLimit Default { get; } = new(50, 100);

    public static string Describe(KubeLimit? limit) =>
        limit is null ? "limiter off" : string.Create(CultureInfo.InvariantCulture, $"qps {limit.Qps}, burst {limit.Burst}");
}

/// <summary>An emulated cluster with <c>N</c> opted-in namespaces, each requesting one bundle of <c>S</c> Vault sources.</summary>
/// <remarks>
/// Every namespace uses the same <c>S</c> sources (a platform bundle such as database and TLS credentials), so
/// the fleet holds <c>N x S</c> managed Secrets fed by <c>S</c> distinct sources. Seeding goes straight into
/// the emulators and is not measured.
/// </remarks>
internal sealed class Fleet : IAsyncDisposable
{
    public const string Bundle = "fleet";
    private const string NamespacePrefix = "bench-";

    /// <summary>Extra environment for every daemon started, as <c>NAME=VALUE</c> pairs separated by <c>;</c> (e.g. runtime GC settings to compare).</summary>
    public const string DaemonEnvironmentVariable = "SECRETSYNC_BENCH_DAEMON_ENV";

    private readonly List<DaemonProcess> _daemons = [];

    private Fleet(TestCluster cluster, int namespaces, int secretsPerNamespace)
    {
        Cluster = cluster;
        Namespaces = namespaces;
        SecretsPerNamespace = secretsPerNamespace;
    }

    public TestCluster Cluster { get; }

    public int Namespaces { get; }

    public int SecretsPerNamespace { get; }

    /// <summary>Secrets the daemon manages once converged.</summary>
    public int Managed => Namespaces * SecretsPerNamespace;

    /// <summary>Distinct provider sources.</summary>
    public int Sources => SecretsPerNamespace;

    public static bool IsFleetNamespace(string? ns) => ns is not null && ns.StartsWith(NamespacePrefix, StringComparison.Ordinal);

    public static string SourcePath(int index) => string.Create(CultureInfo.InvariantCulture, $"fleet/source-{index:D2}");

    public static async Task<Fleet> StartAsync(int namespaces, int secretsPerNamespace, bool vaultEvents)
    {
        var cluster = await TestCluster.StartAsync(vaultEvents: vaultEvents);
        for (var s = 0; s < secretsPerNamespace; s++)
        {
            cluster.Seed(SourcePath(s), ("username", $"app-{s}"), ("password", $"bench-v1-{s}"));
        }

        for (var n = 0; n < namespaces; n++)
        {
            cluster.Namespace(string.Create(CultureInfo.InvariantCulture, $"{NamespacePrefix}{n:D5}"), bundles: Bundle);
        }

        return new Fleet(cluster, namespaces, secretsPerNamespace);
    }

    /// <summary>Writes the daemon configuration: the fleet bundle, the poll interval, Vault events, and the Kubernetes client limit.</summary>
    public void WriteConfig(KubeLimit? limit, bool events, string interval)
    {
        var mappings = Enumerable.Range(0, SecretsPerNamespace)
            .Select(s => (SourcePath(s), string.Create(CultureInfo.InvariantCulture, $"secret-{s:D2}")))
            .ToArray();
        var kubernetes = limit is null
            ? "kubernetes: { rateLimit: false }"
            : string.Create(CultureInfo.InvariantCulture, $"kubernetes: {{ qps: {limit.Qps}, burst: {limit.Burst} }}");
        Cluster.WriteSyncConfig(SyncScenario.OpenBundle(Bundle, mappings), sync: kubernetes, interval: interval, events: events ? "on" : "off");
    }

    /// <summary>Starts <c>secretsync run</c> against the fleet, with <see cref="DaemonEnvironmentVariable"/> applied.</summary>
    public DaemonProcess StartDaemon()
    {
        var environment = (Environment.GetEnvironmentVariable(DaemonEnvironmentVariable) ?? "")
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair.Length > 1 ? pair[1] : "", StringComparer.Ordinal);
        var daemon = DaemonProcess.Start(["run", "--config", Cluster.ConfigPath, "--kubeconfig", Cluster.Kubeconfig], environment);
        _daemons.Add(daemon);
        return daemon;
    }

    /// <summary>Successful Secret writes in the fleet's namespaces recorded so far (a cheap count for convergence polling).</summary>
    public int SecretWritesSoFar() => Cluster.Kubernetes.Requests.CountWhere(r =>
        r.Status < 300 && r.Verb is "create" or "update" or "patch" && TestCluster.IsSecretPath(r.Path) && IsFleetNamespace(SyncScenario.NamespaceOf(r.Path)));

    /// <summary>Waits until at least <paramref name="count"/> successful Secret writes have been recorded in total.</summary>
    public Task WaitForSecretWritesAsync(int count, TimeSpan within, DaemonProcess daemon) =>
        Eventually.TrueAsync(
            () => daemon.HasExited ? throw new InvalidOperationException($"secretsync exited:\n{Tail(daemon.StandardError)}") : SecretWritesSoFar() >= count,
            () => $"{count} Secret writes (have {SecretWritesSoFar()})\n--- daemon stderr ---\n{Tail(daemon.StandardError)}",
            within);

    /// <summary>Lets responses still in flight reach the request logs, which record a request when its response completes.</summary>
    public static Task TailAsync() => Task.Delay(TimeSpan.FromMilliseconds(750));

    public async ValueTask DisposeAsync()
    {
        foreach (var daemon in _daemons)
        {
            await daemon.DisposeAsync();
        }

        await Cluster.DisposeAsync();
    }

    private static string Tail(string text) => text.Length > 3000 ? text[^3000..] : text;
}
