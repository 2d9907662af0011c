using System.Text.RegularExpressions;
using SecretSync.Core.Audit;
using SecretSync.Testing.Cluster;
using Xunit.Abstractions;

namespace SecretSync.Integration.Tests.Resilience;

/// <summary>The configuration file changes under a running daemon: good changes apply, bad ones are rejected and the last good one stays.</summary>
public sealed class ConfigReloadTests(ITestOutputHelper output)
{
    private const string AppBundle = """
        bundles:
          app:
            provider: vault-main
            namespaces: all
            secrets:
              - source: app/db
                target: db-credentials
        """;

    private const string ExtraBundle = """
          extra:
            provider: vault-main
            namespaces: all
            secrets:
              - source: app/api
                target: api-key
        """;

    [Fact]
    public async Task AddingABundleToTheFile_LoadsIt_AndItsSecretsAppear()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Vault.WriteSecret("secret", "app/db", new Dictionary<string, object?> { ["password"] = "pw-reload" });
        cluster.Vault.WriteSecret("secret", "app/api", new Dictionary<string, object?> { ["key"] = "api-reload" });
        cluster.Namespace("app-0", bundles: "app,extra");
        cluster.Namespace("app-1", bundles: "extra");
        cluster.WriteConfig(AppBundle);
        var daemon = cluster.StartDaemon();
        await daemon.WaitLeadingAsync();
        await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Created && e.Secret == "db-credentials", "app bundle created");
        await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Denied && e.Bundle == "extra", "extra denied as unknown before the reload");

        ReplaceConfig(cluster, File.ReadAllText(cluster.ConfigPath) + "\n" + ExtraBundle + "\n");

        var loaded = await daemon.WaitForAuditAsync(e => e.Action == AuditActions.ConfigLoaded && e.Trigger == AuditTriggers.Config, "config-loaded after the edit");
        Assert.Equal(AuditOutcomes.Success, loaded.Outcome);
        await daemon.WaitForAuditCountAsync(e => e.Action == AuditActions.Created && e.Secret == "api-key", 2, "api-key in both namespaces");
        foreach (var created in daemon.Audit.Where(e => e.Action == AuditActions.Created && e.Secret == "api-key"))
        {
            output.WriteLine($"created {created.Namespace}/{created.Secret} trigger {created.Trigger}");
        }

        Assert.Equal("api-reload", cluster.SecretValue("app-0", "api-key", "key"));
        Assert.Equal("api-reload", cluster.SecretValue("app-1", "api-key", "key"));
        Assert.Equal("pw-reload", cluster.SecretValue("app-0", "db-credentials", "password"));
        Assert.DoesNotContain(daemon.Audit, e => e.Action is AuditActions.ConfigRejected or AuditActions.Pruned);
    }

    [Fact]
    public async Task AReloadChangingASettingBoundToTheProcess_SaysItNeedsARestart_AndAppliesTheRest()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Vault.WriteSecret("secret", "app/db", new Dictionary<string, object?> { ["password"] = "pw-restart-bound" });
        cluster.Vault.WriteSecret("secret", "app/api", new Dictionary<string, object?> { ["key"] = "api-restart-bound" });
        cluster.Namespace("app-0", bundles: "app,extra");
        cluster.WriteConfig(AppBundle);
        var daemon = cluster.StartDaemon();
        await daemon.WaitLeadingAsync();
        await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Created && e.Secret == "db-credentials", "app bundle created");

        ReplaceConfig(cluster, File.ReadAllText(cluster.ConfigPath).Replace("retryPeriod: 500ms", "retryPeriod: 400ms", StringComparison.Ordinal)
            + "\n" + ExtraBundle + "\nserver:\n  port: 18080\n");

        var loaded = await daemon.WaitForAuditAsync(e => e.Action == AuditActions.ConfigLoaded && e.Trigger == AuditTriggers.Config, "config-loaded after the edit");
        Assert.Contains("changes to server, leaderElection take effect only after a restart", loaded.Detail, StringComparison.Ordinal);
        Assert.Contains("take effect only after a restart", daemon.StandardError, StringComparison.Ordinal);
        await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Created && e.Secret == "api-key", "the new bundle applied at once");
        Assert.Contains("ready", await daemon.GetAsync("readyz"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidConfigReloads_AreRejectedNamingFileAndLine_AndTheOldConfigStaysInForce()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Vault.WriteSecret("secret", "app/db", new Dictionary<string, object?> { ["password"] = "pw-reject-v1" });
        cluster.Namespace("app-0", bundles: "app");
        cluster.WriteConfig(AppBundle);
        var good = File.ReadAllText(cluster.ConfigPath);
        var daemon = cluster.StartDaemon();
        await daemon.WaitLeadingAsync();
        await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Created, "created with the first config");
        await using var probe = new ResilienceProbe(daemon);

        // Broken YAML: a second mapping value on one line.
        var badYaml = good.Replace("  jitter: 0.1", "  jitter: 0.1: twice", StringComparison.Ordinal);
        var badYamlLine = LineOf(badYaml, "jitter: 0.1: twice");
        ReplaceConfig(cluster, badYaml);
        var yamlRejected = await daemon.WaitForAuditAsync(e => e.Action == AuditActions.ConfigRejected, "config-rejected for bad YAML");
        output.WriteLine($"bad YAML (line {badYamlLine}): {yamlRejected.Error}");
        Assert.Equal(AuditOutcomes.Failure, yamlRejected.Outcome);
        Assert.Matches($"^{Regex.Escape(cluster.ConfigPath)}:{badYamlLine}:\\d+: ", yamlRejected.Error ?? "");

        // Valid YAML with a key the schema does not know.
        var unknownKey = good.Replace("  jitter: 0.1", "  jitter: 0.1\n  intervall: 5s", StringComparison.Ordinal);
        var unknownKeyLine = LineOf(unknownKey, "intervall: 5s");
        ReplaceConfig(cluster, unknownKey);
        await daemon.WaitForAuditCountAsync(e => e.Action == AuditActions.ConfigRejected, 2, "config-rejected for an unknown key");
        var keyRejected = daemon.Audit.Where(e => e.Action == AuditActions.ConfigRejected).Last();
        output.WriteLine($"unknown key (line {unknownKeyLine}): {keyRejected.Error}");
        Assert.Matches($"^{Regex.Escape(cluster.ConfigPath)}:{unknownKeyLine}:\\d+: sync\\.intervall: unknown key 'intervall'", keyRejected.Error ?? "");

        // Still running on the last good configuration.
        Assert.False(daemon.HasExited);
        Assert.Equal(200, (await probe.GetAsync("readyz")).Status);
        Assert.DoesNotContain(daemon.Audit, e => e.Action == AuditActions.ConfigLoaded && e.Trigger == AuditTriggers.Config);
        var version = cluster.Vault.WriteSecret("secret", "app/db", new Dictionary<string, object?> { ["password"] = "pw-reject-v2" });
        await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Updated && e.SourceVersion == $"{version}", "the rotation applied under the old config");
        Assert.Equal("pw-reject-v2", cluster.SecretValue("app-0", "db-credentials", "password"));
        Assert.DoesNotContain(daemon.Audit, e => e.Action is AuditActions.Pruned or AuditActions.Revoked);

        // A good file after the bad ones is loaded again.
        ReplaceConfig(cluster, good.Replace("jitter: 0.1", "jitter: 0.2", StringComparison.Ordinal));
        await daemon.WaitForAuditAsync(e => e.Action == AuditActions.ConfigLoaded && e.Trigger == AuditTriggers.Config, "config-loaded once the file is good again");
        Assert.Equal(2, daemon.Audit.Count(e => e.Action == AuditActions.ConfigRejected));
    }

    /// <summary>Swaps the file in one rename, as a ConfigMap volume update does, so the daemon never reads half a file.</summary>
    private static void ReplaceConfig(TestCluster cluster, string text)
    {
        var staged = cluster.ConfigPath + ".new";
        File.WriteAllText(staged, text);
        File.Move(staged, cluster.ConfigPath, overwrite: true);
    }

    private static int LineOf(string text, string fragment) =>
        text.Split('\n').Select((line, index) => (line, index)).First(l => l.line.Contains(fragment, StringComparison.Ordinal)).index + 1;
}
