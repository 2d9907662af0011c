using System.Collections.Specialized;
using Quartz;
using SecretSync.Core.Audit;
using SecretSync.Daemon.Sync;

namespace SecretSync.Daemon.Hosting;

/// <summary>One Quartz job per provider that queues its batch version check every interval, with jitter.</summary>
/// <remarks>
/// Each run schedules the next one at <c>interval × (1 ± jitter)</c>, so a fleet of daemons restarted together
/// spreads its polls instead of hitting the authority in step. A provider whose change stream is live runs only
/// one scheduled check in <see cref="SyncEngine.PollsRestedWhilePushLive"/>, as a safety net for a missed event.
/// </remarks>
internal sealed class PollSchedule : IAsyncDisposable
{
    private const string EngineKey = "engine";
    private const string ProviderKey = "provider";
    private readonly StandaloneSchedulerFactory _factory;
    private readonly IScheduler _scheduler;

    private PollSchedule(StandaloneSchedulerFactory factory, IScheduler scheduler)
    {
        _factory = factory;
        _scheduler = scheduler;
    }

    public static async Task<PollSchedule> StartAsync(SyncEngine engine, IEnumerable<string> providers, CancellationToken cancellationToken)
    {
        var factory = QuartzSchedulerBuilder.Create(_ => { }).UseProperties(new NameValueCollection
        {
            ["quartz.scheduler.instanceName"] = "secretsync-polls-" + Guid.NewGuid().ToString("N"),
            ["quartz.threadPool.maxConcurrency"] = "2",
        }).Build();
        var scheduler = await factory.GetScheduler(cancellationToken);
        foreach (var provider in providers)
        {
            var job = JobBuilder.Create<PollJob>()
                .WithIdentity(provider, "poll")
                .UsingJobData(new JobDataMap { [EngineKey] = engine, [ProviderKey] = provider })
                .Build();
            await scheduler.ScheduleJob(job, NextTrigger(engine, provider), new ScheduleJobOptions(), cancellationToken);
        }

        await scheduler.Start(cancellationToken);
        return new PollSchedule(factory, scheduler);
    }

    public async ValueTask DisposeAsync()
    {
        await _scheduler.Shutdown(waitForJobsToComplete: false);
        await _factory.DisposeAsync();
    }

    private static ITrigger NextTrigger(SyncEngine engine, string provider)
    {
        var sync = engine.Config?.Sync ?? new Core.Configuration.SyncSettings();
        var spread = sync.Jitter * ((Random.Shared.NextDouble() * 2) - 1);
        var delay = TimeSpan.FromMilliseconds(Math.Max(100, sync.Interval.TotalMilliseconds * (1 + spread)));
        return TriggerBuilder.Create()
            .WithIdentity(provider + "-" + Guid.NewGuid().ToString("N"), "poll")
            .StartAt(TimeProvider.System.GetUtcNow().Add(delay)) // Quartz fires on the system clock.
            .Build();
    }

    [DisallowConcurrentExecution]
    private sealed class PollJob : IJob
    {
        public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
        {
            var engine = (SyncEngine)context.MergedJobDataMap[EngineKey]!;
            var provider = (string)context.MergedJobDataMap[ProviderKey]!;
            if (engine.ShouldPoll(provider))
            {
                engine.Enqueue(WorkKey.ForPoll(provider), AuditTriggers.Poll);
            }

            await context.Scheduler.RescheduleJob(context.Trigger.Key, NextTrigger(engine, provider).GetTriggerBuilder().ForJob(context.JobDetail).Build(), cancellationToken);
        }
    }
}
