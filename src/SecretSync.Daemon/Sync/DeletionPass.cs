using Microsoft.Extensions.Logging;
using SecretSync.Audit;
using SecretSync.Core.Audit;
using SecretSync.Core.Model;
using SecretSync.Core.Planning;
using SecretSync.Core.Revocation;
using SecretSync.Daemon.Queue;
using SecretSync.Kubernetes.Errors;

namespace SecretSync.Daemon.Sync;

/// <summary>Makes the deletions the delete guard allows: revocations of absent sources and prunes of Secrets no longer desired.</summary>
/// <remarks>Deletions are decided per cycle, all together, so the guard weighs each against every other one wanted now.</remarks>
internal sealed class DeletionPass(
    DesiredPlans plans, SourceBook sources, ClusterState cluster, SecretWriter writer, TargetBook targets, DeletionState deletions,
    IDeletionApprovals approvals, AuditOnce once, IAuditRecorder audit, SyncMetrics metrics, ILogger<DeletionPass> logger)
{
    /// <summary>How often held deletions look again for an approval or for their cause to clear.</summary>
    public static readonly TimeSpan HoldRecheck = TimeSpan.FromSeconds(3);

    private const string HeldPrefix = "held/";

    public async Task<WorkResult> RunAsync(string trigger, CancellationToken cancellationToken)
    {
        if (plans.Current is not { } plan)
        {
            return WorkResult.Done;
        }

        var observed = cluster.ManagedSecrets.ToDictionary(e => e.Secret.Secret);
        var wanted = Wanted(plan, observed);
        var settings = plan.Config.Sync.RevocationBrake;
        var verdict = deletions.Guard.Evaluate(settings, wanted, observed.Count, approval: null);
        if (verdict.Holds && await approvals.ReadAsync(cancellationToken) is { } approval)
        {
            verdict = deletions.Guard.Evaluate(settings, wanted, observed.Count, approval);
            if (verdict.Holds && deletions.FirstIgnored(approval))
            {
                logger.LogWarning("Delete guard: ignoring the approval on the Lease, which names no current hold; the deletions stay held.");
            }
        }

        ReportHold(verdict, trigger);
        var ok = true;
        foreach (var deletion in verdict.Allowed)
        {
            ok &= await DeleteAsync(observed[deletion.Secret], deletion, verdict.Approved, trigger, cancellationToken);
        }

        if (verdict.Holds)
        {
            return WorkResult.RecheckIn(HoldRecheck);
        }

        return ok ? WorkResult.Done : WorkResult.Retry();
    }

    /// <summary>Every deletion wanted now: targets of sources the authority says are gone, then managed Secrets no longer desired.</summary>
    /// <remarks>Which source a target has comes from the configuration, never from the Secret's own annotations, so a tenant cannot opt out of a revocation.</remarks>
    private List<Deletion> Wanted(DesiredPlan plan, Dictionary<NamespacedName, ObservedEntry> observed)
    {
        var wanted = new List<Deletion>();
        foreach (var (source, decision) in sources.Revoked())
        {
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
        var before = deletions.Record(verdict);
        if (verdict.Holds && before?.HoldId != verdict.HoldId)
        {
            logger.LogWarning(
                "Delete guard {Summary}; nothing is deleted until the cause clears or an operator runs: secretsync revocations approve {HoldId}. Held: {Held}",
                verdict.Summary, verdict.HoldId, string.Join(", ", verdict.Held.Take(20).Select(d => d.Secret)) + (verdict.Held.Count > 20 ? ", …" : ""));
        }
        else if (!verdict.Holds && before?.Holds == true && verdict.Approved)
        {
            logger.LogInformation("Delete guard: hold {HoldId} approved by an operator.", before.HoldId);
        }
        else if (!verdict.Holds && before?.Holds == true)
        {
            logger.LogInformation("Delete guard released hold {HoldId}: the wanted deletions fell back within the thresholds.", before.HoldId);
        }

        once.Retain(HeldPrefix, verdict.Held.Select(d => HeldPrefix + d.Secret).ToHashSet(StringComparer.Ordinal));
        foreach (var deletion in verdict.Held)
        {
            once.Report(HeldPrefix + deletion.Secret, verdict.HoldId ?? "", () => audit.Record(
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

    private async Task<bool> DeleteAsync(ObservedEntry observed, Deletion deletion, bool approved, string trigger, CancellationToken cancellationToken)
    {
        var name = observed.Secret.Secret;
        var action = deletion.Cause == DeletionCause.Revoked ? AuditActions.Revoked : AuditActions.Pruned;
        try
        {
            using (targets.Deleting(name))
            {
                await writer.DeleteAsync(observed, cancellationToken);
            }
        }
        catch (KubernetesApiException ex) when (ex.Reason != KubernetesErrorReason.NotFound)
        {
            once.Report($"failed/{name}", ex.Reason.ToString(), () => audit.Record(AuditActions.Failed, AuditOutcomes.Failure, e => e with
            {
                Trigger = trigger,
                Namespace = name.Namespace,
                Secret = name.Name,
                Bundle = deletion.Bundle,
                Error = $"could not delete ({action}): Kubernetes {ex.Reason}: {ex.Message}",
            }));
            return false;
        }

        deletions.Guard.Deleted(approved);
        cluster.Forget(name);
        targets.Deleted(name);
        metrics.Sync(action, AuditOutcomes.Success);
        audit.Record(action, AuditOutcomes.Success, e => e with
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
}
