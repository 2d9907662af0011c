using System.Diagnostics.Metrics;

namespace SecretSync.Daemon.Sync;

/// <summary>The daemon's own instruments; exposed on <c>/metrics</c> by the OpenTelemetry Prometheus exporter (see <c>Telemetry</c>).</summary>
internal sealed class SyncMetrics : IDisposable
{
    public const string MeterName = "SecretSync.Daemon";

    // Seconds to minutes: a rotation reaches its Secrets within a poll interval or two, not within milliseconds.
    private static readonly double[] PropagationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
    private readonly Meter _meter = new(MeterName);

    public SyncMetrics(
        Func<int> managedSecrets, Func<int> queueDepth, Func<double?> lastSuccessfulSync, Func<int> brakeEngaged, Func<int> isLeader,
        Func<int> deletionsHeld, Func<int> notConverged, Func<IEnumerable<(string Provider, bool Up)>> providersUp)
    {
        Syncs = _meter.CreateCounter<long>("secretsync_syncs", description: "Secret sync actions by action and outcome.");
        PropagationSeconds = _meter.CreateHistogram<double>(
            "secretsync_rotation_propagation_seconds",
            "s",
            "Seconds from a source version's creation to the Secret write that carries it.",
            tags: null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = PropagationBuckets });
        ProviderChecks = _meter.CreateCounter<long>("secretsync_provider_version_checks", description: "Batch version checks (poll cycles) by provider and result.");
        _meter.CreateObservableGauge("secretsync_managed_secrets", managedSecrets, description: "Managed Secrets in the cluster.");
        _meter.CreateObservableGauge("secretsync_queue_depth", queueDepth, description: "Work items waiting in the queue.");
        _meter.CreateObservableGauge("secretsync_revocation_brake_engaged", brakeEngaged, description: "1 while the delete guard holds deletions.");
        _meter.CreateObservableGauge("secretsync_deletions_held", deletionsHeld, description: "Revocations and prunes the delete guard holds.");
        _meter.CreateObservableGauge("secretsync_targets_not_converged", notConverged, description: "Desired targets that do not carry their source yet: failing, in conflict, or not written.");
        _meter.CreateObservableGauge(
            "secretsync_provider_up",
            () => providersUp().Select(p => new Measurement<int>(p.Up ? 1 : 0, new KeyValuePair<string, object?>("provider", p.Provider))),
            description: "1 while the provider's last version check or read succeeded.");
        _meter.CreateObservableGauge("secretsync_leader", isLeader, description: "1 while this instance is the leader that writes.");
        _meter.CreateObservableGauge(
            "secretsync_last_successful_sync_timestamp_seconds",
            () => lastSuccessfulSync() is { } seconds ? [new Measurement<double>(seconds)] : Array.Empty<Measurement<double>>(),
            "s",
            "Unix time a cycle last ended with every provider answering and no target failing.");
    }

    public Counter<long> Syncs { get; }

    public Histogram<double> PropagationSeconds { get; }

    public Counter<long> ProviderChecks { get; }

    public void Sync(string action, string outcome) => Syncs.Add(1, new("action", action), new("outcome", outcome));

    public void Dispose() => _meter.Dispose();
}
