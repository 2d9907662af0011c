using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using SecretSync.Audit;
using SecretSync.Core.Audit;
using SecretSync.Core.Configuration;
using SecretSync.Core.Desired;
using SecretSync.Core.Model;
using SecretSync.Core.Planning;
using SecretSync.Core.Providers;
using SecretSync.Core.Rendering;
using SecretSync.Core.Revocation;
using SecretSync.Daemon.Queue;
using SecretSync.Daemon.Restarts;
using SecretSync.Kubernetes.Client;
using SecretSync.Kubernetes.Errors;
using SecretSync.Kubernetes.Models;
using SecretSync.Kubernetes.Watch;

namespace SecretSync.Daemon.Sync;

/// <summary>Desired state for one configuration generation, indexed by source.</summary>
internal sealed record DesiredPlan(SyncConfig Config, DesiredState Desired, ILookup<SourceRef, DesiredTarget> BySource, int Generation)
{
    public static DesiredPlan For(SyncConfig config, IEnumerable<NamespaceInfo> namespaces, int generation)
    {
        var desired = DesiredState.Compute(config, namespaces);
        return new DesiredPlan(config, desired, desired.Targets.Values.ToLookup(t => t.Source), generation);
    }
}

/// <summary>What the daemon knows of one source between cycles: versions and decisions, never values.</summary>
internal sealed record SourceState(VersionResult? Last, RevocationDecision? Decision, int VerifiedGeneration, DateTimeOffset? Checked)
{
    public static SourceState Unknown { get; } = new(null, null, -1, null);

    public string? CurrentVersion => Last is VersionResult.Current current ? current.Version.Id : null;
}

/// <summary>The reconciler: turns desired state, source versions and the cluster cache into the fewest writes.</summary>
/// <remarks>
/// Rules it keeps (DESIGN §3): one provider read per distinct source per change, however many namespaces use it;
/// a Kubernetes write only when the keyed content hash or the source metadata differs; never touching a
/// Secret without the managed-by label; deleting only on the authority's positive evidence, decided per cycle
/// with every deletion (revocations and prunes) passing the delete guard; provider errors keep the last good Secret.
/// </remarks>
internal sealed class SyncEngine
{
    private readonly KubernetesClient _kube;
    private readonly AuditTrail _audit;
    private readonly ProviderConnections _providers;
    private readonly SyncMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<SourceRef, SourceState> _sources = new();
    private readonly ConcurrentDictionary<NamespacedName, string> _applied = new();
    private readonly ConcurrentDictionary<NamespacedName, byte> _deleting = new();
    private readonly ConcurrentDictionary<string, string> _reported = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _pushLive = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _restedPolls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _providerUp = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<NamespacedName, byte> _failing = new();
    private long _lastCleanSync = long.MinValue;
    private readonly DeleteGuard _guard;
    private readonly IDeletionApprovals _approvals;
    private DesiredPlan? _plan;
    private int _generation;
    private GuardVerdict? _verdict;
    private string? _ignoredApproval;

