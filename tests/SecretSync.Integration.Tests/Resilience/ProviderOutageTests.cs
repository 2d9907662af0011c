using SecretSync.Core.Audit;
using SecretSync.DevStack.Hosting;
using SecretSync.Testing.Cluster;
using Xunit.Abstractions;

namespace SecretSync.Integration.Tests.Resilience;

/// <summary>
/// One scenario run against each way Vault can fail without saying anything about the sources (DESIGN §3,
/// "Revocation only on evidence"): a sustained failure deletes and blanks nothing, is audited once rather than
/// once per cycle, keeps the daemon ready, and a rotation made after it clears still lands.
/// </summary>
/// <remarks>
/// The issue asks for outages lasting minutes. CI cannot wait minutes per case, so the outage is compressed
/// to <see cref="Outage"/> with a one-second sync interval: some fifteen poll cycles, which exercises the
/// same per-cycle decisions (keep last good, de-duplicate the audit, no back-off collapse) that minutes would.
/// </remarks>
public abstract class ProviderOutageTests(ITestOutputHelper output)
{
    private static readonly string Bundles = SyncScenario.OpenBundle("app", ("app/db", "db-credentials"), ("app/api", "api-key"));

    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(16);
    private static readonly string[] Namespaces = ["app-0", "app-1", "app-2"];

    /// <summary>The failure kind the <c>failed</c> audit events must name.</summary>
    protected abstract string FailureKind { get; }

    /// <summary>The fewest poll cycles the outage must span: fewer when the provider asks the daemon to slow down.</summary>
    protected virtual int MinimumCycles => 8;

    /// <summary>Checks the Vault requests made during the outage; by default nothing beyond the shared checks.</summary>
    protected virtual void CheckOutageRequests(IReadOnlyList<RecordedRequest> requests)
    {
    }

    /// <summary>Prepares the cluster before the daemon starts (credentials, policies).</summary>
    protected virtual void Prepare(TestCluster cluster)
    {
    }

    /// <summary>Starts the outage; disposing the result ends it.</summary>
    protected abstract IDisposable BeginOutage(TestCluster cluster);

