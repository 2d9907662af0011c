using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using SecretSync.Audit;
using SecretSync.Core.Audit;
using SecretSync.Core.Configuration;
using SecretSync.Core.Model;
using SecretSync.Core.Resilience;
using SecretSync.Kubernetes.Client;
using SecretSync.Kubernetes.Errors;
using SecretSync.Kubernetes.Models;
using SecretSync.Kubernetes.Watch;

namespace SecretSync.Daemon.Restarts;

/// <summary>Restarts opted-in workloads after a rotation changed a key they use: debounced, capped, idempotent.</summary>
/// <remarks>
/// Runs for one leadership term. Watches Deployments, StatefulSets and DaemonSets cluster-wide, keeping only those
/// annotated <see cref="Annotations.RestartOnRotate"/>. A restart is a strategic-merge patch of one pod-template
/// annotation, <see cref="Annotations.RestartedFor"/>, to per-Secret digests of the key HMACs now in force, under the
/// resourceVersion just read: the controller then rolls the pods. A workload whose annotation already carries the
/// current digests is not restarted, so a new leader, a daemon restart or an unchanged re-sync restarts nothing; at the
/// start of a term a workload whose recorded digests are behind the cluster's (a restart the previous leader still owed)
/// is restarted once. Nothing here reads or writes a value.
/// </remarks>
internal sealed class WorkloadRestarter : IRotationListener
{
    /// <summary>A restart the API server keeps refusing is given up after this many attempts.</summary>
    public const int MaxAttempts = 5;

    private static readonly TimeSpan ConflictPause = TimeSpan.FromSeconds(1);

    // 2 s after the first refusal, doubling to 5 minutes: a refused patch is retried while the API server recovers.
    private static readonly Backoff FailedRestart = new(TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(5));

    private readonly KubernetesClient _kube;
    private readonly Func<NamespacedName, IReadOnlyDictionary<string, string>?> _keyDigests;
    private readonly AuditTrail _audit;
    private readonly RestartMetrics _metrics;
    private readonly Func<RestartSettings> _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<WorkloadKey, WorkloadInfo> _workloads = [];
    private readonly Dictionary<string, HashSet<WorkloadKey>> _byNamespace = new(StringComparer.Ordinal);
    private readonly HashSet<WorkloadKind> _synced = [];
    private readonly List<(SecretRotation Rotation, DateTimeOffset At)> _rotations = [];
    private readonly RestartScheduler _scheduler;
    private DateTimeOffset? _lookedAt;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <param name="kube">The API client.</param>
    /// <param name="keyDigests">Per-key digests of a managed Secret as last observed, or null when it is not a managed Secret.</param>
    /// <param name="audit">Where <c>restarted</c> and <c>failed</c> events go.</param>
    /// <param name="metrics">The restart counters.</param>
    /// <param name="settings">The restart settings in force (read on every pass, so a reload applies at once).</param>
    /// <param name="time">The clock for debounce windows and rollout timeouts.</param>
    /// <param name="logger">The log.</param>
    public WorkloadRestarter(
        KubernetesClient kube, Func<NamespacedName, IReadOnlyDictionary<string, string>?> keyDigests, AuditTrail audit, RestartMetrics metrics,
        Func<RestartSettings> settings, TimeProvider time, ILogger<WorkloadRestarter> logger)
    {
        _kube = kube;
        _keyDigests = keyDigests;
        _audit = audit;
        _metrics = metrics;
        _settings = settings;
        _time = time;
        _logger = logger;
        _scheduler = new RestartScheduler(time);
    }

    public int PendingCount
    {
        get
        {
            lock (_gate)
            {
                return _scheduler.PendingCount;
            }
        }
    }

    public int RestartingCount
    {
        get
        {
            lock (_gate)
            {
                return _scheduler.RestartingCount;
            }
        }
    }

    /// <summary>True once every workload kind has been listed in the current session.</summary>
    public bool Synced
    {
        get
        {
            lock (_gate)
            {
                return _synced.Count == 3;
            }
        }
    }

    /// <summary>The clock's time when the caches were last synced and the pending restarts last looked at, so a test that moved
    /// the clock can tell the restarter has seen the new time.</summary>
    internal DateTimeOffset? LookedAt
    {
        get
        {
            lock (_gate)
            {
                return _lookedAt;
            }
        }
    }

    /// <inheritdoc />
    public void OnRotated(SecretRotation rotation)
    {
        ArgumentNullException.ThrowIfNull(rotation);
        lock (_gate)
        {
            _rotations.Add((rotation, _time.GetUtcNow()));
        }

        Wake();
    }

