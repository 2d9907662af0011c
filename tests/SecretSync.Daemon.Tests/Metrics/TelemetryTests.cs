using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SecretSync.Audit;
using SecretSync.Core.Audit;
using SecretSync.Daemon.Hosting;
using SecretSync.Daemon.Metrics;
using SecretSync.Daemon.Restarts;
using SecretSync.Daemon.Sync;
using SecretSync.Providers.Common;
using SecretSync.Testing;
using SecretSync.Testing.Cluster;

namespace SecretSync.Daemon.Tests.Metrics;

/// <summary>The meters are process-wide, so these run alone: another test's instruments would add to the same series.</summary>
[CollectionDefinition(nameof(TelemetryTests), DisableParallelization = true)]
public sealed class TelemetryCollection;

[Collection(nameof(TelemetryTests))]
public sealed class TelemetryTests
{
    [Fact]
    public async Task Scrape_OfTheDaemonsInstruments_ShowsTheNamesReadmeDocuments()
    {
        await using var endpoint = await ScrapeEndpoint.StartAsync();
        using var metrics = new SyncMetrics(
            managedSecrets: () => 4, queueDepth: () => 2, lastSuccessfulSync: () => 1_700_000_000, brakeEngaged: () => 1, isLeader: () => 1,
            deletionsHeld: () => 5, notConverged: () => 1, providersUp: () => [("vault-main", false), ("aws-main", true)]);
        using var restarts = new RestartMetrics(pending: () => 3, restarting: () => 1);
        metrics.Sync("created", "success");
        metrics.Sync("created", "success");
        metrics.PropagationSeconds.Record(0.2);
        metrics.PropagationSeconds.Record(3);
        metrics.ProviderChecks.Add(1, new("provider", "vault-main"), new("result", "unavailable"));
        restarts.Restarted(WorkloadKind.Deployment);
        restarts.Failed(WorkloadKind.StatefulSet);
        new ProviderMetrics(null).Record("vault-main", "read", "ok");

        var scrape = ResiliencePrometheus.Parse(await endpoint.ScrapeAsync());

        Assert.Equal("counter", scrape.Types["secretsync_syncs_total"]);
        Assert.Contains("secretsync_syncs_total{action=\"created\",outcome=\"success\"} 2", scrape.Text, StringComparison.Ordinal);
        Assert.Equal("counter", scrape.Types["secretsync_provider_version_checks_total"]);
        Assert.Contains("secretsync_provider_version_checks_total{provider=\"vault-main\",result=\"unavailable\"} 1", scrape.Text, StringComparison.Ordinal);
        Assert.Equal("counter", scrape.Types["secretsync_provider_requests_total"]);
        Assert.Contains("secretsync_provider_requests_total{operation=\"read\",provider=\"vault-main\",result=\"ok\"} 1", scrape.Text, StringComparison.Ordinal);
        Assert.Equal("histogram", scrape.Types["secretsync_rotation_propagation_seconds"]);
        Assert.Contains("secretsync_provider_up{provider=\"vault-main\"} 0", scrape.Text, StringComparison.Ordinal);
        Assert.Contains("secretsync_provider_up{provider=\"aws-main\"} 1", scrape.Text, StringComparison.Ordinal);
        Assert.Equal(4, scrape.Sum("secretsync_managed_secrets"));
        Assert.Equal(2, scrape.Sum("secretsync_queue_depth"));
        Assert.Equal(1, scrape.Sum("secretsync_revocation_brake_engaged"));
        Assert.Equal(5, scrape.Sum("secretsync_deletions_held"));
        Assert.Equal(1, scrape.Sum("secretsync_targets_not_converged"));
        Assert.Equal(1, scrape.Sum("secretsync_leader"));
        Assert.Equal(1_700_000_000, scrape.Sum("secretsync_last_successful_sync_timestamp_seconds"));
        Assert.Contains("secretsync_workload_restarts_total{kind=\"Deployment\"} 1", scrape.Text, StringComparison.Ordinal);
        Assert.Contains("secretsync_workload_restart_failures_total{kind=\"StatefulSet\"} 1", scrape.Text, StringComparison.Ordinal);
        Assert.Equal(3, scrape.Sum("secretsync_workload_restarts_pending"));
        Assert.Equal(1, scrape.Sum("secretsync_workload_restarts_in_progress"));
        var documented = ReadmeMetrics.Names();
        var undocumented = scrape.Types.Keys.Where(family => !documented.Contains(family)).ToList();
        Assert.True(undocumented.Count == 0, "exposed but not in README's metric table: " + string.Join(", ", undocumented));
    }

