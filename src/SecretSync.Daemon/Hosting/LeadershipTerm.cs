using Microsoft.Extensions.Logging;
using SecretSync.Core.Audit;
using SecretSync.Core.Providers;
using SecretSync.Daemon.Queue;
using SecretSync.Daemon.Restarts;
using SecretSync.Daemon.Sync;

namespace SecretSync.Daemon.Hosting;

/// <summary>One leadership term: only the leader reconciles, writes and restarts workloads.</summary>
/// <remarks>
/// Built as a DI scope per term (see <see cref="SyncEngineServices"/>): its work queue, restarter, schedules and the
/// engine parts that write live and die with it, so nothing of a lost term can write after the next one began.
/// </remarks>
internal sealed class LeadershipTerm(
    WorkQueue<WorkKey> queue, IWorkSink work, WorkloadRestarter restarter, SyncEngine engine, PollSchedule schedule, CurrentTerm current,
    DesiredPlans plans, ConfigApplier config, ProviderConnections providers, ProviderHealth health, SyncHealth cycles,
    ClusterState cluster, DaemonRuntime runtime, TimeProvider time, ILogger<LeadershipTerm> logger)
{
    private static readonly TimeSpan IdleProbe = TimeSpan.FromMilliseconds(20);

    public async Task RunAsync(CancellationToken term)
    {
        var published = current.Begin(work, restarter);
        var restarting = restarter.RunAsync(term);
        runtime.LeadingSince = time.GetUtcNow();
        runtime.IsLeader = true;
        var workers = queue.RunAsync(engine.HandleAsync, term);
        try
        {
            await FirstSyncAsync(term);
            while (!term.IsCancellationRequested)
            {
                await FollowConfigurationAsync(term);
                restarter.Reconfigure();
            }
        }
        catch (OperationCanceledException) when (term.IsCancellationRequested)
        {
        }
        finally
        {
            published.Dispose();
            runtime.IsLeader = false;
            runtime.FirstSyncDone = false;
            await workers;
            await restarting;
        }
    }

    private async Task FirstSyncAsync(CancellationToken term)
    {
        engine.RefreshDesired(AuditTriggers.Startup);
        engine.ScheduleFullSync(AuditTriggers.Startup);
        await WaitIdleAsync(term);
        cycles.NoteCycle();
        runtime.FirstSyncDone = true;
        if (runtime.ConvergedThisTerm)
        {
            logger.LogInformation("First full sync done: {Secrets} managed Secrets.", cluster.ManagedCount);
        }
        else
        {
            logger.LogWarning("First full pass finished without converging: {Readiness}. Not ready until it converges; the last good Secrets stay.", runtime.Readiness);
        }
    }

    /// <summary>Runs poll schedules and change streams for the configuration in force, until the next one is installed.</summary>
    private async Task FollowConfigurationAsync(CancellationToken term)
    {
        var changed = config.NextApplied;
        using var streams = CancellationTokenSource.CreateLinkedTokenSource(term);
        Task[] running =
        [
            schedule.RunAsync(plans.Current?.Config.Providers.Keys ?? [], streams.Token),
            .. providers.All.Where(p => p.Source is ISourceWatcher).Select(p => FollowChangesAsync(p.Name, (ISourceWatcher)p.Source, streams.Token)),
        ];
        try
        {
            await changed.WaitAsync(term);
        }
        finally
        {
            await streams.CancelAsync();
            await Task.WhenAll(running);
        }
    }

    private async Task WaitIdleAsync(CancellationToken cancellationToken)
    {
        var quiet = 0;
        while (quiet < 3)
        {
            await Task.Delay(IdleProbe, cancellationToken);
            quiet = queue.Depth == 0 && queue.InFlight == 0 ? quiet + 1 : 0;
        }
    }

    private async Task FollowChangesAsync(string provider, ISourceWatcher watcher, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var change in watcher.WatchAsync(cancellationToken))
            {
                switch (change)
                {
                    case SourceEvent.Connected:
                        health.SetPushLive(provider, true);
                        logger.LogInformation("Provider {Provider} pushes changes; scheduled polls rest.", provider);
                        work.Enqueue(WorkKey.ForPoll(provider), AuditTriggers.Event);
                        break;
                    case SourceEvent.Lost lost:
                        if (health.IsPushLive(provider))
                        {
                            logger.LogInformation("Provider {Provider} change stream lost ({Reason}); polling.", provider, lost.Reason);
                        }

                        health.SetPushLive(provider, false);
                        break;
                    case SourceEvent.Changed changed:
                        engine.OnSourceChanged(provider, changed.Path, AuditTriggers.Event);
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            health.SetPushLive(provider, false);
        }
    }
}
