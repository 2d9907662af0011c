using SecretSync.Core.Audit;
using SecretSync.Testing;
using SecretSync.Testing.Cluster;

namespace SecretSync.Integration.Tests.Sync;

public sealed class RotationTests
{
    [Fact]
    public async Task NewVaultVersion_UpdatesEveryTargetInOnePass_WithOneReadAndOneSecretWritePerNamespace()
    {
        const int namespaces = 6;
        await using var cluster = await TestCluster.StartAsync();
        cluster.Seed("shared/db", ("user", "app"), ("password", "pw-rotation-v1"));
        cluster.Seed("shared/api", ("token", "tok-rotation-steady"));
        for (var i = 0; i < namespaces; i++)
        {
            cluster.Namespace($"rot-{i}", bundles: "shared");
        }

        cluster.Namespace("bystander");
        cluster.WriteSyncConfig(SyncScenario.OpenBundle("shared", ("shared/db", "db"), ("shared/api", "api")));
        var daemon = cluster.StartDaemon();
        await daemon.WaitLeadingAsync();
        await daemon.WaitForAuditCountAsync(e => e.Action == AuditActions.Created, 2 * namespaces, "every target created");
        await Eventually.TrueAsync(() => cluster.SecretWritesIn(InTest).Count == 2 * namespaces, "the creates in the request log");
        var vaultMark = cluster.Vault.Requests.Count;
        var kubeMark = cluster.Kubernetes.Requests.Count;

        var version = cluster.Seed("shared/db", ("user", "app"), ("password", "pw-rotation-v2"));
        await daemon.WaitForAuditCountAsync(IsUpdateOfDb, namespaces, "every db target updated");
        await daemon.WaitForPollCyclesAsync(); // a couple more poll cycles: nothing else may follow

        Assert.Equal(2, version);
        for (var i = 0; i < namespaces; i++)
        {
            Assert.Equal("pw-rotation-v2", cluster.SecretValue($"rot-{i}", "db", "password"));
            Assert.Equal("2", cluster.SyncedVersion($"rot-{i}", "db"));
            Assert.Equal("tok-rotation-steady", cluster.SecretValue($"rot-{i}", "api", "token"));
        }

        var updates = daemon.Audit.Where(IsUpdateOfDb).ToList();
        Assert.Equal(namespaces, updates.Count);
        Assert.Equal(namespaces, updates.Select(u => u.Namespace).Distinct().Count());
        Assert.All(updates, u => Assert.Equal(("2", "1", "shared/db", "db", AuditTriggers.Poll), (u.SourceVersion, u.PreviousVersion, u.Source, u.Secret, u.Trigger)));
        Assert.DoesNotContain(daemon.Audit, e => e.Action == AuditActions.Updated && e.Source == "shared/api");

        Assert.Equal(1, cluster.VaultReads("shared/db", vaultMark));
        Assert.Equal(0, cluster.VaultReads("shared/api", vaultMark));
        var writes = cluster.SecretWritesIn(_ => true, kubeMark);
        Assert.Equal(namespaces, writes.Count);
        Assert.All(writes, w => Assert.Equal(("update", "PUT"), (w.Verb, w.Method)));
        Assert.All(writes, w => Assert.EndsWith("/secrets/db", w.Path, StringComparison.Ordinal));
        Assert.Equal(namespaces, writes.Select(w => SyncScenario.NamespaceOf(w.Path)).Distinct().Count());
        Assert.Null(cluster.Secret("bystander", "db"));

        static bool IsUpdateOfDb(AuditEvent e) => e.Action == AuditActions.Updated && e.Source == "shared/db";
        static bool InTest(string ns) => ns.StartsWith("rot-", StringComparison.Ordinal);
    }

    [Fact]
    public async Task PollCycle_ChecksEachDistinctSourceOnce_HoweverManyNamespacesUseIt()
    {
        const int namespaces = 50;
        string[] sources = ["fleet/db", "fleet/api", "fleet/tls"];
        await using var cluster = await TestCluster.StartAsync();
        foreach (var source in sources)
        {
            cluster.Seed(source, ("value", $"value-of-{source}-poll"));
        }

        for (var i = 0; i < namespaces; i++)
        {
            cluster.Namespace($"poll-{i}", bundles: "fleet");
        }

        cluster.WriteSyncConfig(SyncScenario.OpenBundle("fleet", ("fleet/db", "db"), ("fleet/api", "api"), ("fleet/tls", "tls")));
        var daemon = cluster.StartDaemon();
        await daemon.WaitLeadingAsync();
        await daemon.WaitForAuditCountAsync(e => e.Action == AuditActions.Created, sources.Length * namespaces, "every target created", TimeSpan.FromSeconds(60));
        await Eventually.TrueAsync(
            () => cluster.SecretWritesIn(ns => ns.StartsWith("poll-", StringComparison.Ordinal)).Count == sources.Length * namespaces, "the creates in the request log");
        var vaultMark = cluster.Vault.Requests.Count;
        var kubeMark = cluster.Kubernetes.Requests.Count;

        await Task.Delay(TimeSpan.FromSeconds(6));

        // A cycle is a burst of metadata reads; cycles are about a second apart (interval 1s, jitter 0.1).
        var cycles = Bursts(cluster.VaultChecks(vaultMark), TimeSpan.FromMilliseconds(400));
        var whole = cycles.Skip(1).SkipLast(1).ToList(); // the first and last may straddle the window's edges
        Assert.True(whole.Count >= 2, $"expected at least 2 whole poll cycles in 6 s, saw {cycles.Count} bursts");
        Assert.All(whole, cycle => Assert.Equal(
            sources.Select(s => $"/v1/secret/metadata/{s}").Order(StringComparer.Ordinal),
            cycle.Select(r => r.Path).Order(StringComparer.Ordinal)));
        Assert.All(sources, s => Assert.Equal(0, cluster.VaultReads(s, vaultMark)));
        Assert.Empty(cluster.SecretWritesIn(_ => true, kubeMark));
    }

    private static List<List<DevStack.Hosting.RecordedRequest>> Bursts(IEnumerable<DevStack.Hosting.RecordedRequest> requests, TimeSpan gap)
    {
        var bursts = new List<List<DevStack.Hosting.RecordedRequest>>();
        foreach (var request in requests.OrderBy(r => r.Time))
        {
            if (bursts.Count == 0 || request.Time - bursts[^1][^1].Time > gap)
            {
                bursts.Add([]);
            }

            bursts[^1].Add(request);
        }

        return bursts;
    }
}
