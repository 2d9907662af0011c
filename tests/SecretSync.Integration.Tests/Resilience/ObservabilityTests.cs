using System.Text.Json;
using SecretSync.Core.Audit;
using SecretSync.Testing.Cluster;
using Xunit.Abstractions;

namespace SecretSync.Integration.Tests.Resilience;

/// <summary>What an operator scrapes and asks: <c>/metrics</c> in Prometheus text format and <c>/status</c> JSON, never a value.</summary>
public sealed class ObservabilityTests(ITestOutputHelper output)
{
    private static readonly string Bundles = SyncScenario.OpenBundle("app", ("app/db", "db-credentials"), ("app/api", "api-key"));

    private static readonly string[] Values = ["pw-metrics-v1", "pw-metrics-v2", "api-metrics-v1"];

    [Fact]
    public async Task MetricsAndStatus_AfterARotation_ShowTheRequiredSeriesAndVersions_AndNoValue()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Vault.WriteSecret("secret", "app/db", new Dictionary<string, object?> { ["password"] = Values[0] });
        cluster.Vault.WriteSecret("secret", "app/api", new Dictionary<string, object?> { ["key"] = Values[2] });
        cluster.Namespace("app-0", bundles: "app");
        cluster.Namespace("app-1", bundles: "app");
        cluster.WriteConfig(Bundles);
        var daemon = cluster.StartDaemon();
        await daemon.WaitLeadingAsync();
        await daemon.WaitForAuditCountAsync(e => e.Action == AuditActions.Created, 4, "4 Secrets created");
        var version = cluster.Vault.WriteSecret("secret", "app/db", new Dictionary<string, object?> { ["password"] = Values[1] });
        await daemon.WaitForAuditCountAsync(e => e.Action == AuditActions.Updated && e.SourceVersion == $"{version}", 2, "the rotation in both namespaces");
        await using var probe = new ResilienceProbe(daemon);

        var metrics = await probe.ScrapeAsync();
        output.WriteLine(metrics.Text);

        Assert.Equal("counter", metrics.Types["secretsync_syncs_total"]);
        Assert.True(metrics.Sum("secretsync_syncs_total", l => l["action"] == "created" && l["outcome"] == "success") >= 4);
        Assert.True(metrics.Sum("secretsync_syncs_total", l => l["action"] == "updated" && l["outcome"] == "success") >= 2);
        Assert.Equal("counter", metrics.Types["secretsync_provider_requests_total"]);
        Assert.True(metrics.Sum("secretsync_provider_requests_total", l => l["provider"] == "vault-main" && l.ContainsKey("operation") && l["result"] == "ok") > 0);
        Assert.Equal("counter", metrics.Types["secretsync_kubernetes_requests_total"]);
        Assert.True(metrics.Sum("secretsync_kubernetes_requests_total", l => l.ContainsKey("verb") && l.ContainsKey("code")) > 0);
        Assert.Equal("gauge", metrics.Types["secretsync_managed_secrets"]);
        Assert.Equal(4, metrics.Sum("secretsync_managed_secrets"));
        Assert.Equal("gauge", metrics.Types["secretsync_queue_depth"]);
        Assert.True(metrics.Has("secretsync_queue_depth"));
        Assert.Equal("histogram", metrics.Types["secretsync_rotation_propagation_seconds"]);
        Assert.True(metrics.Sum("secretsync_rotation_propagation_seconds_count") >= 2);
        Assert.True(metrics.Sum("secretsync_rotation_propagation_seconds_bucket", l => l["le"] == "+Inf") >= 2);
        Assert.Equal("gauge", metrics.Types["secretsync_last_successful_sync_timestamp_seconds"]);
        var lastSync = metrics.Sum("secretsync_last_successful_sync_timestamp_seconds");
        var now = TimeProvider.System.GetUtcNow().ToUnixTimeSeconds();
        Assert.InRange(lastSync, now - 300, now + 5);
        Assert.All(Values, v => Assert.DoesNotContain(v, metrics.Text, StringComparison.Ordinal));

        var (statusCode, body) = await probe.GetAsync("status");
        output.WriteLine(body);
        Assert.Equal(200, statusCode);
        Assert.All(Values, v => Assert.DoesNotContain(v, body, StringComparison.Ordinal));
        using var status = JsonDocument.Parse(body);
        var targets = status.RootElement.GetProperty("targets").EnumerateArray()
            .Select(t => (Ns: t.GetProperty("namespace").GetString(), Secret: t.GetProperty("secret").GetString(), Version: t.GetProperty("sourceVersion").GetString(),
                Source: t.GetProperty("source").GetString(), Error: t.TryGetProperty("lastError", out var e) ? e.GetString() : null))
            .OrderBy(t => t.Ns, StringComparer.Ordinal).ThenBy(t => t.Secret, StringComparer.Ordinal)
            .ToList();
        Assert.Equal(
            [("app-0", "api-key", "1", "app/api", null), ("app-0", "db-credentials", $"{version}", "app/db", null),
             ("app-1", "api-key", "1", "app/api", null), ("app-1", "db-credentials", $"{version}", "app/db", null)],
            targets.Select(t => (t.Ns, t.Secret, t.Version, t.Source, t.Error)));
        Assert.True(status.RootElement.GetProperty("leader").GetBoolean());
        Assert.DoesNotContain(Values[0], daemon.StandardOutput + daemon.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain(Values[1], daemon.StandardOutput + daemon.StandardError, StringComparison.Ordinal);
    }
}
