using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SecretSync.Audit;
using SecretSync.Core.Configuration;
using SecretSync.Core.Model;
using SecretSync.Core.Rendering;
using SecretSync.Daemon.Queue;
using SecretSync.Daemon.Restarts;
using SecretSync.Daemon.Sync;
using SecretSync.Kubernetes.Client;

namespace SecretSync.Daemon.Hosting;

/// <summary>Composes the sync engine: what it knows as singletons, one leadership term as a scope.</summary>
internal static class SyncEngineServices
{
    /// <summary>Registers the engine. Expects <see cref="KubernetesClient"/>, <see cref="AuditTrail"/>, <see cref="Core.Providers.ProviderRegistry"/>,
    /// <see cref="DaemonRuntime"/>, <see cref="TimeProvider"/> and logging to be registered.</summary>
    /// <param name="services">The engine's container.</param>
    /// <param name="hasher">Keys content hashes and seals with the install key.</param>
    /// <param name="approvals">Where operators approve held deletions.</param>
    public static IServiceCollection AddSyncEngine(this IServiceCollection services, ContentHasher hasher, IDeletionApprovals approvals)
    {
        // Kept across terms: the cluster cache, what is known of sources and targets, the delete guard's window.
        services.AddSingleton(new ClusterState(hasher));
        services.AddSingleton(approvals);
        services.AddSingleton<ISecretStore, KubernetesSecretStore>();
        services.AddSingleton<IAuditRecorder>(sp => sp.GetRequiredService<AuditTrail>());
        services.AddSingleton<ProviderConnections>();
        services.AddSingleton<DesiredPlans>();
        services.AddSingleton<SourceBook>();
        services.AddSingleton<ProviderHealth>();
        services.AddSingleton<StatusBoard>();
        services.AddSingleton<TargetBook>();
        services.AddSingleton<AuditOnce>();
        services.AddSingleton<DeletionState>();
        services.AddSingleton<SyncHealth>();
        services.AddSingleton<CurrentTerm>();
        services.AddSingleton<ClusterWatch>();
        services.AddSingleton<ConfigApplier>();
        services.AddSingleton(Metrics);
        services.AddSingleton(sp => new RestartMetrics(
            () => sp.GetRequiredService<CurrentTerm>().Restarter?.PendingCount ?? 0,
            () => sp.GetRequiredService<CurrentTerm>().Restarter?.RestartingCount ?? 0));

        // One leadership term.
        services.AddScoped(sp => new WorkQueue<WorkKey>(sp.GetRequiredService<DesiredPlans>().Current?.Config.Sync.Concurrency ?? new SyncSettings().Concurrency, sp.GetRequiredService<TimeProvider>()));
        services.AddScoped<IWorkSink, TermWork>();
        services.AddScoped(Restarter);
        services.AddScoped<IRotationListener>(sp => sp.GetRequiredService<WorkloadRestarter>());
        services.AddScoped<SecretWriter>();
        services.AddScoped<SourceReconciler>();
        services.AddScoped<PollCycle>();
        services.AddScoped<DeletionPass>();
        services.AddScoped<DesiredReconciler>();
        services.AddScoped<SyncEngine>();
        services.AddScoped<PollSchedule>();
        services.AddScoped<LeadershipTerm>();
        return services;
    }

    private static SyncMetrics Metrics(IServiceProvider sp)
    {
        var cluster = sp.GetRequiredService<ClusterState>();
        var term = sp.GetRequiredService<CurrentTerm>();
        var health = sp.GetRequiredService<SyncHealth>();
        var runtime = sp.GetRequiredService<DaemonRuntime>();
        return new SyncMetrics(
            () => cluster.ManagedCount,
            () => term.QueueDepth,
            () => health.LastCleanSync?.ToUnixTimeMilliseconds() / 1000.0,
            () => health.BrakeHolds ? 1 : 0,
            () => runtime.IsLeader ? 1 : 0,
            () => health.Deletions?.Held.Count ?? 0,
            () => runtime.IsLeader ? health.NotConverged : 0,
            () => runtime.IsLeader ? health.UsedProviders().Select(p => (p, health.IsProviderUp(p))) : []);
    }

    private static WorkloadRestarter Restarter(IServiceProvider sp)
    {
        var cluster = sp.GetRequiredService<ClusterState>();
        var plans = sp.GetRequiredService<DesiredPlans>();
        return new WorkloadRestarter(
            sp.GetRequiredService<KubernetesClient>(),
            secret => cluster.Find(secret) is { } entry && Annotations.IsManaged(entry.Secret.Labels) ? entry.KeyDigests : null,
            sp.GetRequiredService<AuditTrail>(),
            sp.GetRequiredService<RestartMetrics>(),
            () => plans.Current?.Config.Restarts ?? new RestartSettings(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<WorkloadRestarter>>());
    }
}