    /// <summary>The configuration was reloaded: settings are read again, and restarts start or stop per <c>enabled</c>.</summary>
    public void Reconfigure() => Wake();

    /// <summary>Runs until the term ends.</summary>
    public async Task RunAsync(CancellationToken term)
    {
        try
        {
            while (!term.IsCancellationRequested)
            {
                if (!_settings().Enabled)
                {
                    await WaitAsync(null, term);
                    continue;
                }

                await RunSessionAsync(term);
            }
        }
        catch (OperationCanceledException) when (term.IsCancellationRequested)
        {
        }
    }

    private async Task RunSessionAsync(CancellationToken term)
    {
        using var session = CancellationTokenSource.CreateLinkedTokenSource(term);
        var options = new ReflectorOptions { OnError = e => _logger.LogWarning("Workload watch failed; it resumes: {Error}", e.Message) };
        var watches = Task.WhenAll(
            FollowAsync(_kube.Deployments.ReflectAsync(null, options, session.Token), WorkloadKind.Deployment),
            FollowAsync(_kube.StatefulSets.ReflectAsync(null, options, session.Token), WorkloadKind.StatefulSet),
            FollowAsync(_kube.DaemonSets.ReflectAsync(null, options, session.Token), WorkloadKind.DaemonSet));
        var running = new List<Task>();
        try
        {
            var caughtUp = false;
            while (_settings().Enabled)
            {
                var settings = _settings();
                IReadOnlyList<RestartPlan> plans = [];
                DateTimeOffset? wake;
                lock (_gate)
                {
                    if (_synced.Count == 3)
                    {
                        if (!caughtUp)
                        {
                            CatchUp(settings);
                            caughtUp = true;
                        }

                        foreach (var (rotation, at) in _rotations)
                        {
                            Resolve(rotation, at, settings);
                        }

                        _rotations.Clear();
                        _lookedAt = _time.GetUtcNow();
                        plans = _scheduler.TakeReady(settings, key => _workloads.GetValueOrDefault(key), Owed);
                    }

                    wake = _scheduler.NextWake(settings);
                }

                running.RemoveAll(t => t.IsCompleted);
                running.AddRange(plans.Select(plan => RestartAsync(plan, session.Token)));
                await WaitAsync(wake, term);
            }
        }
        finally
        {
            await session.CancelAsync();
            await Task.WhenAll(running);
            try
            {
                await watches;
            }
            catch (OperationCanceledException)
            {
            }

            lock (_gate)
            {
                _workloads.Clear();
                _byNamespace.Clear();
                _synced.Clear();
                _rotations.Clear();
                _scheduler.Clear();
            }
        }
    }

    private async Task FollowAsync<T>(IAsyncEnumerable<ReflectorEvent<T>> events, WorkloadKind kind)
        where T : class, IWorkload
    {
        await foreach (var change in events)
        {
            lock (_gate)
            {
                switch (change.Type)
                {
                    case ReflectorEventType.Relisted:
                        foreach (var stale in _workloads.Keys.Where(k => k.Kind == kind).ToList())
                        {
                            Forget(stale);
                        }

                        foreach (var item in change.Items)
                        {
                            Remember(item);
                        }

                        _synced.Add(kind);
                        break;
                    case ReflectorEventType.Deleted:
                        Forget(new WorkloadKey(kind, change.Object!.Metadata.Namespace ?? "", change.Object.Metadata.Name ?? ""));
                        break;
                    default:
                        Remember(change.Object!);
                        break;
                }
            }

            Wake();
        }

        void Remember(T item)
        {
            if (WorkloadReader.Read(item) is { } info)
            {
                _workloads[info.Key] = info;
                if (!_byNamespace.TryGetValue(info.Key.Namespace, out var keys))
                {
                    _byNamespace[info.Key.Namespace] = keys = [];
                }

                keys.Add(info.Key);
            }
            else
            {
                Forget(new WorkloadKey(kind, item.Metadata.Namespace ?? "", item.Metadata.Name ?? ""));
            }
        }
    }

    private void Forget(WorkloadKey key)
    {
        _workloads.Remove(key);
        if (_byNamespace.TryGetValue(key.Namespace, out var keys) && keys.Remove(key) && keys.Count == 0)
        {
            _byNamespace.Remove(key.Namespace);
        }
    }

