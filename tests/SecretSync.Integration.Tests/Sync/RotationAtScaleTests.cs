using System.Globalization;
using SecretSync.Core.Audit;
using SecretSync.Testing;
using SecretSync.Testing.Cluster;
using Xunit.Abstractions;

namespace SecretSync.Integration.Tests.Sync;

/// <summary>Runs after every parallel test, alone, so the latency figures are not those of a machine busy with other daemons.</summary>
[CollectionDefinition(nameof(SyncLatencyCollection), DisableParallelization = true)]
public sealed class SyncLatencyCollection;

[Collection(nameof(SyncLatencyCollection))]
public sealed class RotationAtScaleTests(ITestOutputHelper output)
{
    private const int Namespaces = 200;
    private const string Source = "platform/db";

    [Fact]
    public Task RotationOfASourceUsedBy200Namespaces_WritesExactly200Secrets_WithVaultEvents() =>
        RotateAndMeasureAsync(events: true);

    [Fact]
    public Task RotationOfASourceUsedBy200Namespaces_WritesExactly200Secrets_WithPollingOnly() =>
        RotateAndMeasureAsync(events: false);

    private async Task RotateAndMeasureAsync(bool events)
    {
        var mode = events ? "vault events" : "polling only (interval 1s)";
        await using var cluster = await TestCluster.StartAsync(vaultEvents: events);
        cluster.Seed(Source, ("user", "app"), ("password", "pw-scale-v1"));
        for (var i = 0; i < Namespaces; i++)
        {
            cluster.Namespace(Name(i), bundles: "platform");
        }

        cluster.WriteSyncConfig(SyncScenario.OpenBundle("platform", (Source, "db")), interval: "1s", events: events ? "on" : "off");
        var daemon = cluster.StartDaemon();
        await daemon.WaitLeadingAsync();
        await daemon.WaitForAuditCountAsync(e => e.Action == AuditActions.Created, Namespaces, "every target created", TimeSpan.FromSeconds(60));
        await Eventually.TrueAsync(() => cluster.SecretWritesIn(InTest).Count == Namespaces, "the creates in the request log");
        if (events)
        {
            await Eventually.TrueAsync(
                () => cluster.Vault.EventSubscriberCount > 0 && daemon.StandardError.Contains("pushes changes", StringComparison.Ordinal),
                "the daemon subscribed to Vault events", TimeSpan.FromSeconds(30));
        }

        var vaultMark = cluster.Vault.Requests.Count;
        var kubeMark = cluster.Kubernetes.Requests.Count;
        var historyMark = cluster.Kubernetes.History.Count;

        var version = cluster.Seed(Source, ("user", "app"), ("password", "pw-scale-v2"));
        var created = cluster.VersionCreated(Source, version);
        await daemon.WaitForAuditCountAsync(e => e.Action == AuditActions.Updated, Namespaces, "every target updated", TimeSpan.FromSeconds(60));
        await daemon.WaitForPollCyclesAsync(); // later cycles must add nothing

        var writes = cluster.SecretWritesIn(InTest, kubeMark);
        Assert.Equal(Namespaces, writes.Count);
        Assert.All(writes, w => Assert.Equal("update", w.Verb));
        Assert.Equal(Namespaces, writes.Select(w => SyncScenario.NamespaceOf(w.Path)).Distinct().Count());
        Assert.Equal(1, cluster.VaultReads(Source, vaultMark));
        var updates = daemon.Audit.Where(e => e.Action == AuditActions.Updated).ToList();
        Assert.All(updates, u => Assert.Equal(("2", "1", events ? AuditTriggers.Event : AuditTriggers.Poll), (u.SourceVersion, u.PreviousVersion, u.Trigger)));

        var landed = cluster.Kubernetes.History.Skip(historyMark)
            .Where(c => c.Resource == "secrets" && c.Type == "MODIFIED" && c.Namespace is { } ns && InTest(ns))
            .ToList();
        Assert.Equal(Namespaces, landed.Count);
        var latencies = landed.Select(c => c.Time - created).Order().ToList();
        var (p50, p99, max) = (SyncScenario.Percentile(latencies, 50), SyncScenario.Percentile(latencies, 99), latencies[^1]);
        var line = string.Create(CultureInfo.InvariantCulture,
            $"rotation propagation, {Namespaces} namespaces, {mode}: first {latencies[0].TotalMilliseconds:F0} ms, p50 {p50.TotalMilliseconds:F0} ms, p99 {p99.TotalMilliseconds:F0} ms, max {max.TotalMilliseconds:F0} ms; {writes.Count} Secret writes, {cluster.VaultReads(Source, vaultMark)} source read");
        output.WriteLine(line);
        Record(events ? "events" : "polling", line);
        Assert.True(latencies[0] >= TimeSpan.Zero, "a Secret cannot carry a version before it exists");
        Assert.True(max < TimeSpan.FromSeconds(30), line); // a sanity bound, not a speed claim

        static bool InTest(string ns) => ns.StartsWith("scale-", StringComparison.Ordinal);
    }

    private static string Name(int i) => string.Create(CultureInfo.InvariantCulture, $"scale-{i:D3}");

    /// <summary>Keeps the latest figure of each mode in one file beside the build output (ignored by git); the collection runs its tests one at a time.</summary>
    private static void Record(string key, string line)
    {
        var file = Path.Combine(Repository.Root, "tests", "SecretSync.Integration.Tests", "bin", "rotation-latency.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        var lines = File.Exists(file) ? File.ReadAllLines(file).Where(l => !l.StartsWith(key + ":", StringComparison.Ordinal)).ToList() : [];
        lines.Add($"{key}: {line}");
        File.WriteAllLines(file, lines.Order(StringComparer.Ordinal));
    }
}