    public SyncEngine(
        KubernetesClient kube, ClusterState cluster, ProviderConnections providers, AuditTrail audit, StatusBoard status,
        SyncMetrics metrics, IDeletionApprovals approvals, TimeProvider time, ILogger<SyncEngine> logger)
    {
        _guard = new DeleteGuard(time);
        _approvals = approvals;
        _kube = kube;
        Cluster = cluster;
        _providers = providers;
        _audit = audit;
        Status = status;
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    /// <summary>Where work goes; set by the host before anything runs.</summary>
    public Action<WorkKey, string> Enqueue { get; set; } = (_, _) => { };

    public ClusterState Cluster { get; }

    /// <summary>Told of every write that changed the value of a key the Secret already had; set by the host while it leads.</summary>
    public IRotationListener? Rotations { get; set; }

    public StatusBoard Status { get; }

    public DesiredPlan? Plan => Volatile.Read(ref _plan);

    public SyncConfig? Config => Plan?.Config;

    /// <summary>The delete guard's last verdict; holding while <see cref="GuardVerdict.Holds"/>.</summary>
    public GuardVerdict? Deletions => Volatile.Read(ref _verdict);

    public bool BrakeHolds => Deletions?.Holds == true;

    /// <summary>When a cycle last ended with every provider answering and no target failing; null before the first.</summary>
    /// <remarks>Conflicts with unmanaged Secrets and denied requests are a tenant's doing, not failures, and do not count.</remarks>
    public DateTimeOffset? LastCleanSync => Interlocked.Read(ref _lastCleanSync) is var ticks && ticks == long.MinValue ? null : new DateTimeOffset(ticks, TimeSpan.Zero);

    /// <summary>Whether <paramref name="provider"/>'s last version check (or read) succeeded; false before its first.</summary>
    public bool IsProviderUp(string provider) => _providerUp.GetValueOrDefault(provider);

    /// <summary>Desired targets that do not carry their source yet: failing, in conflict, or not written so far.</summary>
    public int NotConverged => Plan is { } plan ? plan.Desired.Targets.Keys.Count(k => Status.FindTarget(k) is not { LastError: null, SourceVersion: not null }) : 0;

    /// <summary>Desired targets whose last write or read failed.</summary>
    public int Failing => _failing.Count;

    /// <summary>The providers that desired targets read from; an unused provider is never checked, so it is neither up nor down.</summary>
    public IReadOnlyList<string> UsedProviders() => Plan is { } plan ? UsedProviders(plan) : [];

    private static IReadOnlyList<string> UsedProviders(DesiredPlan plan) => [.. plan.Desired.Sources.Keys.Select(s => s.Provider).Distinct().Order(StringComparer.Ordinal)];

    /// <summary>Records the moment as a clean sync when every provider answers and no target is failing.</summary>
    public void NoteCycle()
    {
        if (Plan is { } plan && _failing.IsEmpty && UsedProviders(plan).All(IsProviderUp))
        {
            Interlocked.Exchange(ref _lastCleanSync, _time.GetUtcNow().UtcTicks);
        }
    }

    /// <summary>How often held deletions look again for an approval or for their cause to clear.</summary>
    public static readonly TimeSpan HoldRecheck = TimeSpan.FromSeconds(3);

    /// <summary>While a change stream is live, only every this many scheduled polls runs: a safety net for a missed event.</summary>
    public const int PollsRestedWhilePushLive = 10;

    /// <summary>Decides whether a scheduled poll of <paramref name="provider"/> runs now.</summary>
    /// <remarks>Every poll runs while the provider cannot push; while it can, one in <see cref="PollsRestedWhilePushLive"/>.</remarks>
    public bool ShouldPoll(string provider)
    {
        if (!IsPushLive(provider))
        {
            _restedPolls[provider] = 0;
            return true;
        }

        if (_restedPolls.AddOrUpdate(provider, 1, (_, rested) => rested + 1) < PollsRestedWhilePushLive)
        {
            return false;
        }

        _restedPolls[provider] = 0;
        return true;
    }

    /// <summary>True while a provider's change stream is connected, so its scheduled polls can rest.</summary>
    public bool IsPushLive(string provider) => _pushLive.GetValueOrDefault(provider);

    public void SetPushLive(string provider, bool live) => _pushLive[provider] = live;

    /// <summary>Installs a validated configuration (start-up or reload) and schedules what it changes.</summary>
    public async Task ApplyConfigAsync(SyncConfig config, string trigger)
    {
        var reconnected = await _providers.ApplyAsync(config.Providers);
        var generation = Interlocked.Increment(ref _generation);
        Volatile.Write(ref _plan, DesiredPlan.For(config, Cluster.Namespaces, generation));
        _audit.Rename(config.Cluster);
        foreach (var provider in reconnected)
        {
            _pushLive[provider] = false;
        }

        Enqueue(WorkKey.Desired, trigger);
    }

    /// <summary>Schedules a full pass: every provider's version check (which queues every source) and a prune.</summary>
    public void ScheduleFullSync(string trigger)
    {
        if (Plan is not { } plan)
        {
            return;
        }

        foreach (var provider in plan.Config.Providers.Keys)
        {
            Enqueue(WorkKey.ForPoll(provider), trigger);
        }

        Enqueue(WorkKey.Prune, trigger);
    }

    /// <summary>A provider pushed a change: forget the known version so the next reconcile reads.</summary>
    public void OnSourceChanged(string provider, string path)
    {
        var source = new SourceRef(provider, path);
        if (Plan?.Desired.Sources.ContainsKey(source) != true)
        {
            return;
        }

        _sources.AddOrUpdate(source, SourceState.Unknown, (_, state) => state with { Last = null });
        Enqueue(WorkKey.ForSource(source), AuditTriggers.Event);
    }

    /// <summary>Recomputes desired state now, without going through the queue.</summary>
    public void RefreshDesired(string trigger) => RecomputeDesired(trigger);

    public Task<WorkResult> HandleAsync(WorkKey key, string trigger, CancellationToken cancellationToken) => key.Kind switch
    {
        WorkKind.Source => ReconcileSourceAsync(key.Source, null, trigger, cancellationToken),
        WorkKind.Target => ReconcileSourceAsync(key.Source, key.Secret, trigger, cancellationToken),
        WorkKind.Poll => PollAsync(key.Provider, trigger, cancellationToken),
        WorkKind.Desired => Task.FromResult(RecomputeDesired(trigger)),
        WorkKind.Prune => PruneAsync(trigger, cancellationToken),
        _ => throw new ArgumentOutOfRangeException(nameof(key)),
    };

    // ---- watches -------------------------------------------------------------------------------------------

    public void OnNamespaceEvent(ReflectorEvent<Namespace> change)
    {
        var changed = change.Type switch
        {
            ReflectorEventType.Relisted => Cluster.ReplaceNamespaces(change.Items),
            ReflectorEventType.Deleted => Cluster.RemoveNamespace(change.Object!.Metadata.Name ?? ""),
            _ => Cluster.UpsertNamespace(change.Object!),
        };
        if (changed)
        {
            Enqueue(WorkKey.Desired, AuditTriggers.Namespace);
        }
    }

    public void OnSecretEvent(ReflectorEvent<Secret> change)
    {
        switch (change.Type)
        {
            case ReflectorEventType.RelistStarted:
                Cluster.BeginRelist();
                break;
            case ReflectorEventType.RelistPage:
                Cluster.AddRelisted(change.Items);
                break;
            case ReflectorEventType.Relisted:
                Cluster.CompleteRelist(change.Items);
                EnqueueDrifted(Cluster.ManagedSecrets);
                EnqueueVanished();
                Enqueue(WorkKey.Prune, AuditTriggers.Drift);
                break;
            case ReflectorEventType.Deleted:
                var name = NameOf(change.Object!);
                Cluster.Forget(name);
                if (!_deleting.ContainsKey(name) && Plan?.Desired.Targets.TryGetValue(name, out var target) == true)
                {
                    Enqueue(WorkKey.ForSource(target.Source), AuditTriggers.Drift);
                }

                break;
            default:
                var known = Cluster.Find(NameOf(change.Object!));
                if (known?.ResourceVersion == change.Object!.Metadata.ResourceVersion)
                {
                    return;
                }

                EnqueueDrifted([Cluster.Observe(change.Object!)]);
                break;
        }
    }

    private void EnqueueDrifted(IEnumerable<ObservedEntry> entries)
    {
        if (Plan is not { } plan)
        {
            return;
        }

        foreach (var entry in entries)
        {
            if (plan.Desired.Targets.TryGetValue(entry.Secret.Secret, out var target)
                && !IsCurrent(target, entry, _sources.GetValueOrDefault(target.Source)?.CurrentVersion))
            {
                Enqueue(WorkKey.ForSource(target.Source), AuditTriggers.Drift);
            }
        }
    }

    /// <summary>After a re-list: queues targets we wrote that are gone (deleted while the watch was down).</summary>
    private void EnqueueVanished()
    {
        if (Plan is not { } plan)
        {
            return;
        }

        foreach (var source in plan.Desired.Targets.Values
                     .Where(t => Cluster.Find(t.Secret) is null && _applied.ContainsKey(t.Secret))
                     .Select(t => t.Source)
                     .Distinct())
        {
            Enqueue(WorkKey.ForSource(source), AuditTriggers.Drift);
        }
    }

    // ---- desired state ---------------------------------------------------------------------------------------

    private WorkResult RecomputeDesired(string trigger)
    {
        if (Plan is not { } previous)
        {
            return WorkResult.Done;
        }

        var plan = DesiredPlan.For(previous.Config, Cluster.Namespaces, previous.Generation);
        Volatile.Write(ref _plan, plan);

        var removed = previous.Desired.Targets.Keys.Any(k => !plan.Desired.Targets.ContainsKey(k));
        foreach (var (secret, target) in plan.Desired.Targets)
        {
            if (!previous.Desired.Targets.TryGetValue(secret, out var before) || before != target
                || !IsCurrent(target, Cluster.Find(secret), _sources.GetValueOrDefault(target.Source)?.CurrentVersion)
                || _sources.GetValueOrDefault(target.Source)?.VerifiedGeneration != plan.Generation)
            {
                Enqueue(WorkKey.ForSource(target.Source), trigger);
            }
        }

        if (removed || trigger != AuditTriggers.Namespace)
        {
            Enqueue(WorkKey.Prune, trigger);
        }

        Status.RetainSources(plan.Desired.Sources.Keys.ToHashSet());
        foreach (var stale in _failing.Keys.Where(k => !plan.Desired.Targets.ContainsKey(k)))
        {
            _failing.TryRemove(stale, out _);
        }

        ReportRequests(plan, trigger);
        return WorkResult.Done;
    }

    /// <summary>Audits namespace requests that write nothing (denied, unknown, invalid, colliding), once each while they last.</summary>
    private void ReportRequests(DesiredPlan plan, string trigger)
    {
        const string prefix = "request/";
        var desired = plan.Desired;
        (string Key, string State, string Action, Func<AuditEvent, AuditEvent> Fill)[] conditions =
        [
            .. desired.Denied.Select(d => ($"{prefix}denied/{d.Namespace}/{d.Bundle}", "", AuditActions.Denied, (Func<AuditEvent, AuditEvent>)(e => e with
            {
                Namespace = d.Namespace,
                Bundle = d.Bundle,
                Provider = plan.Config.Bundles.GetValueOrDefault(d.Bundle)?.Provider,
                Detail = $"namespace {d.Namespace} is not allowed bundle {d.Bundle}: its labels do not match the bundle's namespace selector; nothing was written",
            }))),
            .. desired.UnknownBundles.Select(u => ($"{prefix}unknown/{u.Namespace}/{u.Bundle}", "", AuditActions.Denied, (Func<AuditEvent, AuditEvent>)(e => e with
            {
                Namespace = u.Namespace,
                Bundle = u.Bundle,
                Detail = $"namespace {u.Namespace} asks for bundle {u.Bundle}, which the configuration does not define",
            }))),
            .. desired.InvalidRequests.Select(i => ($"{prefix}invalid/{i.Namespace}", i.Request.ToString() ?? "", AuditActions.Denied, (Func<AuditEvent, AuditEvent>)(e => e with
            {
                Namespace = i.Namespace,
                Detail = $"annotation {Annotations.Bundles} is not valid: {i.Request}",
            }))),
            .. desired.Collisions.Select(c => ($"{prefix}collision/{c.Secret}", "", AuditActions.Conflict, (Func<AuditEvent, AuditEvent>)(e => e with
            {
                Namespace = c.Secret.Namespace,
                Secret = c.Secret.Name,
                Detail = $"bundles {string.Join(", ", c.Bundles)} all map Secret {c.Secret.Name}; none is written until only one does",
            }))),
        ];

        foreach (var (key, state, action, fill) in conditions)
        {
            ReportOnce(key, state, () => _audit.Record(action, AuditOutcomes.Skipped, e => fill(e with { Trigger = trigger })));
        }

        var live = conditions.Select(c => c.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var stale in _reported.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && !live.Contains(k)))
        {
            _reported.TryRemove(stale, out _);
        }
    }