    [Fact]
    public async Task Histogram_HasTheSecondsBucketsSumAndCount()
    {
        await using var endpoint = await ScrapeEndpoint.StartAsync();
        using var metrics = Idle();
        metrics.PropagationSeconds.Record(0.2);
        metrics.PropagationSeconds.Record(3);

        var scrape = ResiliencePrometheus.Parse(await endpoint.ScrapeAsync());

        double Bucket(string le) => scrape.Sum("secretsync_rotation_propagation_seconds_bucket", l => l["le"] == le);
        Assert.Equal(0, Bucket("0.1"));
        Assert.Equal(1, Bucket("0.25"));
        Assert.Equal(2, Bucket("5"));
        Assert.Equal(2, Bucket("300"));
        Assert.Equal(2, Bucket("+Inf"));
        Assert.Equal(16, scrape.Samples.Count(s => s.Name == "secretsync_rotation_propagation_seconds_bucket"));
        Assert.Equal(3.2, scrape.Sum("secretsync_rotation_propagation_seconds_sum"), 9);
        Assert.Equal(2, scrape.Sum("secretsync_rotation_propagation_seconds_count"));
    }

    [Fact]
    public async Task ObservableGauge_IsSampledAtEveryScrape()
    {
        await using var endpoint = await ScrapeEndpoint.StartAsync();
        var depth = 4;
        using var metrics = new SyncMetrics(() => 0, () => depth, () => null, () => 0, () => 0, () => 0, () => 0, () => []);

        Assert.Equal(4, ResiliencePrometheus.Parse(await endpoint.ScrapeAsync()).Sum("secretsync_queue_depth"));
        depth = 0;
        var scrape = ResiliencePrometheus.Parse(await endpoint.ScrapeAsync());
        Assert.True(scrape.Has("secretsync_queue_depth"));
        Assert.Equal(0, scrape.Sum("secretsync_queue_depth"));
    }

    [Fact]
    public async Task LastSuccessfulSync_IsAbsentUntilACycleSucceeds()
    {
        await using var endpoint = await ScrapeEndpoint.StartAsync();
        using var metrics = Idle();

        var scrape = ResiliencePrometheus.Parse(await endpoint.ScrapeAsync());

        Assert.True(scrape.Has("secretsync_queue_depth"));
        Assert.False(scrape.Has("secretsync_last_successful_sync_timestamp_seconds"));
    }

    [Fact]
    public async Task AuditCounters_AreExposedWithTheirSinkLabel()
    {
        await using var endpoint = await ScrapeEndpoint.StartAsync();
        await using (var trail = new AuditTrail(new AuditIdentity("test", "test-0"), [], TimeProvider.System, NullLogger<AuditTrail>.Instance))
        {
            trail.Add("failing", new FailingSink());
            trail.Record(AuditActions.Created, AuditOutcomes.Success);
            await trail.FlushAsync(CancellationToken.None);
        }

        var scrape = ResiliencePrometheus.Parse(await endpoint.ScrapeAsync());

        Assert.True(scrape.Sum("secretsync_audit_events_total", l => l["action"] == AuditActions.Created) >= 1);
        Assert.True(scrape.Sum("secretsync_audit_sink_failures_total", l => l.ContainsKey("sink")) >= 1);
    }

    [Fact]
    public async Task LabelValues_AreEscaped()
    {
        await using var endpoint = await ScrapeEndpoint.StartAsync();
        using var meter = new Meter(SyncMetrics.MeterName);
        meter.CreateCounter<long>("secretsync_test_errors").Add(1, new KeyValuePair<string, object?>("reason", "bad \"quote\"\nline"));

        Assert.Contains("secretsync_test_errors_total{reason=\"bad \\\"quote\\\"\\nline\"} 1", await endpoint.ScrapeAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForeignMeters_AreNotExposed()
    {
        await using var endpoint = await ScrapeEndpoint.StartAsync();
        using var meter = new Meter("Other.Library");
        meter.CreateCounter<long>("foreign_requests").Add(1);

        var text = await endpoint.ScrapeAsync();

        Assert.DoesNotContain("foreign_requests", text, StringComparison.Ordinal);
        Assert.DoesNotContain("http_server", text, StringComparison.Ordinal);
    }

    private static SyncMetrics Idle() => new(() => 0, () => 0, () => null, () => 0, () => 0, () => 0, () => 0, () => []);

    private sealed class FailingSink : IAuditSink
    {
        public ValueTask WriteAsync(AuditEvent auditEvent, CancellationToken cancellationToken) => throw new IOException("sink down");
    }

    /// <summary>The daemon's registration and endpoints on a loopback port, without the sync service.</summary>
    private sealed class ScrapeEndpoint : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly HttpClient _http;

        private ScrapeEndpoint(WebApplication app, Uri address)
        {
            _app = app;
            _http = new HttpClient { BaseAddress = address };
        }

        public static async Task<ScrapeEndpoint> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Services.AddSecretSyncTelemetry("test-0", _ => null);
            var app = builder.Build();
            Endpoints.Map(app, new DaemonRuntime { Instance = "test-0" });
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new ScrapeEndpoint(app, new Uri(address));
        }

        public async Task<string> ScrapeAsync()
        {
            using var response = await _http.GetAsync(new Uri("/metrics", UriKind.Relative));
            response.EnsureSuccessStatusCode();
            var text = await response.Content.ReadAsStringAsync();
            if (text.Length > 0)
            {
                Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
            }

            return text;
        }

        public async ValueTask DisposeAsync()
        {
            _http.Dispose();
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
