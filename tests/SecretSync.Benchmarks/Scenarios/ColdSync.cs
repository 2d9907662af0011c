using System.Diagnostics;
using SecretSync.Benchmarks.Harness;

namespace SecretSync.Benchmarks.Scenarios;

/// <summary>Scenario 1: a daemon starts against N namespaces x S secrets that exist nowhere yet.</summary>
internal static class ColdSync
{
    public const string Name = "cold-sync";
    private const int SecretsPerNamespace = 10;
    private const double WriteTarget = 2_000;

    public static async Task<ScenarioResult> RunAsync(BenchContext context)
    {
        var result = new ScenarioResult(Name, "Cold sync: N namespaces x S secrets from nothing");
        (int Namespaces, KubeLimit? Limit)[] runs = context.Quick
            ? [(10, KubeLimit.Off), (30, KubeLimit.Off), (10, KubeLimit.Default)]
            : [(100, KubeLimit.Off), (1_000, KubeLimit.Off), (10_000, KubeLimit.Off), (100, KubeLimit.Default)];
        foreach (var (namespaces, limit) in runs)
        {
            result.Runs.Add(await RunOneAsync(context, namespaces, limit));
        }

        AddMarginalMemory(result);
        result.Notes.Add("Time to converge runs from starting the daemon process (runtime start-up included) to the last Secret write; writes/second counts from the first to the last Secret write in the emulator's request log.");
        result.Notes.Add("Peak RSS is VmHWM of the daemon process; memory per managed Secret is peak RSS / managed Secrets, and the marginal figure is (peak RSS of the largest limiter-off run - of the smallest) / (difference in managed Secrets).");
        result.Notes.Add("Every namespace requests the same bundle of S Vault sources, so the fleet has S distinct sources.");
        result.Notes.Add(SideBySide.Formula + " Cold sync: one refresh (each ExternalSecret reads once when created); every source and every Secret is new.");
        return result;
    }

    private static async Task<Run> RunOneAsync(BenchContext context, int namespaces, KubeLimit? limit)
    {
        var run = new Run($"N={namespaces:N0}, {KubeLimit.Describe(limit)}")
            .With("namespaces", namespaces).With("secretsPerNamespace", SecretsPerNamespace).With("limit", KubeLimit.Describe(limit));
        await using var fleet = await Fleet.StartAsync(namespaces, SecretsPerNamespace, vaultEvents: false);
        fleet.WriteConfig(limit, events: false, interval: "5m");
        context.Log($"{Name}: {run.Label}: seeded {fleet.Managed:N0} targets; starting the daemon");

        var clock = Stopwatch.StartNew();
        var daemon = fleet.StartDaemon();
        await fleet.WaitForSecretWritesAsync(fleet.Managed, BenchContext.Patience(fleet.Managed, limit?.Qps ?? 100), daemon);
        var converged = clock.Elapsed;
        await daemon.WaitLeadingAsync();
        await Fleet.TailAsync();

        var peakRss = ProcessStats.PeakRss(daemon.ProcessId);
        var cpu = ProcessStats.CpuSeconds(daemon.ProcessId);
        var kube = RequestWindow.Since(fleet.Cluster.Kubernetes.Requests, 0);
        var vault = RequestWindow.Since(fleet.Cluster.Vault.Requests, 0);
        var writes = kube.SecretWrites();
        var writeSpan = writes.Count > 1 ? writes[^1].Time - writes[0].Time : TimeSpan.Zero;
        var writesPerSecond = writes.Count / Math.Max(writeSpan.TotalSeconds, 0.001);
        var providerReads = vault.Where(r => r.Verb == "read");

        run.Add("managed Secrets", fleet.Managed, "");
        run.Add("time to converge", converged.TotalSeconds, "s");
        run.Add("Secret writes", writes.Count, "");
        if (limit is null && namespaces == 10_000)
        {
            run.Add("Secret writes/second", writesPerSecond, "/s", $">= {WriteTarget:N0}/s on 2 cores", writesPerSecond >= WriteTarget);
        }
        else
        {
            run.Add("Secret writes/second", writesPerSecond, "/s");
        }

        run.Add("Kubernetes requests", kube.Count, "");
        run.Add("Kubernetes requests per managed Secret", (double)kube.Count / fleet.Managed, "");
        run.Add("provider requests", vault.Count, "");
        run.Add("provider reads (data)", providerReads, "");
        run.Add("daemon CPU", cpu, "s");
        run.Add("peak RSS", peakRss / 1048576.0, "MB", limit is null && fleet.Managed >= 100_000 ? "< 300 MB at 100,000 managed Secrets" : null,
            limit is null && fleet.Managed >= 100_000 ? peakRss / 1048576.0 < 300 : null);
        run.Add("RSS after converging", ProcessStats.Rss(daemon.ProcessId) / 1048576.0, "MB");
        run.Add("memory per managed Secret (peak RSS / Secrets)", peakRss / 1024.0 / fleet.Managed, "KB");
        SideBySide.Add(run, fleet.Managed, refreshes: 1, vault.Count, providerReads, changedSources: fleet.Sources, writes.Count, changedSecrets: fleet.Managed);
        run.Counts["kubernetes"] = kube.VerbCounts();
        run.Counts["vault"] = vault.VerbCounts();
        run.CountAudit(daemon.Audit);
        context.Log($"{Name}: {run.Label}: converged in {converged.TotalSeconds:F1} s, {writesPerSecond:F0} writes/s, peak RSS {peakRss / 1048576.0:F0} MB");
        return run;
    }

    private static void AddMarginalMemory(ScenarioResult result)
    {
        var unlimited = result.Runs.Where(r => r.Parameters["limit"] == KubeLimit.Describe(KubeLimit.Off)).ToList();
        if (unlimited.Count < 2)
        {
            return;
        }

        double Figure(Run run, string name) => run.Figures.First(f => f.Name == name).Value;
        var (small, large) = (unlimited.MinBy(r => Figure(r, "managed Secrets"))!, unlimited.MaxBy(r => Figure(r, "managed Secrets"))!);
        var bytes = (Figure(large, "peak RSS") - Figure(small, "peak RSS")) * 1048576.0;
        large.Add("marginal memory per managed Secret", bytes / 1024.0 / (Figure(large, "managed Secrets") - Figure(small, "managed Secrets")), "KB");
    }
}