    /// <summary>Schedules the workloads of the rotated Secret's namespace that use one of its changed keys.</summary>
    private void Resolve(SecretRotation rotation, DateTimeOffset at, RestartSettings settings)
    {
        if (!_byNamespace.TryGetValue(rotation.Secret.Namespace, out var keys))
        {
            return;
        }

        foreach (var key in keys)
        {
            if (!_workloads[key].Uses.TryGetValue(rotation.Secret.Name, out var use))
            {
                continue;
            }

            var used = rotation.ChangedKeys.Where(use.Uses).ToList();
            if (used.Count > 0)
            {
                _scheduler.Add(key, new RestartCause(rotation.Secret.Name, rotation.Provider, rotation.Source, rotation.Version, rotation.PreviousVersion, used, rotation.Trigger),
                    settings.Debounce, at);
            }
        }
    }

    /// <summary>At the start of a session: workloads restarted before whose recorded digests no longer match (a restart owed).</summary>
    private void CatchUp(RestartSettings settings)
    {
        foreach (var workload in _workloads.Values.Where(w => w.RestartedFor.Count > 0))
        {
            foreach (var secret in workload.RestartedFor.Keys.Where(s => workload.Uses.ContainsKey(s)))
            {
                if (Owed(workload, [secret]))
                {
                    _scheduler.Add(workload.Key, new RestartCause(secret, null, null, null, null, [], AuditTriggers.Startup), settings.Debounce);
                }
            }
        }
    }

    /// <summary>Whether a workload runs older values of one of <paramref name="secrets"/> than the cluster holds now.</summary>
    private bool Owed(WorkloadInfo workload, IEnumerable<string> secrets)
    {
        foreach (var secret in secrets)
        {
            if (workload.Uses.TryGetValue(secret, out var use)
                && _keyDigests(new NamespacedName(workload.Key.Namespace, secret)) is { } keyDigests
                && RestartDigest.ForSecret(use, keyDigests) is { } digest
                && workload.RestartedFor.GetValueOrDefault(secret) != digest)
            {
                return true;
            }
        }

        return false;
    }

    private async Task RestartAsync(RestartPlan plan, CancellationToken cancellationToken)
    {
        var key = plan.Key;
        try
        {
            for (var attempt = 0; attempt < 3; attempt++)
            {
                // Fresh, not from the cache: another leader may have restarted it, or a rollout may have begun.
                var current = await GetAsync(key, cancellationToken);
                if (current is null || WorkloadReader.Read(current) is not { } workload)
                {
                    Settle(() => _scheduler.Release(key));
                    return;
                }

                string value;
                lock (_gate)
                {
                    if (!Owed(workload, plan.Causes.Select(c => c.Secret)))
                    {
                        _scheduler.Release(key);
                        return;
                    }

                    if (!workload.RolloutFinished)
                    {
                        _scheduler.Retry(plan, TimeSpan.Zero, failed: false);
                        return;
                    }

                    value = RestartDigest.Format(RestartDigest.ForWorkload(workload, secret => _keyDigests(new NamespacedName(key.Namespace, secret))));
                }

                var patch = KubernetesPatch.StrategicMerge(new JsonObject
                {
                    ["metadata"] = new JsonObject { ["resourceVersion"] = workload.ResourceVersion },
                    ["spec"] = new JsonObject
                    {
                        ["template"] = new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [Annotations.RestartedFor] = value } } },
                    },
                });
                IWorkload patched;
                try
                {
                    patched = await PatchAsync(key, patch, cancellationToken);
                }
                catch (KubernetesApiException ex) when (ex.Reason == KubernetesErrorReason.Conflict)
                {
                    continue; // changed since we read it: read again
                }

