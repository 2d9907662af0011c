using SecretSync.Core.Audit;
using SecretSync.Testing;
using SecretSync.Testing.Cluster;

namespace SecretSync.Integration.Tests.Sync;

public sealed class NamespaceOptInTests
{
    private const string Bundles = """
        bundles:
          payments-db:
            provider: vault-main
            namespaces:
              matchLabels:
                team: payments
            secrets:
              - source: payments/db
                target: db-credentials
                keys:
                  user: username
        """;

    [Fact]
    public async Task Annotating_CreatesTheSecrets_AndRemovingTheAnnotation_PrunesThem()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Vault.WriteSecret("secret", "payments/db", new Dictionary<string, object?> { ["user"] = "app", ["password"] = "pw-opt-in-1" });
        cluster.Namespace("payments", new Dictionary<string, string> { ["team"] = "payments" });
        cluster.WriteConfig(Bundles);
        var daemon = cluster.StartDaemon();
        await daemon.WaitLeadingAsync();

        cluster.Annotate("payments", "payments-db");
        var created = await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Created, "created");

        Assert.Equal(("payments", "db-credentials", "1", AuditTriggers.Namespace), (created.Namespace, created.Secret, created.SourceVersion, created.Trigger));
        Assert.Equal("app", cluster.SecretValue("payments", "db-credentials", "username"));
        Assert.Equal("pw-opt-in-1", cluster.SecretValue("payments", "db-credentials", "password"));
        Assert.Equal("secretsync", cluster.Secret("payments", "db-credentials")!["metadata"]!["labels"]!["app.kubernetes.io/managed-by"]!.GetValue<string>());

        cluster.Annotate("payments", null);
        var pruned = await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Pruned, "pruned");

        Assert.Equal("db-credentials", pruned.Secret);
        await Eventually.TrueAsync(() => cluster.Secret("payments", "db-credentials") is null, "Secret deleted");
        Assert.DoesNotContain("pw-opt-in-1", daemon.StandardOutput + daemon.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SteadyState_MakesNoKubernetesWrites_AndOneVersionCheckPerDistinctSource()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Vault.WriteSecret("secret", "payments/db", new Dictionary<string, object?> { ["user"] = "app", ["password"] = "pw-steady" });
        for (var i = 0; i < 20; i++)
        {
            cluster.Namespace($"pay-{i}", new Dictionary<string, string> { ["team"] = "payments" }, "payments-db");
        }

        cluster.WriteConfig(Bundles, interval: "1s");
        var daemon = cluster.StartDaemon();
        await daemon.WaitLeadingAsync();
        await daemon.WaitForAuditCountAsync(e => e.Action == AuditActions.Created, 20, "20 Secrets created");
        await Eventually.TrueAsync(() => cluster.SecretWrites(r => r.Path.Contains("/namespaces/pay-", StringComparison.Ordinal)) == 20, "the 20 creates in the request log");

        var writesBefore = cluster.SecretWrites();
        var checksBefore = cluster.Vault.Requests.CountWhere(r => r.Verb == "metadata-read");
        var readsBefore = cluster.Vault.Requests.CountWhere(r => r.Verb == "read");
        await daemon.WaitForPollCyclesAsync(4);
        var checks = cluster.Vault.Requests.CountWhere(r => r.Verb == "metadata-read") - checksBefore;

        Assert.Equal(0, cluster.SecretWrites() - writesBefore);
        Assert.Equal(0, cluster.Vault.Requests.CountWhere(r => r.Verb == "read") - readsBefore);
        // One metadata read per cycle for the single distinct source, however many namespaces (a cycle may be under way at either end).
        Assert.InRange(checks, 3, 6);
    }
}