    /// <summary>Audits a condition once until it changes or clears, so a steady failure does not flood the trail.</summary>
    private void ReportOnce(string key, string state, Action report)
    {
        if (_reported.TryGetValue(key, out var previous) && previous == state)
        {
            return;
        }

        _reported[key] = state;
        report();
    }

    private void Clear(string key) => _reported.TryRemove(key, out _);

    // ---- poll cycles -----------------------------------------------------------------------------------------

    private async Task<WorkResult> PollAsync(string provider, string trigger, CancellationToken cancellationToken)
    {
        if (Plan is not { } plan || !_providers.TryGet(provider, out var source))
        {
            return WorkResult.Done;
        }

        var paths = plan.Desired.Sources.Keys.Where(s => s.Provider == provider).Select(s => s.Path).ToList();
        if (paths.Count == 0)
        {
            return WorkResult.Done;
        }

        var results = await source.CheckVersionsAsync(paths, cancellationToken);
        var outcomes = paths.ToDictionary(
            path => new SourceRef(provider, path),
            path => results.TryGetValue(path, out var result) ? result : new VersionResult.Failed(new ProviderFailure(FailureKind.InvalidResponse, "provider returned no result for this path")));
        var decisions = RevocationPolicy.Decide(plan.Config.Sync, outcomes);
        var now = _time.GetUtcNow();
        var failed = 0;
        foreach (var choice in decisions)
        {
            var outcome = outcomes[choice.Source];
            var before = _sources.GetValueOrDefault(choice.Source) ?? SourceState.Unknown;
            var after = before with { Last = outcome, Decision = choice, Checked = now };
            _sources[choice.Source] = after;
            Status.Source(new SourceStatus(provider, choice.Source.Path, after.CurrentVersion ?? choice.Version, choice.Action.ToString(), now,
                outcome is VersionResult.Failed f ? f.Failure.ToString() : null));

            if (choice.Action == RevocationAction.KeepLastGood)
            {
                failed++;
                var failure = ((VersionResult.Failed)outcome).Failure;
                ReportOnce($"failed/{choice.Source}", failure.Kind.ToString(), () => _audit.Record(AuditActions.Failed, AuditOutcomes.Failure, e => e with
                {
                    Trigger = trigger,
                    Provider = provider,
                    Source = choice.Source.Path,
                    SourceVersion = before.CurrentVersion,
                    Error = failure.ToString(),
                    Detail = "version check failed; the last good Secrets stay",
                }));
                continue;
            }

            Clear($"failed/{choice.Source}");
            var versionMoved = before.CurrentVersion != after.CurrentVersion;
            var decisionMoved = before.Decision?.Action != choice.Action || before.Decision?.Version != choice.Version;
            if (versionMoved || decisionMoved || before.VerifiedGeneration != plan.Generation)
            {
                Enqueue(WorkKey.ForSource(choice.Source), trigger);
            }
        }

        _metrics.ProviderChecks.Add(1, new("provider", provider), new("result", failed == 0 ? "ok" : "partial"));
        _providerUp[provider] = failed == 0;
        NoteCycle();

        await RecheckConflictsAsync(plan, provider, trigger, cancellationToken);

        // An authority that asked us to slow down gets no poll before its Retry-After, whoever asks for one.
        var retryAfter = outcomes.Values.OfType<VersionResult.Failed>()
            .Where(f => f.Failure.Kind == FailureKind.Throttled).Select(f => f.Failure.RetryAfter).Max();
        return retryAfter is { } wait && wait > TimeSpan.Zero ? WorkResult.HoldOff(wait) : WorkResult.Done;
    }

