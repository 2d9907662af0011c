using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using SecretSync.Core.Audit;
using SecretSync.Testing;
using SecretSync.Testing.Cluster;

namespace SecretSync.Integration.Tests.Sync;

public sealed partial class RevocationBrakeTests
{
    private const int Sources = 10;
    private const string Namespace = "brake";

    [Fact]
    public async Task DeletingHalfTheSourcesAtOnce_PausesRevocations_UntilAnOperatorApprovesTheToken()
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
        await daemon.WaitForAuditCountAsync(e => e.Action == AuditActions.RevocationPaused, 5, "five revocations paused");
        var paused = daemon.Audit.Where(e => e.Action == AuditActions.RevocationPaused).ToList();
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"brake/s{i}"), paused.Select(e => e.Source!).Order(StringComparer.Ordinal));
        var token = TokenPattern().Match(paused[0].Detail ?? "").Value;
        Assert.StartsWith("rb-", token, StringComparison.Ordinal);
        Assert.All(paused, e => Assert.Contains(token, e.Detail, StringComparison.Ordinal));

        using (var status = JsonDocument.Parse(await daemon.GetAsync("status")))
        {
            var brake = status.RootElement.GetProperty("revocationBrake").GetString();
            Assert.Contains(token, brake, StringComparison.Ordinal);
            Assert.Contains("5 of 10", brake, StringComparison.Ordinal);
        }

        Assert.Contains("secretsync_revocation_brake_engaged 1", await daemon.GetAsync("metrics"), StringComparison.Ordinal);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.DoesNotContain(cluster.Kubernetes.History, c => c.Resource == "secrets" && c.Type == "DELETED");
        Assert.All(Enumerable.Range(0, Sources), i => Assert.NotNull(cluster.Secret(Namespace, $"t{i}")));
        Assert.DoesNotContain(daemon.Audit, e => e.Action == AuditActions.Revoked);

        var (exit, stdout, stderr) = await ApproveAsync(token, daemon.Port);

        Assert.True(exit == 0, $"approve exited {exit}: {stdout}{stderr}");
        Assert.Contains("approved", stdout, StringComparison.Ordinal);
        await daemon.WaitForAuditCountAsync(e => e.Action == AuditActions.Revoked, 5, "five targets revoked after approval");
        for (var i = 0; i < Sources; i++)
        {
            var name = $"t{i}";
            await Eventually.TrueAsync(() => (cluster.Secret(Namespace, name) is null) == (i < 5), $"{name} deleted only if its source was");
        }

        Assert.Equal(
            Enumerable.Range(0, 5).Select(i => $"t{i}"),
            daemon.Audit.Where(e => e.Action == AuditActions.Revoked).Select(e => e.Secret!).Order(StringComparer.Ordinal));
        await Eventually.TrueAsync(async () => !(await daemon.GetAsync("status")).Contains(token, StringComparison.Ordinal), "the brake released in /status");
    }

    [Fact]
    public async Task DeletingFewerSourcesThanTheThresholds_RevokesWithoutAPause()
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
        Assert.DoesNotContain("rb-", await daemon.GetAsync("status"), StringComparison.Ordinal);
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

    /// <summary>Runs <c>secretsync revocations approve</c> as an operator would.</summary>
    private static async Task<(int Exit, string Stdout, string Stderr)> ApproveAsync(string token, int port)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { DaemonProcess.Executable, "revocations", "approve", token, "--daemon", $"http://127.0.0.1:{port}/" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    [GeneratedRegex("rb-[0-9a-f]{12}")]
    private static partial Regex TokenPattern();
}
