using SecretSync.Audit;
using SecretSync.Core.Audit;
using SecretSync.Core.Model;

namespace SecretSync.Daemon.Sync;

/// <summary>Recomputes desired state from the configuration and namespaces, queues what moved, and audits requests that write nothing.</summary>
internal sealed class DesiredReconciler(
    DesiredPlans plans, SourceBook sources, ClusterState cluster, TargetBook targets, AuditOnce once, IAuditRecorder audit, IWorkSink work)
{
    private const string RequestPrefix = "request/";

    public void Run(string trigger)
    {
        if (plans.Recompute(cluster.Namespaces) is not { } recomputed)
        {
            return;
        }

        var (previous, plan) = recomputed;
        var removed = previous.Desired.Targets.Keys.Any(k => !plan.Desired.Targets.ContainsKey(k));
        foreach (var (secret, target) in plan.Desired.Targets)
        {
            var source = sources[target.Source];
            if (!previous.Desired.Targets.TryGetValue(secret, out var before) || before != target
                || cluster.Find(secret)?.Carries(target, source.CurrentVersion) != true
                || source.VerifiedGeneration != plan.Generation)
            {
                work.Enqueue(WorkKey.ForSource(target.Source), trigger);
            }
        }

        if (removed || trigger != AuditTriggers.Namespace)
        {
            work.Enqueue(WorkKey.Prune, trigger);
        }

        targets.Status.RetainSources(plan.Desired.Sources.Keys.ToHashSet());
        targets.Retain(plan.Desired.Targets);
        ReportRequests(plan, trigger);
    }

    /// <summary>Audits namespace requests that write nothing (denied, unknown, invalid, colliding), once each while they last.</summary>
    private void ReportRequests(DesiredPlan plan, string trigger)
    {
        var desired = plan.Desired;
        (string Key, string State, string Action, Func<AuditEvent, AuditEvent> Fill)[] conditions =
        [
            .. desired.Denied.Select(d => ($"{RequestPrefix}denied/{d.Namespace}/{d.Bundle}", "", AuditActions.Denied, (Func<AuditEvent, AuditEvent>)(e => e with
            {
                Namespace = d.Namespace,
                Bundle = d.Bundle,
                Provider = plan.Config.Bundles.GetValueOrDefault(d.Bundle)?.Provider,
                Detail = $"namespace {d.Namespace} is not allowed bundle {d.Bundle}: its labels do not match the bundle's namespace selector; nothing was written",
            }))),
            .. desired.UnknownBundles.Select(u => ($"{RequestPrefix}unknown/{u.Namespace}/{u.Bundle}", "", AuditActions.Denied, (Func<AuditEvent, AuditEvent>)(e => e with
            {
                Namespace = u.Namespace,
                Bundle = u.Bundle,
                Detail = $"namespace {u.Namespace} asks for bundle {u.Bundle}, which the configuration does not define",
            }))),
            .. desired.InvalidRequests.Select(i => ($"{RequestPrefix}invalid/{i.Namespace}", i.Request.ToString() ?? "", AuditActions.Denied, (Func<AuditEvent, AuditEvent>)(e => e with
            {
                Namespace = i.Namespace,
                Detail = $"annotation {Annotations.Bundles} is not valid: {i.Request}",
            }))),
            .. desired.Collisions.Select(c => ($"{RequestPrefix}collision/{c.Secret}", "", AuditActions.Conflict, (Func<AuditEvent, AuditEvent>)(e => e with
            {
                Namespace = c.Secret.Namespace,
                Secret = c.Secret.Name,
                Detail = $"bundles {string.Join(", ", c.Bundles)} all map Secret {c.Secret.Name}; none is written until only one does",
            }))),
        ];

        foreach (var (key, state, action, fill) in conditions)
        {
            once.Report(key, state, () => audit.Record(action, AuditOutcomes.Skipped, e => fill(e with { Trigger = trigger })));
        }

        once.Retain(RequestPrefix, conditions.Select(c => c.Key).ToHashSet(StringComparer.Ordinal));
    }
}
