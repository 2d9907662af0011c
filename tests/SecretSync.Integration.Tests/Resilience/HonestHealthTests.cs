using System.Text.RegularExpressions;
using SecretSync.Core.Audit;
using SecretSync.Testing;
using SecretSync.Testing.Cluster;

namespace SecretSync.Integration.Tests.Resilience;

/// <summary>Health that tells the truth: with the authority unreachable nothing claims success.</summary>
public sealed partial class HonestHealthTests
{
    [Fact]
    public async Task ALeaderStartedWhileVaultIsDown_IsNotReady_SetsNoSuccessTimestamp_AndSaysWhy_UntilVaultAnswers()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Seed("app/db", ("password", "pw-honest"));
        cluster.Namespace("app", bundles: "app");
        cluster.WriteSyncConfig(SyncScenario.OpenBundle("app", ("app/db", "db")));
        cluster.Vault.Sealed = true;
        var daemon = cluster.StartDaemon();

        await Eventually.TrueAsync(() => daemon.StandardError.Contains("First full pass finished without converging", StringComparison.Ordinal), "the first pass reported as not converged");
        Assert.DoesNotContain("First full sync done", daemon.StandardError, StringComparison.Ordinal);
        var (status, body) = await daemon.GetStatusAsync("readyz");
        Assert.Equal(503, status);
        Assert.Contains("provider(s) not answering: vault-main", body, StringComparison.Ordinal);
        var metrics = ResiliencePrometheus.Parse(await daemon.GetAsync("metrics"));
        Assert.Contains("secretsync_provider_up{provider=\"vault-main\"} 0", metrics.Text, StringComparison.Ordinal);
        Assert.DoesNotMatch(SuccessTimestamp(), metrics.Text);
        Assert.Equal(1, metrics.Sum("secretsync_targets_not_converged"));

        cluster.Vault.Sealed = false;
        await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Created, "created once Vault answers");
        await daemon.WaitReadyAsync();
        metrics = ResiliencePrometheus.Parse(await daemon.GetAsync("metrics"));
        Assert.Contains("secretsync_provider_up{provider=\"vault-main\"} 1", metrics.Text, StringComparison.Ordinal);
        Assert.Matches(SuccessTimestamp(), metrics.Text);
        Assert.True(metrics.Has("secretsync_targets_not_converged"));
        Assert.Equal(0, metrics.Sum("secretsync_targets_not_converged"));
    }

    [Fact]
    public async Task DevOnce_WithTheAuthorityUnreachable_ExitsNonZero_NamingTheTargetsThatDidNotSync()
    {
        var state = Directory.CreateTempSubdirectory("secretsync-honest-").FullName;
        try
        {
            var config = Path.Combine(state, "unreachable.yaml");
            File.WriteAllText(config, File.ReadAllText(Path.Combine(Repository.Root, "samples", "dev", "config.yaml"))
                .Replace("type: vault", "type: vault\n    address: http://127.0.0.1:9\n    timeout: 1s", StringComparison.Ordinal)
                .Replace("method: token", "method: token\n      token: s.nothing-listens-there", StringComparison.Ordinal));

            var result = await ResilienceCommand.RunAsync(["dev", "--once", "--config", config, "--state-dir", state], TimeSpan.FromSeconds(120), workingDirectory: state);

            Assert.True(result.ExitCode == 1, result.ToString());
            Assert.Contains("did not sync", result.StandardOutput, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    [GeneratedRegex(@"^secretsync_last_successful_sync_timestamp_seconds(\{[^}]*\})? [0-9]", RegexOptions.Multiline)]
    private static partial Regex SuccessTimestamp();
}
