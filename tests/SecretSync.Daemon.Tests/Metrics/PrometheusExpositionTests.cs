using System.Diagnostics.Metrics;
using SecretSync.Daemon.Metrics;

namespace SecretSync.Daemon.Tests.Metrics;

public sealed class PrometheusExpositionTests
{
    [Fact]
    public void Counter_IsExposedAsTotalPerLabelSet()
    {
        using var meter = new Meter("SecretSync.Test.Counter." + Guid.NewGuid().ToString("N"));
        using var exposition = new PrometheusExposition();
        var syncs = meter.CreateCounter<long>("secretsync_syncs", description: "Secret syncs by action and outcome.");

        syncs.Add(2, new("action", "created"), new("outcome", "success"));
        syncs.Add(1, new("outcome", "success"), new("action", "created"));
        syncs.Add(1, new("action", "updated"), new("outcome", "failure"));

        var text = exposition.Render();

        Assert.Contains("# TYPE secretsync_syncs_total counter", text, StringComparison.Ordinal);
        Assert.Contains("secretsync_syncs_total{action=\"created\",outcome=\"success\"} 3\n", text, StringComparison.Ordinal);
        Assert.Contains("secretsync_syncs_total{action=\"updated\",outcome=\"failure\"} 1\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Histogram_HasCumulativeBucketsSumAndCount()
    {
        using var meter = new Meter("SecretSync.Test.Histogram." + Guid.NewGuid().ToString("N"));
        using var exposition = new PrometheusExposition();
        var latency = meter.CreateHistogram<double>("secretsync_rotation_propagation_seconds");

        latency.Record(0.2);
        latency.Record(3);

        var text = exposition.Render();

        Assert.Contains("# TYPE secretsync_rotation_propagation_seconds histogram", text, StringComparison.Ordinal);
        Assert.Contains("secretsync_rotation_propagation_seconds_bucket{le=\"0.1\"} 0\n", text, StringComparison.Ordinal);
        Assert.Contains("secretsync_rotation_propagation_seconds_bucket{le=\"0.25\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("secretsync_rotation_propagation_seconds_bucket{le=\"5\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("secretsync_rotation_propagation_seconds_bucket{le=\"+Inf\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("secretsync_rotation_propagation_seconds_sum 3.2\n", text, StringComparison.Ordinal);
        Assert.Contains("secretsync_rotation_propagation_seconds_count 2\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ObservableGauge_IsSampledAtRender()
    {
        using var meter = new Meter("SecretSync.Test.Gauge." + Guid.NewGuid().ToString("N"));
        using var exposition = new PrometheusExposition();
        var depth = 4;
        meter.CreateObservableGauge("secretsync_queue_depth", () => depth);

        Assert.Contains("secretsync_queue_depth 4\n", exposition.Render(), StringComparison.Ordinal);
        depth = 0;
        Assert.Contains("secretsync_queue_depth 0\n", exposition.Render(), StringComparison.Ordinal);
    }

    [Fact]
    public void LabelValues_AreEscaped()
    {
        using var meter = new Meter("SecretSync.Test.Escape." + Guid.NewGuid().ToString("N"));
        using var exposition = new PrometheusExposition();
        meter.CreateCounter<long>("secretsync_errors").Add(1, new KeyValuePair<string, object?>("reason", "bad \"quote\"\nline"));

        Assert.Contains("secretsync_errors_total{reason=\"bad \\\"quote\\\"\\nline\"} 1", exposition.Render(), StringComparison.Ordinal);
    }

    [Fact]
    public void ForeignMeters_AreIgnored()
    {
        using var meter = new Meter("Other.Library");
        using var exposition = new PrometheusExposition();
        meter.CreateCounter<long>("foreign_requests").Add(1);

        Assert.DoesNotContain("foreign_requests", exposition.Render(), StringComparison.Ordinal);
    }
}
