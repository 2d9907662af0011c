using System.Diagnostics;
using SecretSync.Core.Audit;
using SecretSync.Testing;
using SecretSync.Testing.Cluster;
using Xunit.Abstractions;

namespace SecretSync.Integration.Tests.Resilience;

/// <summary>Two replicas against one cluster: one Lease, one writer, and a standby that takes over (DESIGN §3, "HA").</summary>
/// <remarks>The harness configures leaseDuration 3 s, renewDeadline 2 s, retryPeriod 500 ms.</remarks>
public sealed class LeaderElectionTests(ITestOutputHelper output)
{
    private static readonly string Bundles = SyncScenario.OpenBundle("app", ("app/db", "db-credentials"));

    private static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(3);

    // Two JIT-warming processes on two shared cores: a generous allowance over the lease duration for scheduling noise.
    private static readonly TimeSpan TakeoverSlack = TimeSpan.FromSeconds(12);

    [Fact]
    public async Task TwoReplicas_OnlyTheLeaderWrites_AndTheStandbyTakesOverWhenTheLeaderIsKilled()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Vault.WriteSecret("secret", "app/db", new Dictionary<string, object?> { ["password"] = "pw-ha-v1" });
        cluster.Namespace("app-0", bundles: "app");
        cluster.Namespace("app-1", bundles: "app");
        cluster.Namespace("app-2");
        cluster.WriteConfig(Bundles);
        var mark = ResilienceHistory.Mark(cluster.Kubernetes);
        var a = cluster.StartDaemon("replica-a");
        var b = cluster.StartDaemon("replica-b");
        await a.WaitReadyAsync();
        await b.WaitReadyAsync();
        var (leader, standby) = await LeaderOfAsync(a, b);
        await leader.WaitLeadingAsync();
        await leader.WaitForAuditCountAsync(e => e.Action == AuditActions.Created, 2, "both Secrets created by the leader");

        cluster.Annotate("app-2", "app");
        await leader.WaitForAuditAsync(e => e.Action == AuditActions.Created && e.Namespace == "app-2", "app-2 created by the leader");
        await leader.WaitForPollCyclesAsync(); // poll cycles in which a second writer would show

        await using (var standbyProbe = new ResilienceProbe(standby))
        {
            Assert.False(await standbyProbe.IsLeaderAsync());
            Assert.Equal(200, (await standbyProbe.GetAsync("readyz")).Status);
        }

        Assert.DoesNotContain(standby.Audit, e => e.Action is AuditActions.Created or AuditActions.Updated or AuditActions.Restored or AuditActions.Pruned);
        Assert.All(leader.Audit.Where(e => e.Action == AuditActions.Created), e => Assert.Equal(LeaderName(leader, a), e.Instance));
        var writes = ResilienceHistory.WritesPerSecret(ResilienceHistory.SecretChangesSince(cluster.Kubernetes, mark, ns => ns.StartsWith("app-", StringComparison.Ordinal)));
        Assert.Equal(3, writes.Count);
        Assert.All(writes, w => Assert.Equal(1, w.Value));

        var takeoverMark = ResilienceHistory.Mark(cluster.Kubernetes);
        var clock = Stopwatch.StartNew();
        leader.Kill();
        await using var probe = new ResilienceProbe(standby);
        await Eventually.TrueAsync(async () => await probe.IsLeaderAsync() == true, "the standby leading after SIGKILL", LeaseDuration + TakeoverSlack, TimeSpan.FromMilliseconds(50));
        var takeover = clock.Elapsed;
        output.WriteLine($"takeover after SIGKILL of the leader: {takeover.TotalSeconds:0.00} s (lease duration {LeaseDuration.TotalSeconds} s)");
        await standby.WaitLeadingAsync(TimeSpan.FromSeconds(30));

        // The new leader finds everything current: its first full sync writes nothing.
        Assert.Empty(ResilienceHistory.SecretChangesSince(cluster.Kubernetes, takeoverMark).Select(c => c.ToString()));

        var version = cluster.Vault.WriteSecret("secret", "app/db", new Dictionary<string, object?> { ["password"] = "pw-ha-v2" });
        await standby.WaitForAuditCountAsync(e => e.Action == AuditActions.Updated && e.SourceVersion == $"{version}", 3, "the rotation written by the new leader");
        cluster.Namespace("app-3", bundles: "app");
        await standby.WaitForAuditAsync(e => e.Action == AuditActions.Created && e.Namespace == "app-3", "app-3 created by the new leader");

