using SecretSync.Audit.FileChain;
using SecretSync.Audit.Query;
using SecretSync.Core.Audit;
using SecretSync.Testing;
using SecretSync.Testing.Cluster;

namespace SecretSync.Integration.Tests.Audit;

/// <summary><c>audit.sinks</c> edited under a running daemon: an added sink gets the next events, a removed one stops, and the chain it writes is keyed.</summary>
public sealed class AuditSinkReloadTests
{
    private const string Bundle = """
        bundles:
          app:
            provider: vault-main
            namespaces: all
            secrets:
              - source: app/db
                target: db-credentials
        """;

    [Fact]
    public async Task AddingTheFileSinkOnReload_WritesTheNextEvents_AndRemovingItStopsIt()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Vault.WriteSecret("secret", "app/db", new Dictionary<string, object?> { ["password"] = "pw-sinks" });
        cluster.Namespace("app-0", bundles: "app");
        cluster.WriteConfig(Bundle);
        var chain = Path.Combine(cluster.Folder, "audit-chain");
        var daemon = cluster.StartDaemon();
        await daemon.WaitLeadingAsync();
        await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Created && e.Namespace == "app-0", "app-0 created before the reload");
        Assert.False(Directory.Exists(chain));

        Replace(cluster, $"{Bundle}\naudit:\n  sinks: [stdout, file]\n  file:\n    path: {chain}\n");
        var added = await daemon.WaitForAuditAsync(e => e.Action == AuditActions.ConfigLoaded && e.Trigger == AuditTriggers.Config, "config-loaded adding the file sink");
        cluster.Namespace("app-1", bundles: "app");
        await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Created && e.Namespace == "app-1", "app-1 created after the reload");

        Assert.Contains("audit sink file added", added.Detail, StringComparison.Ordinal);
        await Eventually.TrueAsync(() => Read(chain).Any(e => e.Action == AuditActions.Created && e.Namespace == "app-1"), "app-1's created event in the file chain");
        var key = ChainKey.FromKeyFile(cluster.WriteInstallKeyFile(cluster.Folder));
        var verification = new ChainedFileReader(chain).Verify(key);
        Assert.True(verification.IsAuthenticated, verification.FirstBreak?.ToString() ?? "not authenticated");

        Replace(cluster, $"{Bundle}\naudit:\n  sinks: [stdout]\n");
        await daemon.WaitForAuditCountAsync(e => e.Action == AuditActions.ConfigLoaded && e.Trigger == AuditTriggers.Config, 2, "config-loaded removing the file sink");
        cluster.Namespace("app-2", bundles: "app");
        await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Created && e.Namespace == "app-2", "app-2 created after the removal");

        Assert.Contains("audit sink file removed", daemon.Audit.Last(e => e.Action == AuditActions.ConfigLoaded).Detail, StringComparison.Ordinal);
        var written = Read(chain);
        Assert.Contains(written, e => e.Action == AuditActions.ConfigLoaded && e.Id == added.Id);
        Assert.DoesNotContain(written, e => e.Namespace == "app-2");
        Assert.True(new ChainedFileReader(chain).Verify(key).IsAuthenticated);
    }

    private static List<AuditEvent> Read(string chain) =>
        Directory.Exists(chain) ? [.. new ChainedFileReader(chain).QueryAsync(new AuditFilter(), CancellationToken.None).ToBlockingEnumerable()] : [];

    private static void Replace(TestCluster cluster, string bundlesAndRest)
    {
        // Written beside it and moved over it, so the daemon never reads half a file.
        var staged = cluster.ConfigPath + ".new";
        File.Copy(cluster.ConfigPath, staged, overwrite: true);
        var current = File.ReadAllText(staged);
        File.WriteAllText(staged, current[..current.IndexOf("bundles:", StringComparison.Ordinal)] + bundlesAndRest);
        File.Move(staged, cluster.ConfigPath, overwrite: true);
    }
}
