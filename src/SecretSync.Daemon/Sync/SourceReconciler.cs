using System.Collections.Concurrent;
using System.Diagnostics;
using SecretSync.Audit;
using SecretSync.Core.Audit;
using SecretSync.Core.Desired;
using SecretSync.Core.Model;
using SecretSync.Core.Providers;
using SecretSync.Core.Revocation;
using SecretSync.Daemon.Queue;

namespace SecretSync.Daemon.Sync;

/// <summary>Reads a source once and writes every target that uses it, however many namespaces share it.</summary>
/// <remarks>
/// Provider errors keep the last good Secrets. A source the authority says is gone is never deleted from here: the
/// revocation goes to the delete guard with all other deletions (see <see cref="DeletionPass"/>).
/// </remarks>
internal sealed class SourceReconciler(
    DesiredPlans plans, SourceBook sources, ProviderConnections providers, ProviderHealth health, ClusterState cluster, SecretWriter writer,
    TargetBook targets, AuditOnce once, IAuditRecorder audit, IWorkSink work, SyncHealth cycles, TimeProvider time)
{
    /// <summary>Reconciles every target of <paramref name="sourceRef"/>; or, for a retry, only <paramref name="only"/>.</summary>
    /// <remarks>
    /// A target whose write fails gets a work item of its own with its own back-off, and the source's item succeeds:
    /// one tenant's stuck copy (an immutable Secret, a full quota, a terminating namespace) never delays the others.
    /// </remarks>
    public async Task<WorkResult> ReconcileAsync(SourceRef sourceRef, NamespacedName? only, string trigger, CancellationToken cancellationToken)
    {
        if (plans.Current is not { } plan)
        {
            return WorkResult.Done;
        }

        var targetsOfSource = plan.BySource[sourceRef].Where(t => only is null || t.Secret == only).ToList();
        var state = sources[sourceRef];
        switch (state.Decision?.Action)
        {
            case RevocationAction.Revoke or RevocationAction.Retain when only is not null:
                return WorkResult.Done;
            case RevocationAction.Revoke:
                work.Enqueue(WorkKey.Prune, trigger);
                return WorkResult.Done;
            case RevocationAction.Retain:
                foreach (var target in targetsOfSource)
                {
                    await writer.MarkSourceDeletedAsync(target, state.Decision, trigger, cancellationToken);
                }

                return WorkResult.Done;
        }

        if (targetsOfSource.Count == 0)
        {
            return WorkResult.Done;
        }

        var wantedVersion = state.Decision?.Action == RevocationAction.FallBack ? state.Decision.Version : null;
        var knownVersion = wantedVersion ?? state.CurrentVersion;
        if ((state.VerifiedGeneration == plan.Generation || only is not null) && knownVersion is not null
            && targetsOfSource.All(t => cluster.Find(t.Secret)?.Carries(t, knownVersion) == true))
        {
            return WorkResult.Done;
        }

        if (!providers.TryGet(sourceRef.Provider, out var source))
        {
            return WorkResult.Done;
        }

        var started = Stopwatch.GetTimestamp();
        ReadResult read;
        using (var span = SyncTracing.Read(sourceRef, wantedVersion))
        {
            read = await source.ReadAsync(sourceRef.Path, wantedVersion, cancellationToken);
            if (read is ReadResult.Failed readFailed)
            {
                SyncTracing.Failed(span, readFailed.Failure.Kind.ToString());
            }
        }

        switch (read)
        {
            case ReadResult.Failed failed:
                ReadFailed(sourceRef, state, failed.Failure, targetsOfSource, trigger, started);
                return WorkResult.Retry(failed.Failure.RetryAfter);
            case ReadResult.Absent:
                // Revocation is decided per cycle with the brake, never from a single read.
                work.Enqueue(WorkKey.ForPoll(sourceRef.Provider), trigger);
                return WorkResult.Done;
        }

        once.Clear($"failed/{sourceRef}");
        var payload = ((ReadResult.Found)read).Payload;
        if (wantedVersion is null)
        {
            state = state with { Last = new VersionResult.Current(payload.Version) };
        }

        // A read (after an event, say) can be newer than the last poll: /status never shows a source behind its targets.
        if (targets.Status.FindSource(sourceRef) is { } shown && shown.CurrentVersion != payload.Version.Id)
        {
            targets.Status.Source(shown with { CurrentVersion = payload.Version.Id, LastChecked = time.GetUtcNow(), LastError = null });
        }

        // Targets of one source are independent Secrets; write them side by side (the client's rate limit still applies).
        var stuck = new ConcurrentBag<DesiredTarget>();
        await Parallel.ForEachAsync(
            targetsOfSource,
            new ParallelOptions { MaxDegreeOfParallelism = plan.Config.Sync.Concurrency, CancellationToken = cancellationToken },
            async (target, token) =>
            {
                if (!await writer.ApplyAsync(target, payload, trigger, started, token))
                {
                    stuck.Add(target);
                }
            });
        if (only is null)
        {
            sources[sourceRef] = state with { VerifiedGeneration = plan.Generation };
            foreach (var target in stuck)
            {
                work.Enqueue(WorkKey.ForTarget(sourceRef, target.Secret), trigger);
            }
        }

        cycles.NoteCycle();
        return only is not null && !stuck.IsEmpty ? WorkResult.Retry() : WorkResult.Done;
    }

    private void ReadFailed(SourceRef sourceRef, SourceState state, ProviderFailure failure, List<DesiredTarget> targetsOfSource, string trigger, long started)
    {
        once.Report($"failed/{sourceRef}", failure.Kind.ToString(), () => audit.Record(AuditActions.Failed, AuditOutcomes.Failure, e => e with
        {
            Trigger = trigger,
            Provider = sourceRef.Provider,
            Source = sourceRef.Path,
            SourceVersion = state.CurrentVersion,
            Error = failure.ToString(),
            Detail = "read failed; the last good Secrets stay",
            LatencyMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds,
        }));
        health.SetUp(sourceRef.Provider, false);
        foreach (var target in targetsOfSource)
        {
            targets.Errored(target, failure.ToString(), failing: true);
        }
    }
}
