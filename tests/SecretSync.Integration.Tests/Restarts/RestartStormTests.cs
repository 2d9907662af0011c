using System.Diagnostics;
using SecretSync.Core.Audit;
using SecretSync.Testing.Cluster;
using Xunit.Abstractions;

namespace SecretSync.Integration.Tests.Restarts;

/// <summary>One rotation touching 500 opted-in workloads: the caps on restarts at once hold, per namespace and per cluster.</summary>
/// <remarks>The emulator runs no controllers, so the test plays the Deployment controller: it reports each restarted
/// workload's rollout finished on its next sweep. A workload counts as restarting from the commit of our patch (its
/// generation moves past its observed generation) to the commit of its finished status, read off the emulator's ordered
/// history of committed changes.</remarks>
public sealed class RestartStormTests(ITestOutputHelper output)
{
    private const int Namespaces = 5;
    private const int PerNamespace = 100;
    private const int NamespaceCap = 5;
    private const int ClusterCap = 20;

    [Fact]
    public async Task FiveHundredWorkloadsAffectedAtOnce_RestartWithinTheCaps_EachOnce()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Seed("storm/db", ("password", "pw-storm-v1"));
        for (var n = 0; n < Namespaces; n++)
        {
            cluster.Namespace($"storm-{n}", bundles: "storm");
            for (var i = 0; i < PerNamespace; i++)
            {
                cluster.Kubernetes.Apply(RestartWorkloads.Workload("Deployment", $"storm-{n}", $"app-{i:000}", "true", RestartWorkloads.EnvFrom("db", "password")));
            }
        }

        cluster.WriteSyncConfig(SyncScenario.OpenBundle("storm", ("storm/db", "db")),
            sync: "kubernetes: { qps: 500, burst: 1000 }",
            audit: RestartWorkloads.Section("1s", NamespaceCap, ClusterCap));
        var daemon = cluster.StartDaemon();
        await daemon.WaitLeadingAsync();
        await daemon.WaitForAuditCountAsync(e => e.Action == AuditActions.Created, Namespaces, "db in every namespace");
        var historyMark = cluster.Kubernetes.History.Count;
        var requestMark = cluster.Kubernetes.Requests.Count;

        cluster.Seed("storm/db", ("password", "pw-storm-v2"));
        var clock = Stopwatch.StartNew();
        var sweeps = 0;
        var widest = 0;
        while (true)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(4), $"only {cluster.Restarts(requestMark).Count} of 500 restarted after {clock.Elapsed}");
            var rolling = new List<(string Namespace, string Name)>();
            var restarted = 0;
            for (var n = 0; n < Namespaces; n++)
            {
                foreach (var deployment in cluster.Kubernetes.List("deployments", $"storm-{n}"))
                {
                    var generation = deployment["metadata"]!["generation"]!.GetValue<long>();
                    var observed = deployment["status"]!["observedGeneration"]!.GetValue<long>();
                    restarted += generation > 1 ? 1 : 0;
                    if (generation > observed)
                    {
                        rolling.Add(($"storm-{n}", deployment["metadata"]!["name"]!.GetValue<string>()));
                    }
                }
            }

            Assert.InRange(rolling.Count, 0, ClusterCap);
            Assert.All(rolling.GroupBy(r => r.Namespace), g => Assert.InRange(g.Count(), 0, NamespaceCap));
            widest = Math.Max(widest, rolling.Count);
            if (restarted == Namespaces * PerNamespace && rolling.Count == 0)
            {
                break;
            }

            // A rollout takes a moment; then the controller reports it finished.
            await Task.Delay(TimeSpan.FromMilliseconds(150));
            foreach (var (ns, name) in rolling)
            {
                cluster.Kubernetes.FinishRollout("Deployment", ns, name);
            }

            sweeps++;
        }

        var elapsed = clock.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(2));
        var restarts = cluster.Restarts(requestMark);
        Assert.Equal(Namespaces * PerNamespace, restarts.Count);
        Assert.Equal(Namespaces * PerNamespace, restarts.Distinct().Count());
        await daemon.WaitForAuditCountAsync(e => e.Action == AuditActions.Restarted, Namespaces * PerNamespace, "a restarted event per workload");

        var (cluserMax, namespaceMax) = MostRestartingAtOnce(cluster, historyMark);
        Assert.Equal(ClusterCap, cluserMax);
        Assert.Equal(NamespaceCap, namespaceMax);
        output.WriteLine($"500 workloads: {restarts.Count} restarts in {elapsed.TotalSeconds:0.0} s over {sweeps} controller sweeps; " +
            $"at most {cluserMax} restarting at once in the cluster (cap {ClusterCap}) and {namespaceMax} in a namespace (cap {NamespaceCap}); " +
            $"widest sweep saw {widest}; a per-event restarter would issue the same 500 patches at once");
    }

    /// <summary>Replays committed Deployment changes in order: restarting while generation is ahead of observedGeneration.</summary>
    private static (int Cluster, int Namespace) MostRestartingAtOnce(TestCluster cluster, int fromChange)
    {
        var rolling = new HashSet<(string Namespace, string Name)>();
        var (clusterMax, namespaceMax) = (0, 0);
        foreach (var change in cluster.Kubernetes.History.Skip(fromChange).Where(c => c.Resource == "deployments"))
        {
            var obj = change.ParseObject();
            var key = (change.Namespace!, change.Name);
            if (obj["metadata"]!["generation"]!.GetValue<long>() > obj["status"]!["observedGeneration"]!.GetValue<long>())
            {
                rolling.Add(key);
            }
            else
            {
                rolling.Remove(key);
            }

            clusterMax = Math.Max(clusterMax, rolling.Count);
            namespaceMax = Math.Max(namespaceMax, rolling.Count(r => r.Namespace == key.Item1));
        }

        return (clusterMax, namespaceMax);
    }
}
