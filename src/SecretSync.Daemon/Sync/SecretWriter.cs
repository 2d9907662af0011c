using System.Diagnostics;
using System.Globalization;
using SecretSync.Audit;
using SecretSync.Core.Audit;
using SecretSync.Core.Desired;
using SecretSync.Core.Model;
using SecretSync.Core.Planning;
using SecretSync.Core.Providers;
using SecretSync.Core.Rendering;
using SecretSync.Core.Revocation;
using SecretSync.Daemon.Restarts;
using SecretSync.Kubernetes.Errors;
using SecretSync.Kubernetes.Models;

namespace SecretSync.Daemon.Sync;

/// <summary>Writes one target from a source payload with the fewest requests, and audits what it wrote.</summary>
/// <remarks>
/// A Kubernetes write happens only when the keyed content hash or the source metadata differs; a Secret without
/// the managed-by label is never touched; a cache that was behind is refreshed for that one Secret and planned again.
/// </remarks>
internal sealed class SecretWriter(
    ISecretStore store, ClusterState cluster, TargetBook targets, AuditOnce once, IAuditRecorder audit, SyncMetrics metrics,
    IRotationListener rotations, TimeProvider time)
{
    private const int Attempts = 3;

    /// <summary>Writes <paramref name="target"/>; false when it should be retried on its own.</summary>
    public async Task<bool> ApplyAsync(DesiredTarget target, SecretPayload payload, string trigger, long started, CancellationToken cancellationToken)
    {
        RenderResult rendered;
        using (SyncTracing.Render(target.Secret, payload.Version))
        {
            rendered = SecretRenderer.Render(target, payload);
        }

        if (rendered is RenderResult.Failed failed)
        {
            AuditFailure(target, payload.Version, trigger, $"cannot render Secret: {failed.Error.Message}");
            return true;
        }

        var secret = ((RenderResult.Rendered)rendered).Secret;
        var hash = cluster.Pool.String(cluster.Hasher.Hash(secret));
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var observed = cluster.Find(target.Secret);
            var plan = SecretPlanner.Plan(target, hash, payload.Version, observed?.Secret, targets.Applied(target.Secret));
            using var span = plan.Action is PlanAction.None or PlanAction.Conflict ? null : SyncTracing.Write(target.Secret, payload.Version, plan.Action.ToString());
            try
            {
                switch (plan.Action)
                {
                    case PlanAction.None:
                        once.Clear($"conflict/{target.Secret}");
                        targets.Synced(target, hash, payload.Version.Id);
                        return true;
                    case PlanAction.Conflict:
                        ReportConflict(target, trigger, plan.Reason);
                        return true;
                    case PlanAction.Create or PlanAction.Restore when observed is null:
                        if (!await CreateAsync(target, secret, hash, payload.Version, cancellationToken))
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
                await RefreshAsync(target.Secret, cancellationToken);
                continue;
            }
            catch (KubernetesApiException ex)
            {
                SyncTracing.Failed(span, ex.Reason.ToString());
                AuditFailure(target, payload.Version, trigger, $"Kubernetes {ex.Reason}: {ex.Message}");
                return false;
            }

            Written(target, plan, observed, secret, hash, payload.Version, trigger, started);
            return true;
        }

        AuditFailure(target, payload.Version, trigger, "the Secret kept changing under concurrent writes; will retry");
        return false;
    }

    /// <summary>Re-reads one Secret into the cache; unmanaged Secrets are cached too so the planner sees the conflict.</summary>
    public async Task RefreshAsync(NamespacedName name, CancellationToken cancellationToken)
    {
        if (await store.TryGetAsync(name, cancellationToken) is { } current)
        {
            cluster.Observe(current);
        }
        else
        {
            cluster.Forget(name);
        }
    }

    /// <summary>Marks a target whose source is gone under a retain policy; the Secret itself stays.</summary>
    public async Task MarkSourceDeletedAsync(DesiredTarget target, RevocationDecision decision, string trigger, CancellationToken cancellationToken)
    {
        if (cluster.Find(target.Secret) is not { } observed || !observed.Secret.WrittenBySecretSync
            || observed.Annotation(Annotations.SourceDeleted) is not null)
        {
            return;
        }

        cluster.Observe(await store.AnnotateAsync(
            target.Secret, Annotations.SourceDeleted, time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture), cancellationToken));
        audit.Record(AuditActions.Revoked, AuditOutcomes.Skipped, e => About(e, target) with
        {
            Trigger = trigger,
            PreviousVersion = observed.Annotation(Annotations.SourceVersion),
            Detail = decision.Reason,
        });
    }

    /// <summary>Deletes a managed Secret only if it is still the object we saw (uid precondition).</summary>
    public Task DeleteAsync(ObservedEntry observed, CancellationToken cancellationToken) =>
        store.DeleteAsync(observed.Secret.Secret, observed.Uid, cancellationToken);

    private void Written(
        DesiredTarget target, SecretPlan plan, ObservedEntry? observed, RenderedSecret secret, string hash, SourceVersion version, string trigger, long started)
    {
        var previous = observed?.Secret.Vouched(Annotations.SourceVersion);
        var action = plan.Action switch
        {
            PlanAction.Create => AuditActions.Created,
            PlanAction.Restore => AuditActions.Restored,
            _ => AuditActions.Updated,
        };
        once.Clear($"conflict/{target.Secret}");
        once.Clear($"failed/{target.Secret}");
        metrics.Sync(action, AuditOutcomes.Success);
        if (action == AuditActions.Updated && previous != version.Id)
        {
            metrics.PropagationSeconds.Record(Math.Max(0, (time.GetUtcNow() - version.CreatedAt).TotalSeconds));
        }

        audit.Record(action, AuditOutcomes.Success, e => About(e, target) with
        {
            Trigger = plan.Action == PlanAction.Restore ? AuditTriggers.Drift : trigger,
            SourceVersion = version.Id,
            PreviousVersion = previous,
            ContentHmac = hash,
            Detail = plan.Reason,
            LatencyMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds,
        });
        targets.Synced(target, hash, version.Id);
        NotifyRotation(target, observed, hash, secret, version.Id, previous, trigger);
    }

    /// <summary>Tells the restarter which keys of an existing Secret now hold a different value (by key digest, never by value).</summary>
    /// <remarks>A created Secret changes nothing a running pod holds; a removed key is not a reason to restart into a missing key.</remarks>
    private void NotifyRotation(DesiredTarget target, ObservedEntry? before, string hash, RenderedSecret written, string version, string? previous, string trigger)
    {
        if (before is null || before.Secret.DataHash == hash)
        {
            return;
        }

        var after = cluster.DigestKeys(written.Data);
        var changed = after.Where(k => !before.KeyDigests.TryGetValue(k.Key, out var old) || old != k.Value).Select(k => k.Key).Order(StringComparer.Ordinal).ToList();
        if (changed.Count > 0)
        {
            rotations.OnRotated(new SecretRotation(target.Secret, changed, target.Source.Provider, target.Source.Path, version, previous, trigger));
        }
    }

    /// <summary>Creates the Secret; if one appeared meanwhile, caches it and returns false so the caller plans again.</summary>
    private async Task<bool> CreateAsync(DesiredTarget target, RenderedSecret secret, string hash, SourceVersion version, CancellationToken cancellationToken)
    {
        try
        {
            cluster.Observe(await store.CreateAsync(Build(target, secret, hash, version, null), cancellationToken));
            return true;
        }
        catch (KubernetesApiException ex) when (ex.Reason == KubernetesErrorReason.AlreadyExists)
        {
            await RefreshAsync(target.Secret, cancellationToken);
            return false;
        }
    }

    /// <summary>Writes the Secret over <paramref name="observed"/>; an adopted one keeps nothing of what it carried.</summary>
    private async Task ReplaceAsync(
        DesiredTarget target, RenderedSecret secret, string hash, SourceVersion version, ObservedEntry observed, bool recreate, bool adopt, CancellationToken cancellationToken)
    {
        var replacement = Build(target, secret, hash, version, adopt ? null : observed);
        if (recreate)
        {
            await DeleteAsync(observed, cancellationToken);
            cluster.Observe(await store.CreateAsync(replacement, cancellationToken));
            return;
        }

        replacement.Metadata.ResourceVersion = observed.ResourceVersion;
        cluster.Observe(await store.ReplaceAsync(replacement, cancellationToken));
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

        annotations[Annotations.Seal] = cluster.Hasher.Seal(target.Secret, annotations);

        return new Secret
        {
            Metadata = new ObjectMeta { Name = target.Secret.Name, Namespace = target.Secret.Namespace, Labels = labels, Annotations = annotations },
            Type = secret.Type,
            Data = secret.Data.ToDictionary(StringComparer.Ordinal),
        };
    }

    private void ReportConflict(DesiredTarget target, string trigger, string reason) =>
        once.Report($"conflict/{target.Secret}", "", () =>
        {
            metrics.Sync(AuditActions.Conflict, AuditOutcomes.Skipped);
            targets.Errored(target, reason, failing: false);
            audit.Record(AuditActions.Conflict, AuditOutcomes.Skipped, e => About(e, target) with
            {
                Trigger = trigger,
                Detail = reason,
            });
        });

    private void AuditFailure(DesiredTarget target, SourceVersion version, string trigger, string error)
    {
        targets.Errored(target, error, failing: true);
        once.Report($"failed/{target.Secret}", error, () =>
        {
            metrics.Sync(AuditActions.Failed, AuditOutcomes.Failure);
            audit.Record(AuditActions.Failed, AuditOutcomes.Failure, e => About(e, target) with
            {
                Trigger = trigger,
                SourceVersion = version.Id,
                Error = error,
            });
        });
    }

    /// <summary>The fields every event about a target carries: where it is and what feeds it.</summary>
    private static AuditEvent About(AuditEvent e, DesiredTarget target) => e with
    {
        Namespace = target.Secret.Namespace,
        Secret = target.Secret.Name,
        Bundle = target.Bundle,
        Provider = target.Source.Provider,
        Source = target.Source.Path,
    };
}
