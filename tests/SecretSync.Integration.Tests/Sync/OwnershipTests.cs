using SecretSync.Core.Audit;
using SecretSync.Testing;
using SecretSync.Testing.Cluster;

namespace SecretSync.Integration.Tests.Sync;

public sealed class OwnershipTests
{
    private const string Source = "apps/db";

    [Fact]
    public async Task UnmanagedSecretWithTheTargetName_IsLeftUntouchedAndAuditedAsConflict_UntilItIsDeleted()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Seed(Source, ("password", "pw-owned-by-vault"));
        cluster.Namespace("mine", bundles: "apps");
        cluster.Namespace("theirs", bundles: "apps");
        var handMade = cluster.Kubernetes.Apply(SyncScenario.UnmanagedSecret("theirs", "db", ("password", "pw-hand-made")));
        cluster.WriteSyncConfig(SyncScenario.OpenBundle("apps", (Source, "db")));
        var daemon = cluster.StartDaemon();
        await daemon.WaitLeadingAsync();

        var conflict = await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Conflict, "conflict");
        await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Created && e.Namespace == "mine", "created in mine");
        await daemon.WaitForPollCyclesAsync(); // more poll cycles: still untouched, and audited once

        Assert.Equal(("theirs", "db", Source), (conflict.Namespace, conflict.Secret, conflict.Source));
        Assert.Equal(1, daemon.Audit.Count(e => e.Action == AuditActions.Conflict));
        var now = cluster.Secret("theirs", "db")!;
        Assert.Equal(handMade["metadata"]!["resourceVersion"]!.GetValue<string>(), now["metadata"]!["resourceVersion"]!.GetValue<string>());
        Assert.Equal(handMade["data"]!.ToJsonString(), now["data"]!.ToJsonString());
        Assert.Null(now["metadata"]!["labels"]);
        Assert.Equal(["ADDED"], cluster.SecretHistory("theirs", "db").Select(c => c.Type));
        Assert.DoesNotContain(cluster.SecretWritesIn(ns => ns == "theirs"), r => r.Status < 400); // a refused create is how the daemon learns of it
        Assert.Equal("pw-owned-by-vault", cluster.SecretValue("mine", "db", "password"));

        cluster.Kubernetes.Delete("secrets", "theirs", "db");

        var created = await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Created && e.Namespace == "theirs", "created in theirs once the unmanaged Secret is gone");
        Assert.Equal("1", created.SourceVersion);
        Assert.Equal("pw-owned-by-vault", cluster.SecretValue("theirs", "db", "password"));
        Assert.Equal("secretsync", cluster.Secret("theirs", "db")!["metadata"]!["labels"]!["app.kubernetes.io/managed-by"]!.GetValue<string>());
    }

    [Fact]
    public async Task HandEditedManagedSecret_IsRestoredToTheSourceValue_AndAHandDeletedOneIsRecreated()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Seed(Source, ("password", "pw-drift-source"));
        cluster.Namespace("drift", bundles: "apps");
        cluster.WriteSyncConfig(SyncScenario.OpenBundle("apps", (Source, "db")));
        var daemon = cluster.StartDaemon();
        await daemon.WaitLeadingAsync();
        await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Created, "created");

        var edited = cluster.Secret("drift", "db")!;
        edited["data"]!["password"] = Convert.ToBase64String("pw-drift-tampered"u8.ToArray());
        edited["metadata"]!.AsObject().Remove("resourceVersion");
        var tampered = cluster.Kubernetes.Apply(edited);

        var restored = await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Restored, "restored after the edit");
        Assert.Equal(("drift", "db", AuditTriggers.Drift, "1"), (restored.Namespace, restored.Secret, restored.Trigger, restored.SourceVersion));
        await Eventually.TrueAsync(() => cluster.SecretValue("drift", "db", "password") == "pw-drift-source", "the source value back");
        Assert.NotEqual(tampered["metadata"]!["resourceVersion"]!.GetValue<string>(), cluster.Secret("drift", "db")!["metadata"]!["resourceVersion"]!.GetValue<string>());

        cluster.Kubernetes.Delete("secrets", "drift", "db");

        await daemon.WaitForAuditCountAsync(e => e.Action == AuditActions.Restored, 2, "restored after the deletion");
        var recreated = daemon.Audit.Where(e => e.Action == AuditActions.Restored).Last();
        Assert.Equal(("drift", "db", AuditTriggers.Drift, "1"), (recreated.Namespace, recreated.Secret, recreated.Trigger, recreated.SourceVersion));
        await Eventually.TrueAsync(() => cluster.SecretValue("drift", "db", "password") == "pw-drift-source", "the Secret recreated");
        Assert.Equal(1, daemon.Audit.Count(e => e.Action == AuditActions.Created));
    }
}
