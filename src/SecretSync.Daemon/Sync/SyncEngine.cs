using SecretSync.Core.Model;
using SecretSync.Daemon.Queue;

namespace SecretSync.Daemon.Sync;

/// <summary>The reconciler of one leadership term: hands each work item to the part that owns it.</summary>
/// <remarks>
/// Rules the parts keep (DESIGN §3): one provider read per distinct source per change, however many namespaces use it
/// (<see cref="SourceReconciler"/>); a Kubernetes write only when the keyed content hash or the source metadata differs,
/// never touching a Secret without the managed-by label (<see cref="SecretWriter"/>); deleting only on the authority's
/// positive evidence, decided per cycle with every deletion passing the delete guard (<see cref="DeletionPass"/>);
/// provider errors keep the last good Secret.
/// </remarks>
internal sealed class SyncEngine(
    DesiredPlans plans, SourceBook sources, DesiredReconciler desired, PollCycle polls, SourceReconciler reconciler, DeletionPass deletions, IWorkSink work)
{
    public Task<WorkResult> HandleAsync(WorkKey key, string trigger, CancellationToken cancellationToken) => key.Kind switch
    {
        WorkKind.Source => reconciler.ReconcileAsync(key.Source, null, trigger, cancellationToken),
        WorkKind.Target => reconciler.ReconcileAsync(key.Source, key.Secret, trigger, cancellationToken),
        WorkKind.Poll => polls.RunAsync(key.Provider, trigger, cancellationToken),
        WorkKind.Desired => Desired(trigger),
        WorkKind.Prune => deletions.RunAsync(trigger, cancellationToken),
        _ => throw new ArgumentOutOfRangeException(nameof(key)),
    };

    /// <summary>Recomputes desired state now, without going through the queue.</summary>
    public void RefreshDesired(string trigger) => desired.Run(trigger);

    /// <summary>Schedules a full pass: every provider's version check (which queues every source) and a prune.</summary>
    public void ScheduleFullSync(string trigger)
    {
        if (plans.Current is not { } plan)
        {
            return;
        }

        foreach (var provider in plan.Config.Providers.Keys)
        {
            work.Enqueue(WorkKey.ForPoll(provider), trigger);
        }

        work.Enqueue(WorkKey.Prune, trigger);
    }

    /// <summary>A provider pushed a change: forget the known version so the next reconcile reads.</summary>
    public void OnSourceChanged(string provider, string path, string trigger)
    {
        var source = new SourceRef(provider, path);
        if (plans.Current?.Desired.Sources.ContainsKey(source) != true)
        {
            return;
        }

        sources.Invalidate(source);
        work.Enqueue(WorkKey.ForSource(source), trigger);
    }

    private Task<WorkResult> Desired(string trigger)
    {
        desired.Run(trigger);
        return Task.FromResult(WorkResult.Done);
    }
}
