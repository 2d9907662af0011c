using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SecretSync.Audit;
using SecretSync.Core.Audit;
using SecretSync.Core.Configuration;
using SecretSync.Core.Model;
using SecretSync.Core.Providers;
using SecretSync.Core.Rendering;
using SecretSync.Daemon.Leadership;
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
        await using var sync = new ServiceCollection()
            .AddSingleton(kube)
            .AddSingleton(registry)
            .AddSingleton(audit)
            .AddSingleton(runtime)
            .AddSingleton(time)
            .AddSingleton(loggers)
            .AddSingleton(typeof(ILogger<>), typeof(Logger<>))
            .AddSyncEngine(new ContentHasher(key), new LeaseApprovals(kube.Leases, leaseNamespace, initialConfig.LeaderElection.LeaseName))
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        runtime.Sync = sync.GetRequiredService<SyncHealth>();
        _ = sync.GetRequiredService<SyncMetrics>();
        var cluster = sync.GetRequiredService<ClusterState>();
        var watch = sync.GetRequiredService<ClusterWatch>();
        var config = sync.GetRequiredService<ConfigApplier>();
        await config.ApplyAsync(initialConfig, AuditTriggers.Startup);
        audit.Record(AuditActions.ConfigLoaded, AuditOutcomes.Success, e => e with { Trigger = AuditTriggers.Startup, Detail = $"loaded {configFile.Path}" });

        var namespacesSynced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var secretsSynced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var watches = Task.WhenAll(
            ReflectAsync(kube.Namespaces.ReflectAsync(null, null, stoppingToken), watch.OnNamespaceEvent, namespacesSynced),
            ReflectAsync(kube.Secrets.ReflectAsync(null, SecretWatch, stoppingToken), watch.OnSecretEvent, secretsSynced),
            configFile.WatchAsync(result => OnConfigChangedAsync(config, result), stoppingToken));

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
            await elector.RunAsync(term => LeadAsync(sync, term), stoppingToken);
        }
        else
        {
            await LeadAsync(sync, stoppingToken);
        }

        await watches;
    }

    private static async Task LeadAsync(IServiceProvider sync, CancellationToken term)
    {
        await using var scope = sync.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<LeadershipTerm>().RunAsync(term);
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

    private async Task OnConfigChangedAsync(ConfigApplier config, ConfigResult result)
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
                await config.ApplyAsync(valid.Config, AuditTriggers.Config);
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