    /// <summary>Re-reads the unmanaged Secrets that block targets of this provider, and queues the targets whose name came free.</summary>
    /// <remarks>The managed-Secret watch cannot see an unmanaged Secret go, so each cycle looks; only conflicted names cost a request.</remarks>
    private async Task RecheckConflictsAsync(DesiredPlan plan, string provider, string trigger, CancellationToken cancellationToken)
    {
        foreach (var target in plan.Desired.Targets.Values.Where(t => t.Source.Provider == provider))
        {
            if (Cluster.Find(target.Secret) is not { } blocking || Annotations.IsManaged(blocking.Secret.Labels))
            {
                continue;
            }

            try
            {
                await RefreshAsync(target.Secret, cancellationToken);
            }
            catch (KubernetesApiException)
            {
                continue; // the next cycle looks again
            }

            if (Cluster.Find(target.Secret) is not { } now || Annotations.IsManaged(now.Secret.Labels))
            {
                Enqueue(WorkKey.ForSource(target.Source), trigger);
            }
        }
    }

    // ---- one source ------------------------------------------------------------------------------------------

    /// <summary>Reads a source once and writes every target that uses it; or, for a retry, only <paramref name="only"/>.</summary>
    /// <remarks>
    /// A target whose write fails gets a work item of its own with its own back-off, and the source's item succeeds:
    /// one tenant's stuck copy (an immutable Secret, a full quota, a terminating namespace) never delays the others.
    /// </remarks>
    private async Task<WorkResult> ReconcileSourceAsync(SourceRef sourceRef, NamespacedName? only, string trigger, CancellationToken cancellationToken)
    {
        if (Plan is not { } plan)
        {
            return WorkResult.Done;
        }

        var targets = plan.BySource[sourceRef].Where(t => only is null || t.Secret == only).ToList();
        var state = _sources.GetValueOrDefault(sourceRef) ?? SourceState.Unknown;
        switch (state.Decision?.Action)
        {
            case RevocationAction.Revoke or RevocationAction.Retain when only is not null:
                return WorkResult.Done;
            case RevocationAction.Revoke:
                // Every deletion goes through the delete guard, which weighs it with all the others.
                Enqueue(WorkKey.Prune, trigger);
                return WorkResult.Done;
            case RevocationAction.Retain:
                return await RetainAsync(targets, state.Decision, trigger, cancellationToken);
        }

        if (targets.Count == 0)
        {
            return WorkResult.Done;
        }

        var wantedVersion = state.Decision?.Action == RevocationAction.FallBack ? state.Decision.Version : null;
        var knownVersion = wantedVersion ?? state.CurrentVersion;
        if ((state.VerifiedGeneration == plan.Generation || only is not null) && knownVersion is not null
            && targets.All(t => IsCurrent(t, Cluster.Find(t.Secret), knownVersion)))
        {
            return WorkResult.Done;
        }

        if (!_providers.TryGet(sourceRef.Provider, out var source))
        {
            return WorkResult.Done;
        }

        var started = Stopwatch.GetTimestamp();
        var read = await source.ReadAsync(sourceRef.Path, wantedVersion, cancellationToken);
        switch (read)
        {
            case ReadResult.Failed failed:
                ReportOnce($"failed/{sourceRef}", failed.Failure.Kind.ToString(), () => _audit.Record(AuditActions.Failed, AuditOutcomes.Failure, e => e with
                {
                    Trigger = trigger,
                    Provider = sourceRef.Provider,
                    Source = sourceRef.Path,
                    SourceVersion = state.CurrentVersion,
                    Error = failed.Failure.ToString(),
                    Detail = "read failed; the last good Secrets stay",
                    LatencyMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                }));
                _providerUp[sourceRef.Provider] = false;
                foreach (var target in targets)
                {
                    NoteTargetError(target, failed.Failure.ToString(), failing: true);
                }

                return WorkResult.Retry(failed.Failure.RetryAfter);
            case ReadResult.Absent:
                // Revocation is decided per cycle with the brake, never from a single read.
                Enqueue(WorkKey.ForPoll(sourceRef.Provider), trigger);
                return WorkResult.Done;
        }

        Clear($"failed/{sourceRef}");
        var payload = ((ReadResult.Found)read).Payload;
        if (wantedVersion is null)
        {
            state = state with { Last = new VersionResult.Current(payload.Version) };
        }

        // A read (after an event, say) can be newer than the last poll: /status never shows a source behind its targets.
        if (Status.FindSource(sourceRef) is { } shown && shown.CurrentVersion != payload.Version.Id)
        {
            Status.Source(shown with { CurrentVersion = payload.Version.Id, LastChecked = _time.GetUtcNow(), LastError = null });
        }

        // Targets of one source are independent Secrets; write them side by side (the client's rate limit still applies).
        var stuck = new ConcurrentBag<DesiredTarget>();
        await Parallel.ForEachAsync(
            targets,
            new ParallelOptions { MaxDegreeOfParallelism = plan.Config.Sync.Concurrency, CancellationToken = cancellationToken },
            async (target, token) =>
            {
                if (!await ApplyTargetAsync(target, payload, trigger, started, token))
                {
                    stuck.Add(target);
                }
            });
        if (only is null)
        {
            _sources[sourceRef] = state with { VerifiedGeneration = plan.Generation };
            foreach (var target in stuck)
            {
                Enqueue(WorkKey.ForTarget(sourceRef, target.Secret), trigger);
            }
        }

        NoteCycle();
        return only is not null && !stuck.IsEmpty ? WorkResult.Retry() : WorkResult.Done;
    }

