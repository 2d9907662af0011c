using SecretSync.Benchmarks.Harness;
using SecretSync.Testing.Cluster;

namespace SecretSync.Benchmarks.Scenarios;

/// <summary>Scenario 3: a new version of one source used by every namespace, timed from its creation in Vault to each Secret write.</summary>
internal static class Rotation
{
    public const string Name = "rotation";
    private const int SecretsPerNamespace = 10;
    private const string RotatedTarget = "secret-00";

    public static async Task<ScenarioResult> RunAsync(BenchContext context)
    {
        var result = new ScenarioResult(Name, "Rotation: a new version of one source used by N namespaces");
        var namespaces = context.Quick ? 20 : 1_000;
        result.Runs.Add(await RunOneAsync(context, namespaces, events: true, interval: "60s"));
        result.Runs.Add(await RunOneAsync(context, namespaces, events: false, interval: "1s"));
        result.Notes.Add("Latency runs from the version's created_time in Vault to the emulator committing each Secret update (its History time); p50/p99 are nearest-rank.");
        result.Notes.Add("With events the poll interval is 60 s, so every update is event-driven; polling only uses a 1 s interval, so its latency includes up to one interval (x 1.1 jitter) of waiting.");
        result.Notes.Add("The Kubernetes client limiter is off: at the default 50 requests/second, N updates cannot finish sooner than N / 50 seconds (20 s for 1,000 namespaces).");
        result.Notes.Add(SideBySide.Formula + " Rotation: one refresh picks the version up (ESO waits for refreshInterval, default 1 h); the floor is 1 read and N writes.");
        return result;
    }

    private static async Task<Run> RunOneAsync(BenchContext context, int namespaces, bool events, string interval)
    {
        var run = new Run($"N={namespaces:N0}, {(events ? "Vault events" : "polling only (1 s)")}")
            .With("namespaces", namespaces).With("secretsPerNamespace", SecretsPerNamespace).With("events", events).With("interval", interval);
        await using var fleet = await Fleet.StartAsync(namespaces, SecretsPerNamespace, vaultEvents: events);
        fleet.WriteConfig(KubeLimit.Off, events, interval);
        var daemon = fleet.StartDaemon();
        await fleet.WaitForSecretWritesAsync(fleet.Managed, BenchContext.Patience(fleet.Managed), daemon);
        await daemon.WaitLeadingAsync();
        if (events)
        {
            await Testing.Eventually.TrueAsync(
                () => fleet.Cluster.Vault.EventSubscriberCount > 0 && daemon.StandardError.Contains("pushes changes", StringComparison.Ordinal),
                "the daemon subscribed to Vault events", TimeSpan.FromSeconds(30));
        }

        await Fleet.TailAsync();
        var (kubeMark, vaultMark, historyMark) = (fleet.Cluster.Kubernetes.Requests.Count, fleet.Cluster.Vault.Requests.Count, fleet.Cluster.Kubernetes.History.Count);
        var source = Fleet.SourcePath(0);
        context.Log($"{Name}: {run.Label}: converged; rotating {source}");
        var version = fleet.Cluster.Seed(source, ("username", "app-0"), ("password", "bench-v2-0"));
        var created = fleet.Cluster.VersionCreated(source, version);
        await fleet.WaitForSecretWritesAsync(fleet.Managed + namespaces, TimeSpan.FromSeconds(120), daemon);
        await Task.Delay(TimeSpan.FromSeconds(2)); // later cycles must add nothing

        var kube = RequestWindow.Since(fleet.Cluster.Kubernetes.Requests, kubeMark);
        var vault = RequestWindow.Since(fleet.Cluster.Vault.Requests, vaultMark);
        var latencies = fleet.Cluster.Kubernetes.History.Skip(historyMark)
            .Where(c => c.Resource == "secrets" && c.Type == "MODIFIED" && c.Name == RotatedTarget && Fleet.IsFleetNamespace(c.Namespace))
            .Select(c => c.Time - created).Order().ToList();
        var p99 = SyncScenario.Percentile(latencies, 99);
        var writes = kube.SecretWrites().Count;
        var reads = vault.Where(r => r.Verb == "read");

        run.Add("Secrets updated", latencies.Count, "");
        run.Add("first write", latencies[0].TotalMilliseconds, "ms");
        run.Add("p50", SyncScenario.Percentile(latencies, 50).TotalMilliseconds, "ms");
        if (events && namespaces == 1_000)
        {
            run.Add("p99", p99.TotalMilliseconds, "ms", "< 1,000 ms with Vault events", p99 < TimeSpan.FromSeconds(1));
        }
        else
        {
            run.Add("p99", p99.TotalMilliseconds, "ms");
        }

        run.Add("max", latencies[^1].TotalMilliseconds, "ms");
        run.Add("Secret writes", writes, "");
        run.Add("Kubernetes requests", kube.Count, "");
        run.Add("provider requests", vault.Count, "");
        run.Add("provider reads (data)", reads, "");
        SideBySide.Add(run, fleet.Managed, refreshes: 1, vault.Count, reads, changedSources: 1, writes, changedSecrets: namespaces);
        run.Counts["kubernetes"] = kube.VerbCounts();
        run.Counts["vault"] = vault.VerbCounts();
        run.CountAudit(daemon.Audit);
        context.Log($"{Name}: {run.Label}: p50 {SyncScenario.Percentile(latencies, 50).TotalMilliseconds:F0} ms, p99 {p99.TotalMilliseconds:F0} ms, max {latencies[^1].TotalMilliseconds:F0} ms");
        return run;
    }
}
