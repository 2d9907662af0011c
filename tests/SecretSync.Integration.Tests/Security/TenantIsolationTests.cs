using System.Text.Json.Nodes;
using System.Diagnostics;
using SecretSync.Core.Audit;
using SecretSync.Testing;
using SecretSync.Testing.Cluster;
using Xunit.Abstractions;

namespace SecretSync.Integration.Tests.Security;

/// <summary>A tenant controls one namespace; nothing it does there delays other tenants or bends what the daemon writes or records.</summary>
public sealed class TenantIsolationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ATenantsImmutableCopy_FailsAlone_AndDoesNotDelayARotationReachingOtherNamespaces()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Seed("shared/db", ("password", "isolation-v1"));
        cluster.Namespace("good", bundles: "shared");
        cluster.Namespace("stuck", bundles: "shared");
        cluster.WriteSyncConfig(SyncScenario.OpenBundle("shared", ("shared/db", "db")));
        var daemon = cluster.StartDaemon();
        await daemon.WaitLeadingAsync();
        await daemon.WaitForAuditCountAsync(e => e.Action == AuditActions.Created, 2, "both copies created");

        // The tenant of "stuck" makes its copy immutable: every later write to it fails with 422.
        var copy = cluster.Secret("stuck", "db")!;
        copy["immutable"] = true;
        cluster.Kubernetes.Apply(copy);

        cluster.Seed("shared/db", ("password", "isolation-v2"));
        await Eventually.TrueAsync(() => cluster.SyncedVersion("good", "db") == "2", "good carries version 2");
        await Eventually.TrueAsync(() => RejectedWrites(cluster) >= 4, "the stuck copy retried and rejected four times", TimeSpan.FromSeconds(60));
        var failed = await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Failed && e.Namespace == "stuck", "the stuck copy's failure audited");
        Assert.Contains("Invalid", failed.Error, StringComparison.Ordinal);

        // By now a per-source back-off would hold the source for 8 s or more; each copy has its own.
        var rotated = Stopwatch.StartNew();
        cluster.Seed("shared/db", ("password", "isolation-v3"));
        await Eventually.TrueAsync(() => cluster.SyncedVersion("good", "db") == "3", "good carries version 3 promptly", TimeSpan.FromSeconds(5));
        output.WriteLine($"rotation reached the healthy namespace {rotated.Elapsed.TotalSeconds:F2} s after the write, with a stuck copy beside it");

        Assert.Equal("isolation-v1", cluster.SecretValue("stuck", "db", "password"));
        var status = await daemon.GetAsync("status");
        Assert.Contains("\"namespace\": \"stuck\"", status, StringComparison.Ordinal);
        Assert.Contains("Kubernetes Invalid", status, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EditedSecretSyncAnnotationsOnAManagedCopy_AreRestoredAsDrift_AndNeverTrusted()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Seed("shared/db", ("password", "tamper-v1"));
        cluster.Namespace("tenant", bundles: "shared");
        cluster.WriteSyncConfig(SyncScenario.OpenBundle("shared", ("shared/db", "db")));
        var daemon = cluster.StartDaemon();
        await daemon.WaitLeadingAsync();
        await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Created, "created");

        var copy = cluster.Secret("tenant", "db")!;
        copy["metadata"]!["annotations"]!["secretsync.io/source"] = "somebody/else";
        copy["metadata"]!["annotations"]!["secretsync.io/source-version"] = "99";
        cluster.Kubernetes.Apply(copy);

        var restored = await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Restored, "the tampered metadata restored");
        Assert.Equal((AuditTriggers.Drift, "tenant", "db", "shared/db", "1"), (restored.Trigger, restored.Namespace, restored.Secret, restored.Source, restored.SourceVersion));
        Assert.Contains("annotations were edited", restored.Detail, StringComparison.Ordinal);
        Assert.Null(restored.PreviousVersion); // "99" came from the tenant: never recorded as if the daemon had written it
        Assert.Equal("shared/db", cluster.SecretAnnotation("tenant", "db", "secretsync.io/source"));
        Assert.Equal("1", cluster.SyncedVersion("tenant", "db"));
    }

    [Fact]
    public async Task ATenantCreatedSecretWearingTheManagedByLabel_IsAConflict_NotAdopted_AndNeverPruned()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Seed("shared/db", ("password", "adoption-real"));
        cluster.Namespace("tenant");
        var forged = SyncScenario.UnmanagedSecret("tenant", "db", ("password", "tenant-chosen"));
        forged["metadata"]!["labels"] = new JsonObject { ["app.kubernetes.io/managed-by"] = "secretsync" };
        forged["metadata"]!["annotations"] = new JsonObject
        {
            ["secretsync.io/source"] = "shared/db",
            ["secretsync.io/content-hash"] = "hmac-sha256:" + new string('0', 64),
            ["replicator.example/replicate-to"] = "*",
        };
        cluster.Kubernetes.Apply(forged);
        cluster.WriteSyncConfig(SyncScenario.OpenBundle("shared", ("shared/db", "db")));
        var daemon = cluster.StartDaemon();
        await daemon.WaitLeadingAsync();

        cluster.Namespace("witness", bundles: "shared");
        cluster.Annotate("tenant", "shared");
        var conflict = await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Conflict && e.Namespace == "tenant", "a conflict for the forged object");
        Assert.Contains("SecretSync did not write it", conflict.Detail, StringComparison.Ordinal);
        await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Created && e.Namespace == "witness", "the witness copy created");

        // Opting out: the prune pass that deletes the witness's copy passes over the forged object.
        cluster.Annotate("tenant", null);
        cluster.Annotate("witness", null);
        await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Pruned && e.Namespace == "witness", "the witness copy pruned");
        Assert.NotNull(cluster.Secret("tenant", "db"));
        Assert.Equal("tenant-chosen", cluster.SecretValue("tenant", "db", "password"));
        Assert.DoesNotContain(daemon.Audit, e => e.Namespace == "tenant" && e.Action is AuditActions.Restored or AuditActions.Updated or AuditActions.Pruned or AuditActions.Created);
        Assert.Empty(cluster.SecretWritesIn(ns => ns == "tenant"));
    }

    [Fact]
    public async Task AManagedSecretWithoutASeal_AsEarlierVersionsWroteIt_IsAdoptedOnceAndSealed()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Seed("shared/db", ("password", "upgrade-value"));
        cluster.Namespace("tenant", bundles: "shared");
        cluster.WriteSyncConfig(SyncScenario.OpenBundle("shared", ("shared/db", "db")));
        var daemon = cluster.StartDaemon();
        await daemon.WaitLeadingAsync();
        await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Created, "created");
        var seal = cluster.SecretAnnotation("tenant", "db", "secretsync.io/seal");
        Assert.StartsWith("v1.", seal, StringComparison.Ordinal);

        var unsealed = cluster.Secret("tenant", "db")!;
        unsealed["metadata"]!["annotations"]!.AsObject().Remove("secretsync.io/seal");
        cluster.Kubernetes.Apply(unsealed);

        var adopted = await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Updated, "the unsealed Secret adopted");
        Assert.Contains("without seals", adopted.Detail, StringComparison.Ordinal);
        Assert.Equal(seal, cluster.SecretAnnotation("tenant", "db", "secretsync.io/seal"));
        Assert.Equal("upgrade-value", cluster.SecretValue("tenant", "db", "password"));
    }

    private static int RejectedWrites(TestCluster cluster) =>
        cluster.Kubernetes.Requests.CountWhere(r => r.Method == "PUT" && r.Path.Contains("/namespaces/stuck/secrets/db", StringComparison.Ordinal) && r.Status == 422);
}
