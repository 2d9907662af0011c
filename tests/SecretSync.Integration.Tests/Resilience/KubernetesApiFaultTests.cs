using SecretSync.Core.Audit;
using SecretSync.DevStack.Hosting;
using SecretSync.Testing;
using SecretSync.Testing.Cluster;
using Xunit.Abstractions;

namespace SecretSync.Integration.Tests.Resilience;

/// <summary>The API server sheds load, fails writes, drops watches and compacts history; the daemon backs off and converges.</summary>
public sealed class KubernetesApiFaultTests(ITestOutputHelper output)
{
    private static readonly string Bundles = SyncScenario.OpenBundle("app", ("app/db", "db-credentials"));

    private static readonly string[] Namespaces = ["app-0", "app-1", "app-2"];

    [Fact]
    public async Task AnApiOutageWhileTheDaemonStarts_IsWaitedOut_AndTheFirstSyncCompletes()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Vault.WriteSecret("secret", "app/db", new Dictionary<string, object?> { ["password"] = "pw-start-outage" });
        cluster.Namespace("app-0", bundles: "app");
        cluster.WriteConfig(Bundles);
        // The install key is the first thing a replica reads; a restart during an outage finds the API answering 503.
        const string installKey = "/api/v1/namespaces/default/secrets/secretsync-install-key";
        cluster.Kubernetes.Faults.Add(new FaultRule { PathPrefix = installKey, StatusCode = 503, Times = 3 });

        var daemon = cluster.StartDaemon();

