using SecretSync.Core.Audit;
using SecretSync.Core.Model;
using SecretSync.Kubernetes.Models;
using SecretSync.Kubernetes.Watch;

namespace SecretSync.Daemon.Sync;

/// <summary>Keeps the cluster cache from the Namespace and managed-Secret watches, and queues the targets that drifted.</summary>
/// <remarks>Runs on every replica, so a standby has warm caches; only a leader's term takes the work it queues.</remarks>
internal sealed class ClusterWatch(ClusterState cluster, DesiredPlans plans, SourceBook sources, TargetBook targets, CurrentTerm term)
{
    public void OnNamespaceEvent(ReflectorEvent<Namespace> change)
    {
        var changed = change.Type switch
        {
            ReflectorEventType.Relisted => cluster.ReplaceNamespaces(change.Items),
            ReflectorEventType.Deleted => cluster.RemoveNamespace(change.Object!.Metadata.Name ?? ""),
            _ => cluster.UpsertNamespace(change.Object!),
        };
        if (changed)
        {
            term.Enqueue(WorkKey.Desired, AuditTriggers.Namespace);
        }
    }

    public void OnSecretEvent(ReflectorEvent<Secret> change)
    {
        switch (change.Type)
        {
            case ReflectorEventType.RelistStarted:
                cluster.BeginRelist();
                break;
            case ReflectorEventType.RelistPage:
                cluster.AddRelisted(change.Items);
                break;
            case ReflectorEventType.Relisted:
                cluster.CompleteRelist(change.Items);
                EnqueueDrifted(cluster.ManagedSecrets);
                EnqueueVanished();
                term.Enqueue(WorkKey.Prune, AuditTriggers.Drift);
                break;
            case ReflectorEventType.Deleted:
                var name = NameOf(change.Object!);
                cluster.Forget(name);
                if (!targets.IsDeleting(name) && plans.Current?.Desired.Targets.TryGetValue(name, out var target) == true)
                {
                    term.Enqueue(WorkKey.ForSource(target.Source), AuditTriggers.Drift);
                }

                break;
            default:
                if (cluster.Find(NameOf(change.Object!))?.ResourceVersion == change.Object!.Metadata.ResourceVersion)
                {
                    return;
                }

                EnqueueDrifted([cluster.Observe(change.Object!)]);
                break;
        }
    }

    private void EnqueueDrifted(IEnumerable<ObservedEntry> entries)
    {
        if (plans.Current is not { } plan)
        {
            return;
        }

        foreach (var entry in entries)
        {
            if (plan.Desired.Targets.TryGetValue(entry.Secret.Secret, out var target)
                && !entry.Carries(target, sources.CurrentVersion(target.Source)))
            {
                term.Enqueue(WorkKey.ForSource(target.Source), AuditTriggers.Drift);
            }
        }
    }

    /// <summary>After a re-list: queues targets we wrote that are gone (deleted while the watch was down).</summary>
    private void EnqueueVanished()
    {
        if (plans.Current is not { } plan)
        {
            return;
        }

        foreach (var source in plan.Desired.Targets.Values
                     .Where(t => cluster.Find(t.Secret) is null && targets.WasApplied(t.Secret))
                     .Select(t => t.Source)
                     .Distinct())
        {
            term.Enqueue(WorkKey.ForSource(source), AuditTriggers.Drift);
        }
    }

    private static NamespacedName NameOf(Secret secret) => new(secret.Metadata.Namespace ?? "", secret.Metadata.Name ?? "");
}
