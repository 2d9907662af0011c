using System.Diagnostics;
using System.Text.Json;
using SecretSync.Core.Audit;
using SecretSync.Testing;
using SecretSync.Testing.Cluster;

namespace SecretSync.Integration.Tests.Sync;

/// <summary>The delete guard: every revocation and prune counts against one sliding window, and a hold is released by an RBAC-checked approval.</summary>
public sealed class RevocationBrakeTests
{
    private const int Sources = 10;
    private const string Namespace = "brake";

    [Fact]
    public async Task DeletingHalfTheSourcesAtOnce_HoldsTheRevocations_UntilAnOperatorApprovesThroughTheLease()
    {
        await using var cluster = await TestCluster.StartAsync();
        // A long interval keeps scheduled polls out of the way, so the cycle after the deletions sees all five at once.
        var bundles = Seed(cluster);
        cluster.WriteSyncConfig(bundles, interval: "60s");
        var daemon = await StartAsync(cluster);

        for (var i = 0; i < 5; i++)
        {
            cluster.Vault.DeleteMetadata(SyncScenario.Mount, $"brake/s{i}");
        }

        // A reload re-checks every source; the absences send the engine into a version-check cycle.
        cluster.WriteSyncConfig(bundles, interval: "60s", comment: "reload after the deletions");
        await daemon.WaitForAuditCountAsync(e => e.Action == AuditActions.RevocationPaused, 5, "five revocations held");
        var paused = daemon.Audit.Where(e => e.Action == AuditActions.RevocationPaused).ToList();
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"t{i}"), paused.Select(e => e.Secret!).Order(StringComparer.Ordinal));
        var holdId = HoldIdOf(await daemon.GetAsync("status"));
        Assert.All(paused, e => Assert.Contains(holdId, e.Detail, StringComparison.Ordinal));
        using (var status = JsonDocument.Parse(await daemon.GetAsync("status")))
        {
            var guard = status.RootElement.GetProperty("deleteGuard");
            Assert.True(guard.GetProperty("holding").GetBoolean());
            Assert.Contains("holding 5 deletions (5 revoked, 0 pruned)", guard.GetProperty("summary").GetString(), StringComparison.Ordinal);
            Assert.Equal(
                Enumerable.Range(0, 5).Select(i => $"t{i}"),
                guard.GetProperty("held").EnumerateArray().Select(h => h.GetProperty("secret").GetString()!).Order(StringComparer.Ordinal));
        }

        var metrics = ResiliencePrometheus.Parse(await daemon.GetAsync("metrics"));
        Assert.Equal(1, metrics.Sum("secretsync_revocation_brake_engaged"));
        Assert.Equal(5, metrics.Sum("secretsync_deletions_held"));

        // Whoever reaches the pod port cannot approve: the old endpoint is gone, and an id alone changes nothing.
        var (posted, _) = await daemon.PostAsync($"revocations/approve?token={holdId}");
        Assert.True(posted is 404 or 405, $"POST /revocations/approve answered {posted}");

        // A wrong id written to the Lease is read and ignored.
        var wrong = await ApproveAsync(cluster, "hold-000000000000");
        Assert.True(wrong.Exit == 0, wrong.Output);
        Assert.DoesNotContain(holdId, wrong.Output, StringComparison.Ordinal);
        await Eventually.TrueAsync(() => daemon.StandardError.Contains("ignoring the approval", StringComparison.Ordinal), "the wrong approval read and ignored");
        Assert.DoesNotContain(cluster.Kubernetes.History, c => c.Resource == "secrets" && c.Type == "DELETED");
        Assert.DoesNotContain(daemon.Audit, e => e.Action == AuditActions.Revoked);

        var approved = await ApproveAsync(cluster, holdId);
        Assert.True(approved.Exit == 0, approved.Output);
        Assert.Contains("approved", approved.Output, StringComparison.Ordinal);
        await daemon.WaitForAuditCountAsync(e => e.Action == AuditActions.Revoked, 5, "five targets revoked after approval");
        for (var i = 0; i < Sources; i++)
        {
            var name = $"t{i}";
            await Eventually.TrueAsync(() => (cluster.Secret(Namespace, name) is null) == (i < 5), $"{name} deleted only if its source was");
        }

        Assert.All(daemon.Audit.Where(e => e.Action == AuditActions.Revoked), e => Assert.Equal(AuditTriggers.Manual, e.Trigger));
        await Eventually.TrueAsync(async () => !(await daemon.GetAsync("status")).Contains(holdId, StringComparison.Ordinal), "the hold released in /status");
    }

    [Fact]
    public async Task DeletingFewerSourcesThanTheThresholds_RevokesWithoutAHold()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.WriteSyncConfig(Seed(cluster));
        var daemon = await StartAsync(cluster);

        cluster.Vault.DeleteMetadata(SyncScenario.Mount, "brake/s3");
        cluster.Vault.DeleteMetadata(SyncScenario.Mount, "brake/s7");

        await daemon.WaitForAuditCountAsync(e => e.Action == AuditActions.Revoked, 2, "two targets revoked");
        await Eventually.TrueAsync(() => cluster.Secret(Namespace, "t3") is null && cluster.Secret(Namespace, "t7") is null, "t3 and t7 deleted");
        Assert.Equal(8, cluster.Kubernetes.List("secrets", Namespace).Count);
        Assert.DoesNotContain(daemon.Audit, e => e.Action == AuditActions.RevocationPaused);
        Assert.DoesNotContain("hold-", await daemon.GetAsync("status"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SourcesDeletedOneAtATime_AreCountedOverTheWindow_SoTheFourthIsHeld()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.WriteSyncConfig(Seed(cluster));
        var daemon = await StartAsync(cluster);

        for (var i = 0; i < 3; i++)
        {
            cluster.Vault.DeleteMetadata(SyncScenario.Mount, $"brake/s{i}");
            await daemon.WaitForAuditCountAsync(e => e.Action == AuditActions.Revoked, i + 1, $"revocation {i + 1} of the trickle");
        }

        cluster.Vault.DeleteMetadata(SyncScenario.Mount, "brake/s3");

        var held = await daemon.WaitForAuditAsync(e => e.Action == AuditActions.RevocationPaused, "the fourth revocation held");
        Assert.Equal("t3", held.Secret);
        Assert.Contains("with 3 already made in the last 10m", held.Detail, StringComparison.Ordinal);
        Assert.NotNull(cluster.Secret(Namespace, "t3"));
        Assert.Equal(3, daemon.Audit.Count(e => e.Action == AuditActions.Revoked));
    }

    [Fact]
    public async Task ABundleRenamedByATypo_HoldsItsPrunesEverywhere_WhileOtherWritesProceed_AndReleasesWhenTheTypoIsFixed()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Seed("payments/db", ("password", "typo-guard-value"));
        cluster.Seed("shared/other", ("token", "typo-guard-other"));
        const int teams = 8;
        for (var i = 0; i < teams; i++)
        {
            cluster.Namespace($"team{i}", bundles: "payments-db");
        }

        string Bundles(string name) =>
            "bundles:\n" + SyncScenario.BundleEntry(name, null, ("payments/db", "db-credentials")) + SyncScenario.BundleEntry("other", null, ("shared/other", "other"));
        cluster.WriteSyncConfig(Bundles("payments-db"));
        var daemon = cluster.StartDaemon();
        await daemon.WaitLeadingAsync();
        await daemon.WaitForAuditCountAsync(e => e.Action == AuditActions.Created, teams, "every team's Secret created");

        cluster.WriteSyncConfig(Bundles("payment-db"));
        await daemon.WaitForAuditCountAsync(e => e.Action == AuditActions.PrunePaused, teams, "every prune held");

        // Creations proceed while the deletions wait.
        cluster.Namespace("newcomer", bundles: "other");
        await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Created && e.Namespace == "newcomer", "a creation during the hold");
        Assert.All(Enumerable.Range(0, teams), i => Assert.NotNull(cluster.Secret($"team{i}", "db-credentials")));
        var log = daemon.StandardError + daemon.StandardOutput;
        Assert.Contains("Delete guard holding 8 deletions (0 revoked, 8 pruned)", log, StringComparison.Ordinal);
        Assert.Contains("team0/db-credentials", log, StringComparison.Ordinal);

        cluster.WriteSyncConfig(Bundles("payments-db"), comment: "typo fixed");
        await Eventually.TrueAsync(async () => !(await daemon.GetAsync("status")).Contains("hold-", StringComparison.Ordinal), "the hold released by itself");
        Assert.DoesNotContain(daemon.Audit, e => e.Action == AuditActions.Pruned);
        Assert.DoesNotContain(cluster.Kubernetes.History, c => c.Resource == "secrets" && c.Type == "DELETED");
    }

    private static string Seed(TestCluster cluster)
    {
        var mappings = new (string, string)[Sources];
        for (var i = 0; i < Sources; i++)
        {
            cluster.Seed($"brake/s{i}", ("value", $"brake-value-{i}"));
            mappings[i] = ($"brake/s{i}", $"t{i}");
        }

        cluster.Namespace(Namespace, bundles: "many");
        return SyncScenario.OpenBundle("many", mappings);
    }

    private static async Task<DaemonProcess> StartAsync(TestCluster cluster)
    {
        var daemon = cluster.StartDaemon();
        await daemon.WaitLeadingAsync();
        await daemon.WaitForAuditCountAsync(e => e.Action == AuditActions.Created, Sources, "every target created");
        return daemon;
    }

    private static string HoldIdOf(string status)
    {
        using var document = JsonDocument.Parse(status);
        return document.RootElement.GetProperty("deleteGuard").GetProperty("holdId").GetString()!;
    }

    /// <summary>Runs <c>secretsync revocations approve</c> as an operator would, through the cluster's kubeconfig.</summary>
    private static async Task<(int Exit, string Output)> ApproveAsync(TestCluster cluster, string holdId)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { DaemonProcess.Executable, "revocations", "approve", holdId, "--config", cluster.ConfigPath, "--kubeconfig", cluster.Kubeconfig })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
