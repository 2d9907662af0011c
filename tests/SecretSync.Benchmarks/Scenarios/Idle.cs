using SecretSync.Benchmarks.Harness;
using SecretSync.Testing.Cluster;

namespace SecretSync.Benchmarks.Scenarios;

/// <summary>Scenario 2: a converged fleet where nothing changes, watched for five poll cycles.</summary>
internal static class Idle
{
    public const string Name = "idle";
    private const int SecretsPerNamespace = 10;
    private const int Cycles = 5;

    public static async Task<ScenarioResult> RunAsync(BenchContext context)
    {
        var result = new ScenarioResult(Name, "Idle: five poll cycles with nothing changed");
        var namespaces = context.Quick ? 10 : 1_000;
        var interval = context.Quick ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(5);
        foreach (var events in new[] { false, true })
        {
            result.Runs.Add(await RunOneAsync(context, namespaces, interval, events));
        }

        result.Notes.Add($"The window is {Cycles} poll intervals long, starting one interval after convergence; per-cycle figures divide by {Cycles}. Jitter is 0.1, so a window holds {Cycles} polls give or take one; provider requests per version check is the exact figure for the target.");
        result.Notes.Add("Version checks come from the daemon's secretsync_provider_version_checks_total counter on /metrics; provider requests per version check should equal the distinct sources.");
        result.Notes.Add("With Vault events live, scheduled polls rest and only every 10th runs as a safety net, so a five-cycle window usually holds no poll at all.");
        result.Notes.Add("The Kubernetes client limiter is off so that the fleet converges quickly before the window; at rest it makes no difference.");
        result.Notes.Add("Kubernetes writes (any resource) include the leader's lease renewals; the target is about Secret writes.");
        result.Notes.Add(SideBySide.Formula + $" Idle: {Cycles} refreshes; nothing changed, so the floor is 0 and 0.");
        return result;
    }

    private static async Task<Run> RunOneAsync(BenchContext context, int namespaces, TimeSpan interval, bool events)
    {
        var run = new Run($"N={namespaces:N0}, {(events ? "Vault events" : "polling only")}")
            .With("namespaces", namespaces).With("secretsPerNamespace", SecretsPerNamespace).With("interval", interval).With("events", events);
        await using var fleet = await Fleet.StartAsync(namespaces, SecretsPerNamespace, vaultEvents: events);
        fleet.WriteConfig(KubeLimit.Off, events, interval: $"{interval.TotalSeconds}s");
        var daemon = fleet.StartDaemon();
        await fleet.WaitForSecretWritesAsync(fleet.Managed, BenchContext.Patience(fleet.Managed), daemon);
        await daemon.WaitLeadingAsync();
        if (events)
        {
            await Testing.Eventually.TrueAsync(() => fleet.Cluster.Vault.EventSubscriberCount > 0, "the daemon subscribed to Vault events", TimeSpan.FromSeconds(30));
        }

        await Task.Delay(interval);
        context.Log($"{Name}: {run.Label}: converged; watching {Cycles} cycles of {interval.TotalSeconds} s");

        var (kubeMark, vaultMark) = (fleet.Cluster.Kubernetes.Requests.Count, fleet.Cluster.Vault.Requests.Count);
        var cpuBefore = ProcessStats.CpuSeconds(daemon.ProcessId);
        var checksBefore = await VersionChecksAsync(daemon);
        await Task.Delay(interval * Cycles);
        var end = TimeProvider.System.GetUtcNow();
        var cpu = ProcessStats.CpuSeconds(daemon.ProcessId) - cpuBefore;
        var checks = await VersionChecksAsync(daemon) - checksBefore;
        await Fleet.TailAsync();
        var kube = RequestWindow.Between(fleet.Cluster.Kubernetes.Requests, kubeMark, end);
        var vault = RequestWindow.Between(fleet.Cluster.Vault.Requests, vaultMark, end);
        var secretWrites = kube.SecretWrites().Count;
        var providerPerCycle = (double)vault.Count / Cycles;

        run.Add("managed Secrets", fleet.Managed, "");
        run.Add("distinct sources", fleet.Sources, "");
        run.Add("Secret writes", secretWrites, "", "0", secretWrites == 0);
        run.Add("Kubernetes writes (any resource)", kube.Writes(), "");
        run.Add("Kubernetes requests per cycle", (double)kube.Count / Cycles, "");
        var perCheck = checks == 0 ? 0 : vault.Count / checks;
        if (events)
        {
            run.Add("provider requests per cycle", providerPerCycle, "", "0 with events", vault.Count == 0);
        }
        else
        {
            run.Add("provider requests per cycle", providerPerCycle, "");
        }

        run.Add("version checks run (polls)", checks, "");
        run.Add("provider requests per version check", perCheck, "", events ? null : "= distinct sources", events ? null : perCheck == fleet.Sources);
        run.Add("daemon CPU per cycle", cpu / Cycles, "s");
        run.Add("peak RSS", ProcessStats.PeakRss(daemon.ProcessId) / 1048576.0, "MB");
        SideBySide.Add(run, fleet.Managed, Cycles, vault.Count, vault.Where(r => r.Verb == "read"), changedSources: 0, secretWrites, changedSecrets: 0);
        run.Counts["kubernetes"] = kube.VerbCounts();
        run.Counts["vault"] = vault.VerbCounts();
        run.CountAudit(daemon.Audit);
        context.Log($"{Name}: {run.Label}: {secretWrites} Secret writes, {providerPerCycle:F1} provider requests/cycle, {cpu / Cycles:F3} CPU s/cycle");
        return run;
    }

    /// <summary>Batch version checks (poll cycles that ran) so far, from the daemon's <c>/metrics</c>.</summary>
    private static async Task<double> VersionChecksAsync(DaemonProcess daemon) =>
        ResiliencePrometheus.Parse(await daemon.GetAsync("metrics")).Sum("secretsync_provider_version_checks_total");
}