    /// <summary>True when the observed Secret already carries this target at this version, untouched since written.</summary>
    private static bool IsCurrent(DesiredTarget target, ObservedEntry? observed, string? version) =>
        observed is not null && version is not null
        && observed.Secret.Seal == SealState.Valid
        && Annotations.IsManaged(observed.Secret.Labels)
        && observed.Secret.Type == target.Type
        && observed.Annotation(Annotations.ContentHash) == observed.Secret.DataHash
        && observed.Annotation(Annotations.SourceVersion) == version
        && observed.Annotation(Annotations.Bundle) == target.Bundle
        && observed.Annotation(Annotations.Provider) == target.Source.Provider
        && observed.Annotation(Annotations.Source) == target.Source.Path;

    private async Task<bool> ApplyTargetAsync(DesiredTarget target, SecretPayload payload, string trigger, long started, CancellationToken cancellationToken)
    {
        var rendered = SecretRenderer.Render(target, payload);
        if (rendered is RenderResult.Failed failed)
        {
            AuditTargetFailure(target, payload.Version, trigger, $"cannot render Secret: {failed.Error.Message}");
            return true;
        }

        var secret = ((RenderResult.Rendered)rendered).Secret;
        var hash = Cluster.Pool.String(Cluster.Hasher.Hash(secret));
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var observed = Cluster.Find(target.Secret);
            var plan = SecretPlanner.Plan(target, hash, payload.Version, observed?.Secret, _applied.GetValueOrDefault(target.Secret));
            try
            {
                switch (plan.Action)
                {
                    case PlanAction.None:
                        _applied[target.Secret] = hash;
                        Clear($"conflict/{target.Secret}");
                        NoteTargetSynced(target, payload.Version.Id);
                        return true;
                    case PlanAction.Conflict:
                        ReportConflict(target, trigger, plan.Reason);
                        return true;
                    case PlanAction.Create or PlanAction.Restore when observed is null:
                        var created = await CreateOrAdoptAsync(target, secret, hash, payload.Version, cancellationToken);
                        if (created is null)
                        {
                            continue;
                        }

                        break;
                    default:
                        await ReplaceAsync(target, secret, hash, payload.Version, observed!, plan.Recreate, plan.Action == PlanAction.Adopt, cancellationToken);
                        break;
                }
            }
            catch (KubernetesApiException ex) when (ex.Reason is KubernetesErrorReason.Conflict or KubernetesErrorReason.AlreadyExists or KubernetesErrorReason.NotFound)
            {
                // Our cache was behind; refresh this one Secret and plan again.
                await RefreshAsync(target.Secret, cancellationToken);
                continue;
            }
            catch (KubernetesApiException ex)
            {
                AuditTargetFailure(target, payload.Version, trigger, $"Kubernetes {ex.Reason}: {ex.Message}");
                return false;
            }

            var previous = observed?.Secret.Vouched(Annotations.SourceVersion);
            var action = plan.Action switch
            {
                PlanAction.Create => AuditActions.Created,
                PlanAction.Restore => AuditActions.Restored,
                _ => AuditActions.Updated,
            };
            _applied[target.Secret] = hash;
            Clear($"conflict/{target.Secret}");
            Clear($"failed/{target.Secret}");
            _metrics.Sync(action, AuditOutcomes.Success);
            if (action == AuditActions.Updated && previous != payload.Version.Id)
            {
                _metrics.PropagationSeconds.Record(Math.Max(0, (_time.GetUtcNow() - payload.Version.CreatedAt).TotalSeconds));
            }

            _audit.Record(action, AuditOutcomes.Success, e => e with
            {
                Trigger = plan.Action == PlanAction.Restore ? AuditTriggers.Drift : trigger,
                Namespace = target.Secret.Namespace,
                Secret = target.Secret.Name,
                Bundle = target.Bundle,
                Provider = target.Source.Provider,
                Source = target.Source.Path,
                SourceVersion = payload.Version.Id,
                PreviousVersion = previous,
                ContentHmac = hash,
                Detail = plan.Reason,
                LatencyMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds,
            });
            NoteTargetSynced(target, payload.Version.Id);
            NotifyRotation(target, observed, hash, secret, payload.Version.Id, previous, trigger);
            return true;
        }