                Settle(() => _scheduler.Restarted(key, patched.Metadata.Generation ?? workload.Generation + 1));
                _metrics.Restarted(key.Kind);
                Report(plan, value);
                return;
            }

            Settle(() => _scheduler.Retry(plan, ConflictPause, failed: false));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (KubernetesApiException ex) when (ex.Reason == KubernetesErrorReason.NotFound)
        {
            Settle(() => _scheduler.Release(key));
        }
        catch (Exception ex) when (ex is KubernetesApiException or HttpRequestException or TimeoutException or JsonException or IOException)
        {
            Fail(plan, ex);
        }
        finally
        {
            Wake();
        }
    }

    private void Fail(RestartPlan plan, Exception error)
    {
        var attempts = plan.Failures + 1;
        var retryAfter = (error as KubernetesApiException)?.RetryAfter;
        var gaveUp = attempts >= MaxAttempts;
        Settle(() =>
        {
            if (gaveUp)
            {
                _scheduler.Release(plan.Key);
            }
            else
            {
                _scheduler.Retry(plan, retryAfter ?? FailedRestart.DelayFor(attempts), failed: true);
            }
        });
        _metrics.Failed(plan.Key.Kind);
        var reason = error is KubernetesApiException api ? $"Kubernetes {api.Reason}: {api.Message}" : error.Message;
        _logger.LogWarning("Could not restart {Workload} (attempt {Attempt} of {Max}): {Error}", plan.Key, attempts, MaxAttempts, reason);
        if (attempts == 1 || gaveUp)
        {
            _audit.Record(AuditActions.Failed, AuditOutcomes.Failure, e => e with
            {
                Trigger = plan.Causes[0].Trigger,
                Namespace = plan.Key.Namespace,
                Secret = plan.Key.Display,
                Error = $"could not restart {plan.Key.Display}: {reason}",
                Detail = gaveUp
                    ? $"gave up after {attempts} attempts; the next rotation of {Secrets(plan)} tries again"
                    : $"restart for {Secrets(plan)} will be retried",
            });
        }
    }

    private void Report(RestartPlan plan, string value)
    {
        var key = plan.Key;
        var single = plan.Causes.Count == 1 ? plan.Causes[0] : null;
        _logger.LogInformation("Restarted {Workload} for {Secrets}.", key, Secrets(plan));
        _audit.Record(AuditActions.Restarted, AuditOutcomes.Success, e => e with
        {
            Trigger = plan.Causes[0].Trigger,
            Namespace = key.Namespace,
            Secret = key.Display,
            Provider = single?.Provider,
            Source = single?.Source,
            SourceVersion = single?.Version,
            PreviousVersion = single?.PreviousVersion,
            Detail = $"{key.Kind} {key.Name} restarted for {string.Join("; ", plan.Causes.Select(Describe))}; {Annotations.RestartedFor}={value}",
        });

        static string Describe(RestartCause cause) => cause.Version is null
            ? $"Secret {cause.Secret} (changed since the last restart)"
            : $"Secret {cause.Secret} ({cause.Source} version {cause.PreviousVersion ?? "?"} -> {cause.Version}, keys {string.Join(",", cause.Keys)})";
    }

    private static string Secrets(RestartPlan plan) => string.Join(", ", plan.Causes.Select(c => c.Secret));

    private void Settle(Action change)
    {
        lock (_gate)
        {
            change();
        }
    }

    private async Task<IWorkload?> GetAsync(WorkloadKey key, CancellationToken cancellationToken) => key.Kind switch
    {
        WorkloadKind.Deployment => await _kube.Deployments.TryGetAsync(key.Namespace, key.Name, cancellationToken),
        WorkloadKind.StatefulSet => await _kube.StatefulSets.TryGetAsync(key.Namespace, key.Name, cancellationToken),
        _ => await _kube.DaemonSets.TryGetAsync(key.Namespace, key.Name, cancellationToken),
    };

    private async Task<IWorkload> PatchAsync(WorkloadKey key, KubernetesPatch patch, CancellationToken cancellationToken) => key.Kind switch
    {
        WorkloadKind.Deployment => await _kube.Deployments.PatchAsync(key.Namespace, key.Name, patch, cancellationToken),
        WorkloadKind.StatefulSet => await _kube.StatefulSets.PatchAsync(key.Namespace, key.Name, patch, cancellationToken),
        _ => await _kube.DaemonSets.PatchAsync(key.Namespace, key.Name, patch, cancellationToken),
    };

    private static readonly TimeSpan MaxIdle = TimeSpan.FromSeconds(1);

    private void Wake() => _wake.Writer.TryWrite(true);

    /// <summary>Waits for a wake-up (a rotation, a workload change, a finished restart, a reload) or until <paramref name="until"/>.</summary>
    private async Task WaitAsync(DateTimeOffset? until, CancellationToken cancellationToken)
    {
        if (_wake.Reader.TryRead(out _))
        {
            return;
        }

        var delay = until - _time.GetUtcNow();
        if (delay is { } d && d <= TimeSpan.Zero)
        {
            return;
        }

        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var woken = _wake.Reader.WaitToReadAsync(wait.Token).AsTask();
        // Look again at least every second as well: a safety net so no missed wake-up can park pending restarts.
        var due = delay is { } d2 && d2 < MaxIdle ? d2 : MaxIdle;
        var timer = Task.Delay(due, _time, wait.Token);
        await Task.WhenAny(woken, timer);
        await wait.CancelAsync();
        cancellationToken.ThrowIfCancellationRequested();
        _wake.Reader.TryRead(out _);
    }
}
