using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SecretSync.Audit;
using SecretSync.Core.Audit;
using SecretSync.Core.Configuration;
using SecretSync.Core.Model;
using SecretSync.Core.Providers;
using SecretSync.Core.Rendering;
using SecretSync.Daemon.Leadership;
using SecretSync.Daemon.Queue;
using SecretSync.Daemon.Restarts;
using SecretSync.Daemon.Sync;
using SecretSync.Kubernetes.Client;
using SecretSync.Kubernetes.Errors;
using SecretSync.Kubernetes.Watch;

namespace SecretSync.Daemon.Hosting;

/// <summary>The daemon's main loop: watches, leadership, the work queue, poll schedules and change streams.</summary>
internal sealed class SyncService(
    DaemonOptions options,
    SyncConfig initialConfig,
    ConfigFile configFile,
    KubernetesClient kube,
    ProviderRegistry registry,
    AuditTrail audit,
    AuditSinks auditSinks,
    DaemonRuntime runtime,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILoggerFactory loggers) : BackgroundService
{
    private readonly ILogger _logger = loggers.CreateLogger<SyncService>();
    private volatile WorkQueue<WorkKey>? _queue;
    private volatile WorkloadRestarter? _restarter;
    private TaskCompletionSource _configChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            // Nothing is synced before the HTTP port is bound: a copy that cannot start (port in use) touches nothing.
            await WhenStartedAsync(stoppingToken);
            await RunAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // The host stops when this service fails; the process must then exit non-zero, so a supervisor sees a failure.
            runtime.Failure = ex;
            throw;
        }
        finally
        {
            await audit.FlushAsync(CancellationToken.None);
        }
    }

    private async Task WhenStartedAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(stoppingToken);
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var leaseNamespace = initialConfig.LeaderElection.Namespace ?? kube.DefaultNamespace;
        var key = await LoadInstallKeyAsync(leaseNamespace, stoppingToken);
        auditSinks.Start(audit, initialConfig, key);
        var cluster = new ClusterState(new ContentHasher(key));
        await using var providers = new ProviderConnections(registry);
        var status = new StatusBoard();
        var engine = default(SyncEngine);
        using var metrics = new SyncMetrics(
            () => cluster.ManagedCount,
            () => _queue?.Depth ?? 0,
            () => runtime.LastSuccessfulSync?.ToUnixTimeMilliseconds() / 1000.0,
            () => engine?.BrakeHolds == true ? 1 : 0,
            () => runtime.IsLeader ? 1 : 0,
            () => engine?.Deletions?.Held.Count ?? 0,
            () => runtime.IsLeader ? engine?.NotConverged ?? 0 : 0,
            () => runtime.IsLeader && engine is not null ? engine.UsedProviders().Select(p => (p, engine.IsProviderUp(p))) : []);
        using var restartMetrics = new RestartMetrics(() => _restarter?.PendingCount ?? 0, () => _restarter?.RestartingCount ?? 0);
        var approvals = new LeaseApprovals(kube.Leases, leaseNamespace, initialConfig.LeaderElection.LeaseName);
        engine = new SyncEngine(kube, cluster, providers, audit, status, metrics, approvals, time, loggers.CreateLogger<SyncEngine>());
        runtime.Engine = engine;
        await engine.ApplyConfigAsync(initialConfig, AuditTriggers.Startup);
        audit.Record(AuditActions.ConfigLoaded, AuditOutcomes.Success, e => e with { Trigger = AuditTriggers.Startup, Detail = $"loaded {configFile.Path}" });

        var namespacesSynced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var secretsSynced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var watches = Task.WhenAll(
            ReflectAsync(kube.Namespaces.ReflectAsync(null, null, stoppingToken), engine.OnNamespaceEvent, namespacesSynced),
            ReflectAsync(
                kube.Secrets.ReflectAsync(null, SecretWatch, stoppingToken),
                engine.OnSecretEvent,
                secretsSynced),
            configFile.WatchAsync(result => OnConfigChangedAsync(engine, result), stoppingToken));

        await Task.WhenAll(namespacesSynced.Task, secretsSynced.Task).WaitAsync(stoppingToken);
        runtime.CachesSynced = true;
        _logger.LogInformation("Watching {Namespaces} namespaces and {Secrets} managed Secrets.", cluster.Namespaces.Count, cluster.ManagedCount);

        var election = initialConfig.LeaderElection;
        if (election.Enabled)
        {
            var elector = new LeaderElector(
                kube.Leases, leaseNamespace, election.LeaseName, options.Instance,
                new LeaderElectionTimings(election.LeaseDuration, election.RenewDeadline, election.RetryPeriod),
                time, loggers.CreateLogger<LeaderElector>());
            await elector.RunAsync(term => LeadAsync(engine, providers, restartMetrics, term), stoppingToken);
        }
        else
        {
            await LeadAsync(engine, providers, restartMetrics, stoppingToken);
        }

        await watches;
    }

    /// <summary>One leadership term: only the leader reconciles, writes and restarts workloads.</summary>
    private async Task LeadAsync(SyncEngine engine, ProviderConnections providers, RestartMetrics restartMetrics, CancellationToken term)
    {
        var queue = new WorkQueue<WorkKey>(engine.Config?.Sync.Concurrency ?? 8, time);
        engine.Enqueue = queue.Enqueue;
        _queue = queue;
        var restarter = new WorkloadRestarter(
            kube, secret => ManagedKeyDigests(engine.Cluster, secret), audit, restartMetrics,
            () => engine.Config?.Restarts ?? new RestartSettings(), time, loggers.CreateLogger<WorkloadRestarter>());
        engine.Rotations = restarter;
        _restarter = restarter;
        var restarting = restarter.RunAsync(term);
        runtime.LeadingSince = time.GetUtcNow();
        runtime.IsLeader = true;
        var workers = queue.RunAsync(engine.HandleAsync, term);
        try
        {
            engine.RefreshDesired(AuditTriggers.Startup);
            engine.ScheduleFullSync(AuditTriggers.Startup);
            await WaitIdleAsync(queue, term);
            engine.NoteCycle();
            runtime.FirstSyncDone = true;
            if (runtime.ConvergedThisTerm)
            {
                _logger.LogInformation("First full sync done: {Secrets} managed Secrets.", engine.Cluster.ManagedCount);
            }
            else
            {
                _logger.LogWarning("First full pass finished without converging: {Readiness}. Not ready until it converges; the last good Secrets stay.", runtime.Readiness);
            }

            while (!term.IsCancellationRequested)
            {
                var changed = _configChanged.Task;
                using var streams = CancellationTokenSource.CreateLinkedTokenSource(term);
                await using var schedule = await PollSchedule.StartAsync(engine, engine.Config!.Providers.Keys, term);
                var watchers = providers.All.Where(p => p.Source is ISourceWatcher)
                    .Select(p => FollowChangesAsync(engine, p.Name, (ISourceWatcher)p.Source, streams.Token)).ToList();
                await changed.WaitAsync(term);
                await streams.CancelAsync();
                await Task.WhenAll(watchers);
            }
        }
        catch (OperationCanceledException) when (term.IsCancellationRequested)
        {
        }
        finally
        {
            engine.Enqueue = (_, _) => { };
            engine.Rotations = null;
            runtime.IsLeader = false;
            runtime.FirstSyncDone = false;
            await workers;
            await restarting;
            _restarter = null;
        }
    }

    /// <summary>Loads the install key, waiting out an API server that is unavailable or throttling, as the watches do.</summary>
    /// <remarks>A replica restarted during an API outage must not exit over it (and lose minutes to a crash-loop back-off).</remarks>
    private async Task<byte[]> LoadInstallKeyAsync(string @namespace, CancellationToken stoppingToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await InstallKey.LoadAsync(initialConfig.Audit.HmacKey, options.InstallKeyFile, kube, @namespace, stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested && ex is HttpRequestException or TimeoutException
                or KubernetesApiException { Reason: KubernetesErrorReason.ServerError or KubernetesErrorReason.TooManyRequests })
            {
                var wait = TimeSpan.FromMilliseconds(Math.Min(10_000, 250 * Math.Pow(2, Math.Min(attempt, 6))));
                _logger.LogWarning("Cannot load the install key yet ({Error}); retrying in {Wait}.", ex.Message, wait);
                await Task.Delay(wait, time, stoppingToken);
            }
        }
    }

    /// <summary>Managed Secrets only, delivered a page at a time; a page counts as one entry, so at most 8 x 500 listed
    /// Secrets wait for the cache at once (the list pauses until it catches up).</summary>
    private static readonly ReflectorOptions SecretWatch = new()
    {
        LabelSelector = $"{Annotations.ManagedByLabel}={Annotations.ManagedByValue}",
        DeliverPages = true,
        ChannelCapacity = 8,
    };

    private static IReadOnlyDictionary<string, string>? ManagedKeyDigests(ClusterState cluster, NamespacedName secret) =>
        cluster.Find(secret) is { } entry && Annotations.IsManaged(entry.Secret.Labels) ? entry.KeyDigests : null;

    private static async Task WaitIdleAsync(WorkQueue<WorkKey> queue, CancellationToken cancellationToken)
    {
        var quiet = 0;
        while (quiet < 3)
        {
            await Task.Delay(20, cancellationToken);
            quiet = queue.Depth == 0 && queue.InFlight == 0 ? quiet + 1 : 0;
        }
    }

    private async Task FollowChangesAsync(SyncEngine engine, string provider, ISourceWatcher watcher, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var change in watcher.WatchAsync(cancellationToken))
            {
                switch (change)
                {
                    case SourceEvent.Connected:
                        engine.SetPushLive(provider, true);
                        _logger.LogInformation("Provider {Provider} pushes changes; scheduled polls rest.", provider);
                        engine.Enqueue(WorkKey.ForPoll(provider), AuditTriggers.Event);
                        break;
                    case SourceEvent.Lost lost:
                        if (engine.IsPushLive(provider))
                        {
                            _logger.LogInformation("Provider {Provider} change stream lost ({Reason}); polling.", provider, lost.Reason);
                        }

                        engine.SetPushLive(provider, false);
                        break;
                    case SourceEvent.Changed changed:
                        engine.OnSourceChanged(provider, changed.Path);
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            engine.SetPushLive(provider, false);
        }
    }

    private async Task OnConfigChangedAsync(SyncEngine engine, ConfigResult result)
    {
        switch (result)
        {
            case ConfigResult.Invalid invalid:
                _logger.LogError("Rejected configuration {Path}; the last good configuration stays in force:\n{Errors}", configFile.Path, invalid);
                audit.Record(AuditActions.ConfigRejected, AuditOutcomes.Failure, e => e with
                {
                    Trigger = AuditTriggers.Config,
                    Error = string.Join("; ", invalid.Errors.Take(10)),
                    Detail = "the last good configuration stays in force",
                });
                break;
            case ConfigResult.Valid valid:
                await engine.ApplyConfigAsync(valid.Config, AuditTriggers.Config);
                _restarter?.Reconfigure();
                var notes = (await auditSinks.ApplyAsync(audit, valid.Config)).ToList();
                var pending = RestartBound.Changed(initialConfig, valid.Config);
                if (pending.Count == 0)
                {
                    _logger.LogInformation("Reloaded configuration {Path}.", configFile.Path);
                }
                else
                {
                    notes.Add($"changes to {string.Join(", ", pending)} take effect only after a restart");
                    _logger.LogWarning(
                        "Reloaded configuration {Path}; everything else applies now, but changes to {Fields} take effect only after a restart (the running values stay in force).",
                        configFile.Path, string.Join(", ", pending));
                }

                audit.Record(AuditActions.ConfigLoaded, AuditOutcomes.Success, e => e with
                {
                    Trigger = AuditTriggers.Config,
                    Detail = string.Join("; ", [$"reloaded {configFile.Path}", .. notes]),
                });
                Interlocked.Exchange(ref _configChanged, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                break;
        }
    }

    private async Task ReflectAsync<T>(IAsyncEnumerable<ReflectorEvent<T>> events, Action<ReflectorEvent<T>> handle, TaskCompletionSource synced)
        where T : class, Kubernetes.Models.IKubernetesObject
    {
        try
        {
            await foreach (var change in events)
            {
                handle(change);
                if (change.Type == ReflectorEventType.Relisted)
                {
                    synced.TrySetResult();
                }
            }
        }
        catch (OperationCanceledException)
        {
            synced.TrySetCanceled();
        }
    }
}