    [Fact]
    public async Task SustainedOutage_DeletesAndBlanksNothing_AuditsTheFailureOnce_AndTheNextRotationLands()
    {
        await using var cluster = await TestCluster.StartAsync();
        var kind = FailureKind.ToLowerInvariant();
        cluster.Vault.WriteSecret("secret", "app/db", new Dictionary<string, object?> { ["user"] = "app", ["password"] = $"pw-{kind}-v1" });
        cluster.Vault.WriteSecret("secret", "app/api", new Dictionary<string, object?> { ["key"] = $"api-{kind}-v1" });
        foreach (var ns in Namespaces)
        {
            cluster.Namespace(ns, bundles: "app");
        }

        cluster.WriteConfig(Bundles, interval: "1s");
        Prepare(cluster);
        var daemon = cluster.StartDaemon();
        await daemon.WaitLeadingAsync();
        await daemon.WaitForAuditCountAsync(e => e.Action == AuditActions.Created, 6, "6 Secrets created");
        await using var probe = new ResilienceProbe(daemon);

        var expected = Namespaces.SelectMany(ns => new[] { $"{ns}/db-credentials", $"{ns}/api-key" })
            .ToDictionary(n => n, n => ResilienceHistory.DataOf(cluster.Secret(n.Split('/')[0], n.Split('/')[1])), StringComparer.Ordinal);
        var mark = ResilienceHistory.Mark(cluster.Kubernetes);
        var auditMark = daemon.Audit.Count;
        var cyclesBefore = (await probe.ScrapeAsync()).Sum("secretsync_provider_version_checks_total", l => l.GetValueOrDefault("result") != "ok");
        var vaultRequestsBefore = cluster.Vault.Requests.Count;

        IReadOnlyList<RecordedRequest> outageRequests;
        probe.WatchReadiness(TimeSpan.FromMilliseconds(500));
        using (BeginOutage(cluster))
        {
            await Task.Delay(Outage);

            var cycles = (await probe.ScrapeAsync()).Sum("secretsync_provider_version_checks_total", l => l.GetValueOrDefault("result") != "ok") - cyclesBefore;
            var requests = cluster.Vault.Requests.Snapshot().Skip(vaultRequestsBefore).OrderBy(r => r.Time).ToList();
            foreach (var path in requests.GroupBy(r => r.Path))
            {
                var gaps = path.Zip(path.Skip(1), (x, y) => (y.Time - x.Time).TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture));
                output.WriteLine($"  {path.Key}: {path.Count()} requests, gaps {string.Join(" ", gaps)} s");
            }

            var changes = ResilienceHistory.SecretChangesSince(cluster.Kubernetes, mark);
            var failed = daemon.Audit.Skip(auditMark).Where(e => e.Action == AuditActions.Failed).ToList();
            output.WriteLine($"{FailureKind}: {cycles} failed poll cycles, {cluster.Vault.Requests.Count - vaultRequestsBefore} Vault requests, " +
                $"{failed.Count} failed events, {probe.ReadinessChecks} readiness checks in {Outage.TotalSeconds} s");
            foreach (var e in failed)
            {
                output.WriteLine($"  failed {e.Source} ({e.Trigger}): {e.Error}");
            }

            Assert.Empty(ResilienceHistory.DeletionsOrDataChanges(changes, expected));
            Assert.Empty(changes.Select(c => c.ToString()));
            foreach (var (name, data) in expected)
            {
                Assert.Equal(data, ResilienceHistory.DataOf(cluster.Secret(name.Split('/')[0], name.Split('/')[1])));
            }

            Assert.True(cycles >= MinimumCycles, $"the outage spanned only {cycles} poll cycles; the daemon must keep checking");
            Assert.NotEmpty(failed);
            Assert.All(failed, e =>
            {
                Assert.Equal(AuditOutcomes.Failure, e.Outcome);
                Assert.Contains(FailureKind, e.Error ?? "", StringComparison.Ordinal);
                Assert.DoesNotContain($"-{kind}-v1", (e.Error ?? "") + e.Detail, StringComparison.Ordinal);
            });
            // De-duplicated: one event per source and failure, not one per cycle.
            Assert.All(failed.GroupBy(e => e.Source), g => Assert.True(g.Count() <= 2, $"{g.Count()} failed events for {g.Key} over {cycles} cycles"));
            Assert.True(probe.ReadinessChecks >= 10, $"only {probe.ReadinessChecks} readiness checks answered");
            Assert.Empty(probe.NotReadyAnswers);
            outageRequests = requests;
        }

        var recoveryMark = ResilienceHistory.Mark(cluster.Kubernetes);
        var version = cluster.Vault.WriteSecret("secret", "app/db", new Dictionary<string, object?> { ["user"] = "app", ["password"] = $"pw-{kind}-v2" });
        await daemon.WaitForAuditCountAsync(
            e => e.Action == AuditActions.Updated && e.Source == "app/db" && e.SourceVersion == $"{version}", 3, "the rotation after the outage", TimeSpan.FromSeconds(40));

        foreach (var ns in Namespaces)
        {
            Assert.Equal($"pw-{kind}-v2", cluster.SecretValue(ns, "db-credentials", "password"));
            Assert.Equal($"api-{kind}-v1", cluster.SecretValue(ns, "api-key", "key"));
        }

        var recovery = ResilienceHistory.SecretChangesSince(cluster.Kubernetes, recoveryMark);
        Assert.All(recovery, c => Assert.Equal(("MODIFIED", "db-credentials"), (c.Type, c.Name)));
        Assert.Empty(probe.NotReadyAnswers);
        var printed = daemon.StandardOutput + daemon.StandardError;
        Assert.DoesNotContain($"pw-{kind}-", printed, StringComparison.Ordinal);
        Assert.DoesNotContain($"api-{kind}-", printed, StringComparison.Ordinal);
        CheckOutageRequests(outageRequests);
    }
}