        foreach (var ns in new[] { "app-0", "app-1", "app-2", "app-3" })
        {
            Assert.Equal("pw-ha-v2", cluster.SecretValue(ns, "db-credentials", "password"));
        }

        var after = ResilienceHistory.WritesPerSecret(ResilienceHistory.SecretChangesSince(cluster.Kubernetes, takeoverMark));
        Assert.Equal(4, after.Count);
        Assert.All(after, w => Assert.Equal(1, w.Value));
        Assert.Equal(LeaderName(standby, a), Holder(cluster));
    }

    [Fact]
    public async Task SigtermOfTheLeader_ExitsWithZero_ReleasesTheLease_AndTheStandbyTakesOverQuickly()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Vault.WriteSecret("secret", "app/db", new Dictionary<string, object?> { ["password"] = "pw-term-v1" });
        cluster.Namespace("app-0", bundles: "app");
        cluster.WriteConfig(Bundles);
        var a = cluster.StartDaemon("replica-a");
        var b = cluster.StartDaemon("replica-b");
        await a.WaitReadyAsync();
        await b.WaitReadyAsync();
        var (leader, standby) = await LeaderOfAsync(a, b);
        await leader.WaitLeadingAsync();
        await leader.WaitForAuditAsync(e => e.Action == AuditActions.Created, "created by the leader");
        var leaderName = LeaderName(leader, a);
        Assert.Equal(leaderName, Holder(cluster));
        var mark = ResilienceHistory.Mark(cluster.Kubernetes);

        var clock = Stopwatch.StartNew();
        var exitCode = await leader.StopAsync(TimeSpan.FromSeconds(30));
        var stopped = clock.Elapsed;
        await using var probe = new ResilienceProbe(standby);
        await Eventually.TrueAsync(async () => await probe.IsLeaderAsync() == true, "the standby leading after SIGTERM", LeaseDuration + TakeoverSlack, TimeSpan.FromMilliseconds(50));
        var takeover = clock.Elapsed;
        output.WriteLine($"SIGTERM: leader exited after {stopped.TotalSeconds:0.00} s; standby led after {takeover.TotalSeconds:0.00} s " +
            $"({(takeover - stopped).TotalSeconds:0.00} s after the exit; lease duration {LeaseDuration.TotalSeconds} s)");

        Assert.Equal(0, exitCode);
        // Released, not left to expire: the departing leader wrote an empty holder before exiting.
        var released = cluster.Kubernetes.History.Skip(mark)
            .Where(c => c.Resource == "leases" && c.Type == "MODIFIED")
            .Select(c => c.ParseObject()["spec"]?["holderIdentity"]?.GetValue<string>())
            .ToList();
        Assert.Contains("", released);
        Assert.Equal(LeaderName(standby, a), Holder(cluster));

        cluster.Namespace("app-1", bundles: "app");
        await standby.WaitForAuditAsync(e => e.Action == AuditActions.Created && e.Namespace == "app-1", "app-1 created by the new leader");
        Assert.Equal("pw-term-v1", cluster.SecretValue("app-1", "db-credentials", "password"));
    }

    /// <summary>Waits until exactly one of the two reports leading, and returns it first.</summary>
    private static async Task<(DaemonProcess Leader, DaemonProcess Standby)> LeaderOfAsync(DaemonProcess a, DaemonProcess b)
    {
        await using var probeA = new ResilienceProbe(a);
        await using var probeB = new ResilienceProbe(b);
        (DaemonProcess, DaemonProcess)? found = null;
        await Eventually.TrueAsync(async () =>
        {
            var (aLeads, bLeads) = (await probeA.IsLeaderAsync(), await probeB.IsLeaderAsync());
            Assert.False(aLeads == true && bLeads == true, "both replicas report leading");
            found = aLeads == true ? (a, b) : bLeads == true ? (b, a) : null;
            return found is not null;
        }, "one replica leading", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100));
        return found!.Value;
    }

    private static string LeaderName(DaemonProcess daemon, DaemonProcess a) => daemon == a ? "replica-a" : "replica-b";

    private static string? Holder(TestCluster cluster) =>
        cluster.Kubernetes.Get("leases", "default", "secretsync")?["spec"]?["holderIdentity"]?.GetValue<string>();
}
