using SecretSync.Core.Audit;
using SecretSync.Testing;
using SecretSync.Testing.Cluster;
using Xunit.Abstractions;

namespace SecretSync.Integration.Tests.Restarts;

/// <summary>Workloads annotated <c>secretsync.io/restart-on-rotate</c> restart after a rotation, against the real executable;
/// restarts are counted from the emulator's request log (one successful PATCH of a workload = one restart).</summary>
public sealed class RestartOnRotateTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ARotation_RestartsExactlyTheWorkloadsThatUseAChangedKey()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Seed("shop/db", ("user", "shop-user"), ("password", "pw-exact-v1"));
        cluster.Seed("shop/api", ("token", "tok-exact-steady"));
        cluster.Namespace("shop", bundles: "shop");
        cluster.Namespace("other", bundles: "shop");
        (string Kind, string Name, string? OptIn, System.Text.Json.Nodes.JsonObject Pod)[] workloads =
        [
            ("Deployment", "web", "true", RestartWorkloads.EnvFrom("db", "password")),
            ("Deployment", "reporter", "true", RestartWorkloads.EnvFrom("db", "user")),       // an unchanged key of the rotated Secret
            ("StatefulSet", "worker", "true", RestartWorkloads.WholeSecret("db")),
            ("DaemonSet", "agent", "true", RestartWorkloads.Volume("db", "password")),
            ("Deployment", "files", "true", RestartWorkloads.Volume("db", "user")),            // mounts only the unchanged key
            ("Deployment", "cache", "true", RestartWorkloads.Projected("api")),               // another Secret
            ("Deployment", "listed", "api", RestartWorkloads.EnvFrom("db", "password")),      // opted in for api only
            ("Deployment", "bystander", null, RestartWorkloads.EnvFrom("db", "password")),    // not opted in
        ];
        foreach (var (kind, name, optIn, pod) in workloads)
        {
            cluster.Kubernetes.Apply(RestartWorkloads.Workload(kind, "shop", name, optIn, pod));
        }

        cluster.WriteSyncConfig(SyncScenario.OpenBundle("shop", ("shop/db", "db"), ("shop/api", "api")), audit: RestartWorkloads.Section("2s"));
        var daemon = cluster.StartDaemon();
        await daemon.WaitLeadingAsync();
        await daemon.WaitForAuditCountAsync(e => e.Action == AuditActions.Created, 4, "db and api in both namespaces");
        await Task.Delay(TimeSpan.FromSeconds(3)); // longer than the window: creating Secrets restarts nothing
        Assert.Empty(cluster.Restarts());
        var mark = cluster.Kubernetes.Requests.Count;

        cluster.Seed("shop/db", ("user", "shop-user"), ("password", "pw-exact-v2"));
        await daemon.WaitForAuditCountAsync(e => e.Action == AuditActions.Updated && e.Source == "shop/db", 2, "db rotated in both namespaces");
        await daemon.WaitForAuditCountAsync(e => e.Action == AuditActions.Restarted, 3, "three restarts");
        await Task.Delay(TimeSpan.FromSeconds(4)); // two more windows: nothing else follows

        var restarts = cluster.Restarts(mark);
        Assert.Equal(["daemonsets/shop/agent", "deployments/shop/web", "statefulsets/shop/worker"], restarts.Order(StringComparer.Ordinal));
        var events = daemon.Audit.Where(e => e.Action == AuditActions.Restarted).ToList();
        Assert.Equal(["daemonset/agent", "deployment/web", "statefulset/worker"], events.Select(e => e.Secret).Order(StringComparer.Ordinal));
        Assert.All(events, e => Assert.Equal(("shop", "2", "1", "shop/db", "vault-main"), (e.Namespace, e.SourceVersion, e.PreviousVersion, e.Source, e.Provider)));
        Assert.Contains("keys password", events.Single(e => e.Secret == "deployment/web").Detail, StringComparison.Ordinal);
        Assert.All(daemon.StandardOutput.Split('\n'), line => Assert.DoesNotContain("pw-exact", line, StringComparison.Ordinal));
        Assert.NotNull(cluster.RestartedFor("Deployment", "shop", "web"));
        Assert.DoesNotContain("pw-exact", cluster.RestartedFor("Deployment", "shop", "web")!, StringComparison.Ordinal);
        Assert.Null(cluster.RestartedFor("Deployment", "shop", "reporter"));
        Assert.Contains("secretsync_workload_restarts_total{kind=\"Deployment\"} 1", await daemon.GetAsync("metrics"), StringComparison.Ordinal);

        // Opted in: web, reporter, worker, agent, files and listed use db; a restarter acting on every rotation of a
        // Secret would have restarted those six.
        output.WriteLine($"restarts issued: {restarts.Count}; a per-Secret restarter would issue 6 (every opted-in user of db)");
    }

    [Fact]
    public async Task TenRotationsInsideTheWindow_RestartTheWorkloadOnce()
    {
        const int secrets = 10;
        await using var cluster = await TestCluster.StartAsync();
        for (var i = 0; i < secrets; i++)
        {
            cluster.Seed($"burst/s{i}", ("value", $"pw-burst-{i}-v1"));
        }

        cluster.Namespace("burst", bundles: "burst");
        cluster.Kubernetes.Apply(RestartWorkloads.Workload("Deployment", "burst", "web", "true",
            RestartWorkloads.EnvFromEach(Enumerable.Range(0, secrets).Select(i => ($"s{i}", "value")))));
        cluster.WriteSyncConfig(
            SyncScenario.OpenBundle("burst", [.. Enumerable.Range(0, secrets).Select(i => ($"burst/s{i}", $"s{i}"))]),
            audit: RestartWorkloads.Section("3s"));
        var daemon = cluster.StartDaemon();
        await daemon.WaitLeadingAsync();
        await daemon.WaitForAuditCountAsync(e => e.Action == AuditActions.Created, secrets, "every Secret created");
        var mark = cluster.Kubernetes.Requests.Count;

        for (var i = 0; i < secrets; i++)
        {
            cluster.Seed($"burst/s{i}", ("value", $"pw-burst-{i}-v2"));
        }

        await daemon.WaitForAuditCountAsync(e => e.Action == AuditActions.Updated, secrets, "ten rotations written");
        var updates = daemon.Audit.Where(e => e.Action == AuditActions.Updated).Select(e => e.Time).ToList();
        await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Restarted, "the restart");
        await Task.Delay(TimeSpan.FromSeconds(5));

        Assert.True(updates.Max() - updates.Min() < TimeSpan.FromSeconds(3), "the ten rotations were written inside one window");
        Assert.Equal(["deployments/burst/web"], cluster.Restarts(mark));
        var restarted = Assert.Single(daemon.Audit, e => e.Action == AuditActions.Restarted);
        Assert.All(Enumerable.Range(0, secrets), i => Assert.Contains($"Secret s{i} (burst/s{i} version 1 -> 2", restarted.Detail, StringComparison.Ordinal));
        Assert.Equal(secrets, cluster.RestartedFor("Deployment", "burst", "web")!.Split(',').Length);
        output.WriteLine($"ten rotations: {cluster.Restarts(mark).Count} restart; a per-event restarter would issue {secrets}");
    }

    [Fact]
    public async Task ALeaderChangeAndADaemonRestart_RestartNothing_ButTheNextRotationStillRestarts()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Seed("ha/db", ("password", "pw-ha-v1"));
        cluster.Namespace("ha", bundles: "ha");
        cluster.Kubernetes.Apply(RestartWorkloads.Workload("Deployment", "ha", "web", "true", RestartWorkloads.EnvFrom("db", "password")));
        cluster.Kubernetes.Apply(RestartWorkloads.Workload("StatefulSet", "ha", "store", "db", RestartWorkloads.Volume("db")));
        cluster.WriteSyncConfig(SyncScenario.OpenBundle("ha", ("ha/db", "db")), audit: RestartWorkloads.Section("1s"));
        var a = cluster.StartDaemon("replica-a");
        var b = cluster.StartDaemon("replica-b");
        var leader = await LeaderAsync(a, b);
        var standby = leader == a ? b : a;
        await leader.WaitForAuditAsync(e => e.Action == AuditActions.Created, "db created");

        cluster.Seed("ha/db", ("password", "pw-ha-v2"));
        await leader.WaitForAuditCountAsync(e => e.Action == AuditActions.Restarted, 2, "web and store restarted");
        Assert.Equal(2, cluster.Restarts().Count);
        cluster.Kubernetes.FinishRollout("Deployment", "ha", "web");
        cluster.Kubernetes.FinishRollout("StatefulSet", "ha", "store");

        // Leader change: the standby takes over, lists the workloads and finds every digest current.
        var mark = cluster.Kubernetes.Requests.Count;
        leader.Kill();
        await standby.WaitLeadingAsync(TimeSpan.FromSeconds(60));
        await Eventually.TrueAsync(
            () => cluster.Kubernetes.Requests.Snapshot().Skip(mark).Any(r => r.Verb == "list" && r.Path.EndsWith("/deployments", StringComparison.Ordinal)),
            "the new leader listing deployments", TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.Empty(cluster.Restarts(mark));

        // Daemon restart: a new process, a fresh cache, the same answer.
        Assert.Equal(0, await standby.StopAsync());
        var restarted = cluster.StartDaemon("replica-c");
        await restarted.WaitLeadingAsync(TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.Empty(cluster.Restarts(mark));
        Assert.DoesNotContain(standby.Audit.Concat(restarted.Audit), e => e.Action == AuditActions.Restarted);

        // And the restarter of the new process still works.
        cluster.Seed("ha/db", ("password", "pw-ha-v3"));
        await restarted.WaitForAuditCountAsync(e => e.Action == AuditActions.Restarted, 2, "the next rotation restarts both");
        Assert.Equal(2, cluster.Restarts(mark).Count);
        output.WriteLine($"leader change + daemon restart: {0} restarts; a restarter that restarts on every (re)sync would issue 4");
    }

    private static async Task<DaemonProcess> LeaderAsync(DaemonProcess a, DaemonProcess b)
    {
        await a.WaitReadyAsync();
        await b.WaitReadyAsync();
        DaemonProcess? leader = null;
        await Eventually.TrueAsync(async () =>
        {
            leader = await IsLeaderAsync(a) ? a : await IsLeaderAsync(b) ? b : null;
            return leader is not null;
        }, "one replica leading", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100));
        await leader!.WaitLeadingAsync();
        return leader;

        static async Task<bool> IsLeaderAsync(DaemonProcess daemon)
        {
            try
            {
                using var status = System.Text.Json.JsonDocument.Parse(await daemon.GetAsync("status"));
                return status.RootElement.GetProperty("leader").GetBoolean();
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }
    }
}
