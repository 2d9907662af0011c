using SecretSync.Audit;
using SecretSync.Core.Configuration;

namespace SecretSync.Daemon.Sync;

/// <summary>Installs a validated configuration (start-up or reload): provider connections, a new plan generation, and the work it implies.</summary>
internal sealed class ConfigApplier(ProviderConnections providers, DesiredPlans plans, ClusterState cluster, ProviderHealth health, AuditTrail audit, CurrentTerm term)
{
    private TaskCompletionSource _applied = NewSignal();

    /// <summary>Completes when the next configuration is installed; a leadership term then restarts its schedules and streams.</summary>
    public Task NextApplied => Volatile.Read(ref _applied).Task;

    public async Task ApplyAsync(SyncConfig config, string trigger)
    {
        var reconnected = await providers.ApplyAsync(config.Providers);
        plans.Install(config, cluster.Namespaces);
        audit.Rename(config.Cluster);
        foreach (var provider in reconnected)
        {
            health.SetPushLive(provider, false);
        }

        term.Enqueue(WorkKey.Desired, trigger);
        Interlocked.Exchange(ref _applied, NewSignal()).TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