/// <summary>Vault answers 500 to every request.</summary>
public sealed class VaultDownTests(ITestOutputHelper output) : ProviderOutageTests(output)
{
    protected override string FailureKind => "Unavailable";

    protected override IDisposable BeginOutage(TestCluster cluster) => cluster.Vault.Faults.Add(new FaultRule { StatusCode = 500 });
}

/// <summary>Vault is sealed: 503 "Vault is sealed" to everything.</summary>
public sealed class VaultSealedTests(ITestOutputHelper output) : ProviderOutageTests(output)
{
    protected override string FailureKind => "Unavailable";

    protected override IDisposable BeginOutage(TestCluster cluster)
    {
        cluster.Vault.Sealed = true;
        return new Undo(() => cluster.Vault.Sealed = false);
    }
}

/// <summary>The daemon's token keeps working but its policy no longer grants the sources: 403 permission denied.</summary>
public sealed class VaultPolicyRevokedTests(ITestOutputHelper output) : ProviderOutageTests(output)
{
    private const string Policy = "secretsync-reader";

    protected override string FailureKind => "Forbidden";

    protected override void Prepare(TestCluster cluster)
    {
        Grant(cluster);
        var token = cluster.Vault.CreateToken([Policy]);
        var config = File.ReadAllText(cluster.ConfigPath);
        var root = $"token: {cluster.Vault.RootToken}";
        Assert.Contains(root, config, StringComparison.Ordinal);
        File.WriteAllText(cluster.ConfigPath, config.Replace(root, $"token: {token}", StringComparison.Ordinal));
    }

    protected override IDisposable BeginOutage(TestCluster cluster)
    {
        cluster.Vault.SetPolicy(Policy, ("secret/data/elsewhere/", ["read"]));
        return new Undo(() => Grant(cluster));
    }

    private static void Grant(TestCluster cluster) =>
        cluster.Vault.SetPolicy(Policy, ("secret/data/app/", ["read"]), ("secret/metadata/app/", ["read", "list"]));
}

/// <summary>Vault throttles every request with 429 and Retry-After.</summary>
public sealed class VaultThrottlingTests(ITestOutputHelper output) : ProviderOutageTests(output)
{
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(2);

    protected override string FailureKind => "Throttled";

    // Honouring a 2 s Retry-After leaves room for fewer cycles than the 1 s interval would give.
    protected override int MinimumCycles => 2;

    protected override IDisposable BeginOutage(TestCluster cluster) =>
        cluster.Vault.Faults.Add(new FaultRule { StatusCode = 429, RetryAfter = RetryAfter });

    /// <summary>DESIGN §3: client-side limits honour Retry-After, whether the next request is a retry or the next poll cycle.</summary>
    protected override void CheckOutageRequests(IReadOnlyList<RecordedRequest> requests)
    {
        foreach (var path in requests.Where(r => r.Path.StartsWith("/v1/secret/", StringComparison.Ordinal)).GroupBy(r => r.Path))
        {
            var ordered = path.OrderBy(r => r.Time).ToList();
            Assert.True(ordered.Count >= 3, $"{path.Key}: only {ordered.Count} requests; the daemon must keep checking while throttled");
            var early = ordered.Zip(ordered.Skip(1)).Where(p => p.First.Status == 429 && p.Second.Time - p.First.Time < RetryAfter * 0.9).ToList();
            Assert.True(early.Count == 0,
                $"{path.Key}: {early.Count} of {ordered.Count - 1} requests went out sooner than the Retry-After ({RetryAfter.TotalSeconds} s) of the 429 before them, " +
                $"after {string.Join(", ", early.Select(p => $"{(p.Second.Time - p.First.Time).TotalSeconds:0.00} s"))}");
        }
    }
}

/// <summary>Runs an action when disposed.</summary>
internal sealed class Undo(Action action) : IDisposable
{
    public void Dispose() => action();
}
