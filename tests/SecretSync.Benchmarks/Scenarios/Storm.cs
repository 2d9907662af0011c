using System.Diagnostics;
using SecretSync.Benchmarks.Harness;
using SecretSync.Testing;
using SecretSync.Testing.Cluster;

namespace SecretSync.Benchmarks.Scenarios;

/// <summary>Scenario 4: a fleet of managed Secrets, then the daemon restarted and every watch reset, under the configured client limit.</summary>
internal static class Storm
{
    public const string Name = "storm";
    private const int SecretsPerNamespace = 10;
    private const double MemoryTargetMegabytes = 300;

    public static async Task<ScenarioResult> RunAsync(BenchContext context)
    {
        var result = new ScenarioResult(Name, "Storm: daemon restart and watch reset over a converged fleet");
        var namespaces = context.Quick ? 20 : 10_000;
        var limit = KubeLimit.Default;
        await using var fleet = await Fleet.StartAsync(namespaces, SecretsPerNamespace, vaultEvents: false);

        // The fleet is written by a first daemon with the limiter off (measured by cold-sync, not here).
        fleet.WriteConfig(KubeLimit.Off, events: false, interval: "5m");
        context.Log($"{Name}: writing {fleet.Managed:N0} managed Secrets with a first daemon");
        var first = fleet.StartDaemon();
        await fleet.WaitForSecretWritesAsync(fleet.Managed, BenchContext.Patience(fleet.Managed), first);
        await first.WaitLeadingAsync();
        var firstPeak = ProcessStats.PeakRss(first.ProcessId);
        await first.StopAsync();

        fleet.WriteConfig(limit, events: false, interval: "5m");
        await Fleet.TailAsync();
        var restart = new Run($"restart, N={namespaces:N0}").With("namespaces", namespaces).With("secretsPerNamespace", SecretsPerNamespace).With("limit", KubeLimit.Describe(limit));
        var (kubeMark, vaultMark) = (fleet.Cluster.Kubernetes.Requests.Count, fleet.Cluster.Vault.Requests.Count);
        context.Log($"{Name}: restarting the daemon with {KubeLimit.Describe(limit)}");
        var clock = Stopwatch.StartNew();
        var daemon = fleet.StartDaemon();
        await daemon.WaitLeadingAsync(BenchContext.Patience(fleet.Managed, limit.Qps));
        var converged = clock.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(2));
        Measure(restart, fleet, limit, kubeMark, vaultMark, converged, daemon);
        restart.Add("peak RSS of the first daemon (cold sync)", firstPeak / 1048576.0, "MB", $"< {MemoryTargetMegabytes} MB at 100,000 managed Secrets", Check(fleet, firstPeak));
        result.Runs.Add(restart);

        var reset = new Run($"watch reset, N={namespaces:N0}").With("namespaces", namespaces).With("secretsPerNamespace", SecretsPerNamespace).With("limit", KubeLimit.Describe(limit));
        var watches = fleet.Cluster.Kubernetes.OpenWatches;
        (kubeMark, vaultMark) = (fleet.Cluster.Kubernetes.Requests.Count, fleet.Cluster.Vault.Requests.Count);
        context.Log($"{Name}: resetting {watches} watches (history compacted, streams dropped)");
        clock.Restart();
        fleet.Cluster.Kubernetes.CompactHistory();
        fleet.Cluster.Kubernetes.Faults.DropStreams();
        await Eventually.TrueAsync(
            () => fleet.Cluster.Kubernetes.Requests.Count > kubeMark && fleet.Cluster.Kubernetes.OpenWatches >= watches,
            $"{watches} watches open again", BenchContext.Patience(fleet.Managed, limit.Qps));
        converged = clock.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(2));
        Measure(reset, fleet, limit, kubeMark, vaultMark, converged, daemon);
        result.Runs.Add(reset);

        result.Notes.Add("A first daemon (limiter off) writes the fleet; it is stopped gracefully, and a second daemon starts with the configured limit. Then, with that daemon running, the emulator compacts its history and cuts every stream, so every watch must re-list.");
        result.Notes.Add("Time to converge: restart = process start to /status reporting leader and first full sync done; watch reset = reset to every watch open again.");
        result.Notes.Add($"Request rate = requests arriving in any sliding 1 s window of the Kubernetes request log (watches excluded). The client's token bucket holds {limit.Burst} tokens and refills at {limit.Qps}/s, so one second may hold up to burst + qps = {limit.Burst + limit.Qps}.");
        result.Notes.Add($"'Requests beyond qps x elapsed, worst stretch' is the exact limit check: over every stretch of the log from one request to a later one, the requests counted minus {limit.Qps} x the stretch's length; a client within its bucket never exceeds the burst ({limit.Burst}). Arrival times are taken at the emulator, so network and scheduling jitter can add a request or two. Leader election's Lease requests are left out of both: they are exempt from the limit (one per retry period, 500 ms here).");
        result.Notes.Add(SideBySide.Formula + " Storm: a restarted ESO re-reads every ExternalSecret once; nothing changed, so the floor is 0 and 0.");
        return result;
    }

    private static bool Check(Fleet fleet, long bytes) => fleet.Managed < 100_000 || bytes / 1048576.0 < MemoryTargetMegabytes;

    private static void Measure(Run run, Fleet fleet, KubeLimit limit, int kubeMark, int vaultMark, TimeSpan converged, DaemonProcess daemon)
    {
        var pid = daemon.ProcessId;
        var kube = RequestWindow.Since(fleet.Cluster.Kubernetes.Requests, kubeMark);
        var vault = RequestWindow.Since(fleet.Cluster.Vault.Requests, vaultMark);
        var writes = kube.SecretWrites().Count;
        var limited = kube.Limited();
        var peak = limited.PeakPerSecond();
        var demand = limited.BucketDemand(limit.Qps);
        run.Add("managed Secrets", fleet.Managed, "");
        run.Add("time to converge", converged.TotalSeconds, "s");
        run.Add("Kubernetes requests", kube.Count, "");
        run.Add("peak requests in any 1 s", peak, "/s", $"<= burst + qps = {limit.Burst + limit.Qps}", peak <= limit.Burst + limit.Qps);
        run.Add("requests beyond qps x elapsed, worst stretch", demand, "", $"<= burst = {limit.Burst}", demand <= limit.Burst);
        run.Add("Kubernetes requests per second, whole window", kube.Count / Math.Max(converged.TotalSeconds, 0.001), "/s");
        run.Add("Lease requests (exempt from the limit)", kube.Count - limited.Count, "");
        run.Add("writes for unchanged Secrets", writes, "", "0", writes == 0);
        run.Add("provider requests", vault.Count, "");
        run.Add("peak RSS (since the process started)", ProcessStats.PeakRss(pid) / 1048576.0, "MB", $"< {MemoryTargetMegabytes} MB at 100,000 managed Secrets", Check(fleet, ProcessStats.PeakRss(pid)));
        run.Add("RSS 2 s after converging", ProcessStats.Rss(pid) / 1048576.0, "MB");
        SideBySide.Add(run, fleet.Managed, refreshes: 1, vault.Count, vault.Where(r => r.Verb == "read"), changedSources: 0, writes, changedSecrets: 0);
        run.Counts["kubernetes"] = kube.VerbCounts();
        run.Counts["vault"] = vault.VerbCounts();
        run.CountAudit(daemon.Audit);
    }
}