        await daemon.WaitLeadingAsync();
        await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Created, "the Secret created after the outage");
        Assert.False(daemon.HasExited);
        Assert.Equal("pw-start-outage", cluster.SecretValue("app-0", "db-credentials", "password"));
        Assert.Equal(3, cluster.Kubernetes.Requests.CountWhere(r => r.Path == installKey && r.Status == 503));
    }

    [Fact]
    public async Task AnUnusableInstallKey_StopsTheDaemonWithANonZeroExitCode()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Namespace("app-0", bundles: "app");
        cluster.WriteConfig(Bundles);
        cluster.Kubernetes.Apply(SyncScenario.UnmanagedSecret("default", "secretsync-install-key", ("key", "too-short")));

        var daemon = cluster.StartDaemon();

        await Eventually.TrueAsync(() => daemon.HasExited, () => $"the daemon exiting\n{daemon.StandardError}", TimeSpan.FromSeconds(60));
        Assert.Equal(1, daemon.ExitCode);
        Assert.Contains("install key", daemon.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ThrottledAndFailingSecretWrites_AreRetriedWithBackOff_AndConvergeWithOneWriteEach()
    {
        await using var cluster = await TestCluster.StartAsync();
        var daemon = await StartLeadingAsync(cluster, "pw-k8s-faults");
        var mark = ResilienceHistory.Mark(cluster.Kubernetes);
        var retryAfter = TimeSpan.FromSeconds(2);

        // Secret creates in the app namespaces only: leases and reads stay healthy.
        var throttle = cluster.Kubernetes.Faults.Add(new FaultRule { Verb = "create", PathPrefix = "/api/v1/namespaces/app-", StatusCode = 429, RetryAfter = retryAfter });
        foreach (var ns in Namespaces)
        {
            cluster.Annotate(ns, "app");
        }

        await Task.Delay(TimeSpan.FromSeconds(5));
        throttle.Dispose();
        var failing = cluster.Kubernetes.Faults.Add(new FaultRule { Verb = "create", PathPrefix = "/api/v1/namespaces/app-", StatusCode = 500 });
        await Task.Delay(TimeSpan.FromSeconds(5));
        var failedWhileFailing = daemon.Audit.Where(e => e.Action == AuditActions.Failed).ToList();
        failing.Dispose();

        await daemon.WaitForAuditCountAsync(e => e.Action == AuditActions.Created, 3, "the 3 Secrets created once the API recovered", TimeSpan.FromSeconds(40));
        await daemon.WaitForPollCyclesAsync(); // steady state: nothing more to write

        var creates = cluster.Kubernetes.Requests.Snapshot()
            .Where(r => r.Verb == "create" && r.Path.StartsWith("/api/v1/namespaces/app-", StringComparison.Ordinal) && TestCluster.IsSecretPath(r.Path))
            .ToList();
        var rejected = creates.Where(r => r.Status >= 400).ToList();
        output.WriteLine($"{creates.Count} Secret create attempts: {rejected.Count(r => r.Status == 429)} throttled, {rejected.Count(r => r.Status == 500)} failed, " +
            $"{creates.Count(r => r.Status == 201)} created; {failedWhileFailing.Count} failed audit events");
        foreach (var path in creates.GroupBy(r => r.Path))
        {
            var gaps = path.Zip(path.Skip(1), (x, y) => (y.Time - x.Time).TotalSeconds).Select(g => g.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture));
            output.WriteLine($"  {path.Key}: {string.Join(" ", path.Select(r => r.Status))}; gaps {string.Join(" ", gaps)} s");
        }

        // Exactly one successful write per Secret, nothing deleted or blanked along the way.
        Assert.Equal(3, creates.Count(r => r.Status == 201));
        var changes = ResilienceHistory.SecretChangesSince(cluster.Kubernetes, mark, ns => ns.StartsWith("app-", StringComparison.Ordinal));
        Assert.Equal(["ADDED", "ADDED", "ADDED"], changes.Select(c => c.Type));
        Assert.Empty(ResilienceHistory.DeletionsOrDataChanges(changes, new Dictionary<string, IReadOnlyDictionary<string, string>>()));
        Assert.All(Namespaces, ns => Assert.Equal("pw-k8s-faults", cluster.SecretValue(ns, "db-credentials", "password")));

        // Backed off: a throttled write waited at least the Retry-After before trying again, and the attempts stayed few.
        foreach (var path in creates.GroupBy(r => r.Path))
        {
            var attempts = path.ToList();
            for (var i = 1; i < attempts.Count; i++)
            {
                if (attempts[i - 1].Status == 429)
                {
                    Assert.True(attempts[i].Time - attempts[i - 1].Time >= retryAfter * 0.9,
                        $"{path.Key}: retried {(attempts[i].Time - attempts[i - 1].Time).TotalSeconds:0.00} s after a 429 asking for {retryAfter.TotalSeconds} s");
                }
            }

            Assert.True(attempts.Count <= 15, $"{path.Key}: {attempts.Count} attempts in about 10 s of faults");
        }

        Assert.Contains(daemon.Audit, e => e.Action == AuditActions.Failed && e.Error is { } error && error.Contains("Kubernetes", StringComparison.Ordinal));
        Assert.DoesNotContain("pw-k8s-faults", daemon.StandardOutput + daemon.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DroppedWatches_AreResumed_AndLaterAnnotationsStillSync()
    {
        await using var cluster = await TestCluster.StartAsync();
        var daemon = await StartLeadingAsync(cluster, "pw-watch");
        await Eventually.TrueAsync(() => cluster.Kubernetes.OpenWatches >= 2, "the daemon's watches open");
        var watchesBefore = cluster.Kubernetes.Requests.CountWhere(r => r.Verb == "watch");

        // Annotated while the stream is down: the resumed watch must still deliver it.
        cluster.Kubernetes.Faults.DropStreams();
        cluster.Annotate("app-0", "app");
        await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Created && e.Namespace == "app-0", "app-0 created after the drop");

        cluster.Kubernetes.Faults.DropStreams();
        await Eventually.TrueAsync(() => cluster.Kubernetes.OpenWatches >= 2, "the daemon's watches open again");
        cluster.Annotate("app-1", "app");
        await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Created && e.Namespace == "app-1", "app-1 created after the second drop");

        Assert.True(cluster.Kubernetes.Requests.CountWhere(r => r.Verb == "watch") >= watchesBefore + 2, "the watches were re-established");
        Assert.Equal("pw-watch", cluster.SecretValue("app-1", "db-credentials", "password"));

        // The managed-Secret watch came back too: a hand deletion is restored.
        cluster.Kubernetes.Delete("secrets", "app-0", "db-credentials");
        await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Restored && e.Namespace == "app-0", "app-0 restored after a hand deletion");
    }

    [Fact]
    public async Task ExpiredWatchHistory_LeadsToARelist_AndLaterAnnotationsStillSync()
    {
        await using var cluster = await TestCluster.StartAsync();
        var daemon = await StartLeadingAsync(cluster, "pw-gone");
        await Eventually.TrueAsync(() => cluster.Kubernetes.OpenWatches >= 2, "the daemon's watches open");
        var listsBefore = cluster.Kubernetes.Requests.CountWhere(r => r.Verb == "list" && r.Path == "/api/v1/namespaces");

        // A change neither watch receives moves the newest version past theirs; with history forgotten,
        // resuming from their last version gets 410 Expired and only a fresh list can catch up.
        cluster.Kubernetes.Apply(new System.Text.Json.Nodes.JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["name"] = "unrelated", ["namespace"] = "default" },
        });
        cluster.Kubernetes.CompactHistory();
        cluster.Kubernetes.Faults.DropStreams();
        cluster.Annotate("app-0", "app");
        cluster.Annotate("app-1", "app");

        await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Created && e.Namespace == "app-0", "app-0 created after the relist");
        await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Created && e.Namespace == "app-1", "app-1 created after the relist");
        Assert.True(cluster.Kubernetes.Requests.CountWhere(r => r.Verb == "list" && r.Path == "/api/v1/namespaces") > listsBefore, "namespaces were listed again");

        await Eventually.TrueAsync(() => cluster.Kubernetes.OpenWatches >= 2, "the daemon's watches open again");
        cluster.Annotate("app-2", "app");
        await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Created && e.Namespace == "app-2", "app-2 created on the new watch");
        Assert.Equal(3, daemon.Audit.Count(e => e.Action == AuditActions.Created));
        Assert.DoesNotContain(daemon.Audit, e => e.Action is AuditActions.Pruned or AuditActions.Revoked);
    }

    /// <summary>Seeds one source and three namespaces that have not opted in, and starts a daemon that leads.</summary>
    private static async Task<DaemonProcess> StartLeadingAsync(TestCluster cluster, string password)
    {
        cluster.Vault.WriteSecret("secret", "app/db", new Dictionary<string, object?> { ["password"] = password });
        foreach (var ns in Namespaces)
        {
            cluster.Namespace(ns);
        }

        cluster.WriteConfig(Bundles);
        var daemon = cluster.StartDaemon();
        await daemon.WaitLeadingAsync();
        return daemon;
    }
}
