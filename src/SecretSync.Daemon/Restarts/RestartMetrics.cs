using System.Diagnostics.Metrics;

namespace SecretSync.Daemon.Restarts;

/// <summary>The restarter's instruments, exposed on <c>/metrics</c>; one set for the process, whichever term is leading.</summary>
internal sealed class RestartMetrics : IDisposable
{
    public const string MeterName = "SecretSync.Daemon.Restarts";
    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _restarts;
    private readonly Counter<long> _failures;

    public RestartMetrics(Func<int> pending, Func<int> restarting)
    {
        _restarts = _meter.CreateCounter<long>("secretsync_workload_restarts", description: "Workload rollout restarts issued after rotations, by kind.");
        _failures = _meter.CreateCounter<long>("secretsync_workload_restart_failures", description: "Workload restarts the API server refused or did not answer, by kind.");
        _meter.CreateObservableGauge("secretsync_workload_restarts_pending", pending, description: "Workloads waiting for their debounce window, their rollout or a free slot.");
        _meter.CreateObservableGauge("secretsync_workload_restarts_in_progress", restarting, description: "Workloads restarted whose rollout has not finished.");
    }

    public void Restarted(WorkloadKind kind) => _restarts.Add(1, new KeyValuePair<string, object?>("kind", kind.ToString()));

    public void Failed(WorkloadKind kind) => _failures.Add(1, new KeyValuePair<string, object?>("kind", kind.ToString()));

    public void Dispose() => _meter.Dispose();
}
