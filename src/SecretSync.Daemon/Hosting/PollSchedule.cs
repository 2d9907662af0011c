using SecretSync.Core.Audit;
using SecretSync.Core.Configuration;
using SecretSync.Daemon.Sync;

namespace SecretSync.Daemon.Hosting;

/// <summary>Queues each provider's batch version check every interval, with jitter, on the injected clock.</summary>
/// <remarks>
/// Each wait is <c>interval × (1 ± jitter)</c>, so a fleet of daemons restarted together spreads its polls instead of
/// hitting the authority in step. A provider whose change stream is live runs only one scheduled check in
/// <see cref="ProviderHealth.PollsRestedWhilePushLive"/>, as a safety net for a missed event.
/// </remarks>
internal sealed class PollSchedule(DesiredPlans plans, ProviderHealth health, IWorkSink work, TimeProvider time)
{
    /// <summary>The shortest wait between two scheduled polls of one provider, whatever the configuration.</summary>
    public static readonly TimeSpan MinimumWait = TimeSpan.FromMilliseconds(100);

    /// <summary>Polls every provider until <paramref name="cancellationToken"/> fires.</summary>
    public async Task RunAsync(IEnumerable<string> providers, CancellationToken cancellationToken)
    {
        try
        {
            await Task.WhenAll(providers.Select(p => PollAsync(p, cancellationToken)));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>The wait before the next scheduled poll; <paramref name="spread"/> is uniform in [-1, 1].</summary>
    public static TimeSpan NextWait(SyncSettings sync, double spread) =>
        TimeSpan.FromMilliseconds(Math.Max(MinimumWait.TotalMilliseconds, sync.Interval.TotalMilliseconds * (1 + (sync.Jitter * spread))));

    private async Task PollAsync(string provider, CancellationToken cancellationToken)
    {
        while (true)
        {
            var sync = plans.Current?.Config.Sync ?? new SyncSettings();
            await Task.Delay(NextWait(sync, (Random.Shared.NextDouble() * 2) - 1), time, cancellationToken);
            if (health.ShouldPoll(provider))
            {
                work.Enqueue(WorkKey.ForPoll(provider), AuditTriggers.Poll);
            }
        }
    }
}
