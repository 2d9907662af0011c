using SecretSync.Core.Audit;
using SecretSync.Testing;
using SecretSync.Testing.Cluster;

namespace SecretSync.Integration.Tests.Sync;

public sealed class TenancyTests
{
    [Fact]
    public async Task NamespaceAskingForABundleItsLabelsDoNotAllow_GetsNothing_ADeniedAuditAndAWarningEvent()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Seed("payments/db", ("password", "pw-tenancy"));
        cluster.Namespace("payments", new Dictionary<string, string> { ["team"] = "payments" }, "payments-db");
        cluster.Namespace("intruder", new Dictionary<string, string> { ["team"] = "games" }, "payments-db");
        cluster.WriteSyncConfig(
            "bundles:\n" + SyncScenario.BundleEntry("payments-db", ("team", "payments"), ("payments/db", "db-credentials")),
            audit: "audit:\n  sinks: [stdout, events]");
        var daemon = cluster.StartDaemon();
        await daemon.WaitLeadingAsync();

        var denied = await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Denied, "denied");
        await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Created && e.Namespace == "payments", "created in payments");

        Assert.Equal(("intruder", "payments-db", AuditOutcomes.Skipped), (denied.Namespace, denied.Bundle, denied.Outcome));
        Assert.Equal(1, daemon.Audit.Count(e => e.Action == AuditActions.Denied));
        await Eventually.TrueAsync(
            () => cluster.Kubernetes.List("events", "intruder").Any(e => e["reason"]?.GetValue<string>() == "BundleDenied"),
            "a BundleDenied Event in intruder");
        var warning = cluster.Kubernetes.List("events", "intruder").Single(e => e["reason"]?.GetValue<string>() == "BundleDenied");
        Assert.Equal("Warning", warning["type"]?.GetValue<string>());
        Assert.Contains("payments-db", warning["message"]?.GetValue<string>(), StringComparison.Ordinal);

        await daemon.WaitForPollCyclesAsync(); // poll cycles still write nothing there
        Assert.Empty(cluster.Kubernetes.List("secrets", "intruder"));
        Assert.Empty(cluster.SecretWritesIn(ns => ns == "intruder"));
        Assert.Equal("pw-tenancy", cluster.SecretValue("payments", "db-credentials", "password"));
        Assert.DoesNotContain(cluster.Kubernetes.List("events", "payments"), e => e["reason"]?.GetValue<string>() == "BundleDenied");
    }
}
