using SecretSync.Core.Audit;
using SecretSync.Core.Model;
using SecretSync.Testing;
using SecretSync.Testing.Cluster;

namespace SecretSync.Integration.Tests.Sync;

public sealed class RevocationTests
{
    private const string Source = "team/db";
    private static readonly string[] Namespaces = ["rev-a", "rev-b"];

    [Theory]
    [InlineData("deleted")]
    [InlineData("destroyed")]
    public async Task LosingOnlyTheNewestVersion_FallsBackToTheNewestLiveVersion_NeverToABlankSecret(string how)
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Seed(Source, ("password", $"pw-fallback-{how}-v1"));
        cluster.Seed(Source, ("password", $"pw-fallback-{how}-v2"));
        var daemon = await StartAsync(cluster);

        if (how == "deleted")
        {
            cluster.Vault.DeleteLatestVersion(SyncScenario.Mount, Source);
        }
        else
        {
            cluster.Vault.DestroyVersions(SyncScenario.Mount, Source, 2);
        }

        await daemon.WaitForAuditCountAsync(e => e.Action == AuditActions.Updated, Namespaces.Length, "targets moved to version 1");
        foreach (var ns in Namespaces)
        {
            Assert.Equal($"pw-fallback-{how}-v1", cluster.SecretValue(ns, "db", "password"));
            Assert.Equal("1", cluster.SyncedVersion(ns, "db"));
            Assert.All(cluster.SecretHistory(ns, "db"), change =>
            {
                Assert.NotEqual("DELETED", change.Type);
                Assert.False(string.IsNullOrEmpty(change.ParseObject()["data"]?["password"]?.GetValue<string>()), $"{change} has no password");
            });
        }

        var fallbacks = daemon.Audit.Where(e => e.Action == AuditActions.Updated).ToList();
        Assert.All(fallbacks, e => Assert.Equal(("1", "2", Source), (e.SourceVersion, e.PreviousVersion, e.Source)));
        Assert.DoesNotContain(daemon.Audit, e => e.Action is AuditActions.Revoked or AuditActions.Failed);
    }

    [Fact]
    public async Task WithOnVersionDeletedRevoke_DeletingTheNewestVersion_RevokesTheTargets()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Seed(Source, ("password", "pw-version-revoke-v1"));
        cluster.Seed(Source, ("password", "pw-version-revoke-v2"));
        var daemon = await StartAsync(cluster, "onVersionDeleted: revoke");

        cluster.Vault.DeleteLatestVersion(SyncScenario.Mount, Source);

        await AssertRevokedAsync(cluster, daemon);
    }

    [Fact]
    public async Task DeletingTheWholeSource_RevokesItsTargets_WhenOnSourceDeletedIsDelete()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Seed(Source, ("password", "pw-source-delete"));
        var daemon = await StartAsync(cluster, "onSourceDeleted: delete");

        cluster.Vault.DeleteMetadata(SyncScenario.Mount, Source);

        await AssertRevokedAsync(cluster, daemon);
    }

    [Fact]
    public async Task DestroyingEveryVersion_RevokesTheTargets()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Seed(Source, ("password", "pw-destroy-all-v1"));
        cluster.Seed(Source, ("password", "pw-destroy-all-v2"));
        var daemon = await StartAsync(cluster);

        cluster.Vault.DestroyVersions(SyncScenario.Mount, Source, 1, 2);

        await AssertRevokedAsync(cluster, daemon);
    }

    [Fact]
    public async Task DeletingTheWholeSource_KeepsAndMarksItsTargets_WhenOnSourceDeletedIsRetain()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Seed(Source, ("password", "pw-source-retain"));
        var daemon = await StartAsync(cluster, "onSourceDeleted: retain");

        cluster.Vault.DeleteMetadata(SyncScenario.Mount, Source);

        foreach (var ns in Namespaces)
        {
            await Eventually.TrueAsync(() => cluster.SecretAnnotation(ns, "db", Annotations.SourceDeleted) is not null, $"{ns}/db marked source-deleted");
            Assert.Equal("pw-source-retain", cluster.SecretValue(ns, "db", "password"));
            Assert.Equal("1", cluster.SyncedVersion(ns, "db"));
        }

        await daemon.WaitForAuditCountAsync(e => e.Action == AuditActions.Revoked, Namespaces.Length, "retention audited per target");
        await daemon.WaitForPollCyclesAsync(); // later cycles must neither delete nor re-mark
        Assert.All(daemon.Audit.Where(e => e.Action == AuditActions.Revoked), e => Assert.Equal(AuditOutcomes.Skipped, e.Outcome));
        Assert.Equal(Namespaces.Length, daemon.Audit.Count(e => e.Action == AuditActions.Revoked));
        Assert.DoesNotContain(cluster.Kubernetes.History, c => c.Resource == "secrets" && c.Type == "DELETED");
        Assert.All(Namespaces, ns => Assert.Equal("pw-source-retain", cluster.SecretValue(ns, "db", "password")));
    }

    private static async Task<DaemonProcess> StartAsync(TestCluster cluster, string sync = "")
    {
        foreach (var ns in Namespaces)
        {
            cluster.Namespace(ns, bundles: "team");
        }

        cluster.WriteSyncConfig(SyncScenario.OpenBundle("team", (Source, "db")), sync);
        var daemon = cluster.StartDaemon();
        await daemon.WaitLeadingAsync();
        await daemon.WaitForAuditCountAsync(e => e.Action == AuditActions.Created, Namespaces.Length, "targets created");
        var newest = cluster.Vault.ReadMetadata(SyncScenario.Mount, Source)!.CurrentVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.All(Namespaces, ns => Assert.Equal(newest, cluster.SyncedVersion(ns, "db")));
        return daemon;
    }

    private static async Task AssertRevokedAsync(TestCluster cluster, DaemonProcess daemon)
    {
        await daemon.WaitForAuditCountAsync(e => e.Action == AuditActions.Revoked, Namespaces.Length, "targets revoked");
        foreach (var ns in Namespaces)
        {
            await Eventually.TrueAsync(() => cluster.Secret(ns, "db") is null, $"{ns}/db deleted");
            Assert.Equal("DELETED", cluster.SecretHistory(ns, "db")[^1].Type);
        }

        Assert.All(daemon.Audit.Where(e => e.Action == AuditActions.Revoked), e =>
            Assert.Equal((AuditOutcomes.Success, Source, "db"), (e.Outcome, e.Source, e.Secret)));
        Assert.Equal(Namespaces.Order(StringComparer.Ordinal), daemon.Audit.Where(e => e.Action == AuditActions.Revoked).Select(e => e.Namespace).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(daemon.Audit, e => e.Action == AuditActions.RevocationPaused);
    }
}