        AuditTargetFailure(target, payload.Version, trigger, "the Secret kept changing under concurrent writes; will retry");
        return false;
    }

    /// <summary>Tells the restarter which keys of an existing Secret now hold a different value (by key digest, never by value).</summary>
    /// <remarks>A created Secret changes nothing a running pod holds; a removed key is not a reason to restart into a missing key.</remarks>
    private void NotifyRotation(DesiredTarget target, ObservedEntry? before, string hash, RenderedSecret written, string version, string? previous, string trigger)
    {
        if (Rotations is not { } listener || before is null || before.Secret.DataHash == hash)
        {
            return;
        }

        var after = Cluster.DigestKeys(written.Data);
        var changed = after.Where(k => !before.KeyDigests.TryGetValue(k.Key, out var old) || old != k.Value).Select(k => k.Key).Order(StringComparer.Ordinal).ToList();
        if (changed.Count > 0)
        {
            listener.OnRotated(new SecretRotation(target.Secret, changed, target.Source.Provider, target.Source.Path, version, previous, trigger));
        }
    }

    /// <summary>Creates the Secret; if one appeared meanwhile, caches it and returns null so the caller plans again.</summary>
    private async Task<ObservedEntry?> CreateOrAdoptAsync(DesiredTarget target, RenderedSecret secret, string hash, SourceVersion version, CancellationToken cancellationToken)
    {
        try
        {
            var created = await _kube.Secrets.CreateAsync(Build(target, secret, hash, version, null), cancellationToken);
            return Cluster.Observe(created);
        }
        catch (KubernetesApiException ex) when (ex.Reason == KubernetesErrorReason.AlreadyExists)
        {
            await RefreshAsync(target.Secret, cancellationToken);
            return null;
        }
    }

    /// <summary>Writes the Secret over <paramref name="observed"/>; an adopted one keeps nothing of what it carried.</summary>
    private async Task ReplaceAsync(
        DesiredTarget target, RenderedSecret secret, string hash, SourceVersion version, ObservedEntry observed, bool recreate, bool adopt, CancellationToken cancellationToken)
    {
        if (recreate)
        {
            await DeleteAsync(observed, cancellationToken);
            Cluster.Observe(await _kube.Secrets.CreateAsync(Build(target, secret, hash, version, adopt ? null : observed), cancellationToken));
            return;
        }

        var replacement = Build(target, secret, hash, version, adopt ? null : observed);
        replacement.Metadata.ResourceVersion = observed.ResourceVersion;
        Cluster.Observe(await _kube.Secrets.ReplaceAsync(replacement, cancellationToken));
    }

    /// <summary>Re-reads one Secret into the cache; unmanaged Secrets are cached too so the planner sees the conflict.</summary>
    private async Task RefreshAsync(NamespacedName name, CancellationToken cancellationToken)
    {
        var current = await _kube.Secrets.TryGetAsync(name.Namespace, name.Name, cancellationToken);
        if (current is null)
        {
            Cluster.Forget(name);
        }
        else
        {
            Cluster.Observe(current);
        }
    }

    private Secret Build(DesiredTarget target, RenderedSecret secret, string hash, SourceVersion version, ObservedEntry? basis)
    {
        var labels = new Dictionary<string, string>(basis?.Secret.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        foreach (var (key, value) in ManagedMetadata.Labels)
        {
            labels[key] = value;
        }

        var annotations = (basis?.Secret.Annotations ?? new Dictionary<string, string>())
            .Where(a => !a.Key.StartsWith(Annotations.Prefix, StringComparison.Ordinal))
            .ToDictionary(StringComparer.Ordinal);
        foreach (var (key, value) in ManagedMetadata.AnnotationsFor(target, version, hash))
        {
            annotations[key] = value;
        }

        annotations[Annotations.Seal] = Cluster.Hasher.Seal(target.Secret, annotations);

        return new Secret
        {
            Metadata = new ObjectMeta { Name = target.Secret.Name, Namespace = target.Secret.Namespace, Labels = labels, Annotations = annotations },
            Type = secret.Type,
            Data = secret.Data.ToDictionary(StringComparer.Ordinal),
        };
    }

    private void ReportConflict(DesiredTarget target, string trigger, string reason) =>
        ReportOnce($"conflict/{target.Secret}", "", () =>
        {
            _metrics.Sync(AuditActions.Conflict, AuditOutcomes.Skipped);
            NoteTargetError(target, reason, failing: false);
            _audit.Record(AuditActions.Conflict, AuditOutcomes.Skipped, e => e with
            {
                Trigger = trigger,
                Namespace = target.Secret.Namespace,
                Secret = target.Secret.Name,
                Bundle = target.Bundle,
                Provider = target.Source.Provider,
                Source = target.Source.Path,
                Detail = reason,
            });
        });

    private void AuditTargetFailure(DesiredTarget target, SourceVersion version, string trigger, string error)
    {
        NoteTargetError(target, error, failing: true);
        ReportOnce($"failed/{target.Secret}", error, () =>
        {
            _metrics.Sync(AuditActions.Failed, AuditOutcomes.Failure);
            _audit.Record(AuditActions.Failed, AuditOutcomes.Failure, e => e with
            {
                Trigger = trigger,
                Namespace = target.Secret.Namespace,
                Secret = target.Secret.Name,
                Bundle = target.Bundle,
                Provider = target.Source.Provider,
                Source = target.Source.Path,
                SourceVersion = version.Id,
                Error = error,
            });
        });
    }

    private void NoteTargetSynced(DesiredTarget target, string version)
    {
        _failing.TryRemove(target.Secret, out _);
        Status.Target(new TargetStatus(target.Secret.Namespace, target.Secret.Name, target.Bundle, target.Source.Provider, target.Source.Path, version, _time.GetUtcNow(), null));
    }

    private void NoteTargetError(DesiredTarget target, string error, bool failing)
    {
        if (failing)
        {
            _failing[target.Secret] = 0;
        }
        else
        {
            _failing.TryRemove(target.Secret, out _);
        }

        var previous = Status.FindTarget(target.Secret);
        Status.Target(new TargetStatus(target.Secret.Namespace, target.Secret.Name, target.Bundle, target.Source.Provider, target.Source.Path,
            previous?.SourceVersion, previous?.LastSync, error));
    }

    // ---- revocation and pruning ------------------------------------------------------------------------------

    private async Task<WorkResult> RetainAsync(List<DesiredTarget> targets, RevocationDecision decision, string trigger, CancellationToken cancellationToken)
    {
        foreach (var target in targets)
        {
            if (Cluster.Find(target.Secret) is not { } observed || !observed.Secret.WrittenBySecretSync
                || observed.Annotation(Annotations.SourceDeleted) is not null)
            {
                continue;
            }

            var marked = await _kube.Secrets.PatchAsync(target.Secret.Namespace, target.Secret.Name,
                KubernetesPatch.Merge(new JsonObject
                {
                    ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [Annotations.SourceDeleted] = _time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture) } },
                }), cancellationToken);
            Cluster.Observe(marked);
            _audit.Record(AuditActions.Revoked, AuditOutcomes.Skipped, e => e with
            {
                Trigger = trigger,
                Namespace = target.Secret.Namespace,
                Secret = target.Secret.Name,
                Bundle = target.Bundle,
                Provider = target.Source.Provider,
                Source = target.Source.Path,
                PreviousVersion = observed.Annotation(Annotations.SourceVersion),
                Detail = decision.Reason,
            });
        }

        return WorkResult.Done;
    }

    /// <summary>Makes the deletions the delete guard allows: revocations of absent sources and prunes of Secrets no longer desired.</summary>
    private async Task<WorkResult> PruneAsync(string trigger, CancellationToken cancellationToken)
    {
        if (Plan is not { } plan)
        {
            return WorkResult.Done;
        }

        var observed = Cluster.ManagedSecrets.ToDictionary(e => e.Secret.Secret);
        var wanted = WantedDeletions(plan, observed);
        var settings = plan.Config.Sync.RevocationBrake;
        var verdict = _guard.Evaluate(settings, wanted, observed.Count, approval: null);
        if (verdict.Holds && await _approvals.ReadAsync(cancellationToken) is { } approval)
        {
            verdict = _guard.Evaluate(settings, wanted, observed.Count, approval);
            if (verdict.Holds && !string.Equals(Interlocked.Exchange(ref _ignoredApproval, approval), approval, StringComparison.Ordinal))
            {
                _logger.LogWarning("Delete guard: ignoring the approval on the Lease, which names no current hold; the deletions stay held.");
            }
        }

        ReportHold(verdict, trigger);
        var ok = true;
        foreach (var deletion in verdict.Allowed)
        {
            ok &= await DeleteAndAuditAsync(observed[deletion.Secret], deletion, verdict.Approved, trigger, cancellationToken);
        }

        if (verdict.Holds)
        {
            return WorkResult.RecheckIn(HoldRecheck);
        }

        return ok ? WorkResult.Done : WorkResult.Retry();
    }

    /// <summary>Every deletion wanted now: targets of sources the authority says are gone, then managed Secrets no longer desired.</summary>
    /// <remarks>Which source a target has comes from the configuration, never from the Secret's own annotations, so a tenant cannot opt out of a revocation.</remarks>
    private List<Deletion> WantedDeletions(DesiredPlan plan, Dictionary<NamespacedName, ObservedEntry> observed)
    {
        var wanted = new List<Deletion>();
        foreach (var (source, state) in _sources)
        {
            if (state.Decision is not { Action: RevocationAction.Revoke } decision)
            {
                continue;
            }

            wanted.AddRange(plan.BySource[source]
                .Where(t => observed.TryGetValue(t.Secret, out var entry) && entry.Secret.WrittenBySecretSync)
                .Select(t => new Deletion(t.Secret, DeletionCause.Revoked, t.Bundle, decision.Reason, t.Source)));
        }

        wanted.AddRange(SecretPlanner.Prune(plan.Desired, observed.Values.Select(e => e.Secret))
            .Select(p => new Deletion(p.Secret, DeletionCause.Pruned, p.Bundle, p.Reason)));
        return wanted;
    }

    /// <summary>Audits each held deletion once per hold, logs the hold once, and forgets holds that ended.</summary>
    private void ReportHold(GuardVerdict verdict, string trigger)
    {
        var before = Interlocked.Exchange(ref _verdict, verdict);
        if (verdict.Holds && before?.HoldId != verdict.HoldId)
        {
            _logger.LogWarning(
                "Delete guard {Summary}; nothing is deleted until the cause clears or an operator runs: secretsync revocations approve {HoldId}. Held: {Held}",
                verdict.Summary, verdict.HoldId, string.Join(", ", verdict.Held.Take(20).Select(d => d.Secret)) + (verdict.Held.Count > 20 ? ", …" : ""));
        }
        else if (!verdict.Holds && before?.Holds == true && verdict.Approved)
        {
            _logger.LogInformation("Delete guard: hold {HoldId} approved by an operator.", before.HoldId);
        }
        else if (!verdict.Holds && before?.Holds == true)
        {
            _logger.LogInformation("Delete guard released hold {HoldId}: the wanted deletions fell back within the thresholds.", before.HoldId);
        }

        const string prefix = "held/";
        var held = verdict.Held.Select(d => prefix + d.Secret).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in _reported.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && !held.Contains(k)))
        {
            _reported.TryRemove(gone, out _);
        }

        foreach (var deletion in verdict.Held)
        {
            ReportOnce(prefix + deletion.Secret, verdict.HoldId ?? "", () => _audit.Record(
                deletion.Cause == DeletionCause.Revoked ? AuditActions.RevocationPaused : AuditActions.PrunePaused,
                AuditOutcomes.Skipped,
                e => e with
                {
                    Trigger = trigger,
                    Namespace = deletion.Secret.Namespace,
                    Secret = deletion.Secret.Name,
                    Bundle = deletion.Bundle,
                    Detail = $"{deletion.Reason}; held by the delete guard: {verdict.Summary}; approve with: secretsync revocations approve {verdict.HoldId}",
                }));
        }
    }

    private async Task<bool> DeleteAndAuditAsync(ObservedEntry observed, Deletion deletion, bool approved, string trigger, CancellationToken cancellationToken)
    {
        var name = observed.Secret.Secret;
        var action = deletion.Cause == DeletionCause.Revoked ? AuditActions.Revoked : AuditActions.Pruned;
        _deleting[name] = 0;
        try
        {
            await DeleteAsync(observed, cancellationToken);
        }
        catch (KubernetesApiException ex) when (ex.Reason != KubernetesErrorReason.NotFound)
        {
            ReportOnce($"failed/{name}", ex.Reason.ToString(), () => _audit.Record(AuditActions.Failed, AuditOutcomes.Failure, e => e with
            {
                Trigger = trigger,
                Namespace = name.Namespace,
                Secret = name.Name,
                Bundle = deletion.Bundle,
                Error = $"could not delete ({action}): Kubernetes {ex.Reason}: {ex.Message}",
            }));
            return false;
        }
        finally
        {
            _deleting.TryRemove(name, out _);
        }

        _guard.Deleted(approved);
        Cluster.Forget(name);
        _applied.TryRemove(name, out _);
        _failing.TryRemove(name, out _);
        Status.ForgetTarget(name);
        _metrics.Sync(action, AuditOutcomes.Success);
        _audit.Record(action, AuditOutcomes.Success, e => e with
        {
            Trigger = approved ? AuditTriggers.Manual : trigger,
            Namespace = name.Namespace,
            Secret = name.Name,
            Bundle = deletion.Bundle,
            Provider = deletion.Source?.Provider ?? observed.Secret.Vouched(Annotations.Provider),
            Source = deletion.Source?.Path ?? observed.Secret.Vouched(Annotations.Source),
            PreviousVersion = observed.Secret.Vouched(Annotations.SourceVersion),
            Detail = approved ? $"{deletion.Reason}; approved by an operator" : deletion.Reason,
        });
        return true;
    }

    /// <summary>Deletes a managed Secret only if it is still the object we saw (uid precondition).</summary>
    private Task DeleteAsync(ObservedEntry observed, CancellationToken cancellationToken) =>
        _kube.Secrets.DeleteAsync(observed.Secret.Secret.Namespace, observed.Secret.Secret.Name,
            new DeleteOptions { Preconditions = new Preconditions { Uid = observed.Uid } }, cancellationToken);

    private static NamespacedName NameOf(Secret secret) => new(secret.Metadata.Namespace ?? "", secret.Metadata.Name ?? "");
}
