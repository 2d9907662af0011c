using SecretSync.Core.Desired;
using SecretSync.Core.Model;
using SecretSync.Core.Providers;

namespace SecretSync.Core.Planning;

/// <summary>What the daemon knows of a Secret in the cluster: metadata and a keyed hash of its data, never the data.</summary>
/// <param name="Secret">Where it lives.</param>
/// <param name="Type">Its Secret type.</param>
/// <param name="Labels">Its labels.</param>
/// <param name="Annotations">Its annotations.</param>
/// <param name="DataHash">Its type and current data hashed with the same <see cref="Rendering.ContentHasher"/> as desired content.</param>
/// <param name="Seal">What its <see cref="Model.Annotations.Seal"/> proves.</param>
public sealed record ObservedSecret(
    NamespacedName Secret, string Type, IReadOnlyDictionary<string, string> Labels, IReadOnlyDictionary<string, string> Annotations, string DataHash,
    Rendering.SealState Seal)
{
    /// <summary>SecretSync wrote this Secret: its seal names it, or (from a version without seals) its content hash verifies under the install key.</summary>
    /// <remarks>Only such Secrets are ever updated, restored or deleted; an object that merely carries the managed-by label is not.</remarks>
    public bool WrittenBySecretSync => Model.Annotations.IsManaged(Labels) && Seal switch
    {
        Rendering.SealState.Valid or Rendering.SealState.MetadataEdited => true,
        Rendering.SealState.Missing => Annotations.GetValueOrDefault(Model.Annotations.ContentHash) == DataHash,
        _ => false,
    };

    /// <summary>Its <c>secretsync.io/*</c> annotation <paramref name="key"/>, only when the seal vouches for it; a tenant may have edited it otherwise.</summary>
    public string? Vouched(string key) => Seal == Rendering.SealState.Valid ? Annotations.GetValueOrDefault(key) : null;
}

/// <summary>What to do with one desired Secret.</summary>
public enum PlanAction
{
    /// <summary>The Secret is as desired: write nothing.</summary>
    None,

    /// <summary>The Secret does not exist yet.</summary>
    Create,

    /// <summary>The source changed: write the new content.</summary>
    Update,

    /// <summary>The managed Secret was deleted or edited by hand: write it back (audited as <c>restored</c>, trigger <c>drift</c>).</summary>
    Restore,

    /// <summary>Written by a SecretSync version without seals and unchanged since: rewrite it whole, sealed, keeping nothing else of it.</summary>
    Adopt,

    /// <summary>A Secret of that name exists that SecretSync did not write (no managed-by label, or the label without a valid seal): never touch it.</summary>
    Conflict,
}

/// <summary>The planned action for one desired Secret.</summary>
/// <param name="Action">What to do.</param>
/// <param name="Reason">Why, for logs and audit events.</param>
/// <param name="Recreate">The Secret type changed, which Kubernetes forbids in place: delete, then create.</param>
public sealed record SecretPlan(PlanAction Action, string Reason, bool Recreate = false)
{
    /// <summary>True when the plan writes to Kubernetes.</summary>
    public bool Writes => Action is PlanAction.Create or PlanAction.Update or PlanAction.Restore or PlanAction.Adopt;
}

/// <summary>A managed Secret that is no longer desired and should be deleted.</summary>
/// <param name="Secret">The Secret.</param>
/// <param name="Bundle">The bundle it was written for, from its annotation.</param>
/// <param name="Reason">Why it goes.</param>
public sealed record PruneDecision(NamespacedName Secret, string? Bundle, string Reason);

/// <summary>Compares desired and observed Secrets; writes only when the keyed content hash differs.</summary>
public static class SecretPlanner
{
    private static readonly string[] OwnedAnnotations =
        [Annotations.Bundle, Annotations.Provider, Annotations.Source, Annotations.SourceVersion, Annotations.SourceCreated];

    /// <summary>Plans one desired Secret.</summary>
    /// <param name="target">The desired Secret.</param>
    /// <param name="contentHash">The hash of its rendered content.</param>
    /// <param name="version">The source version rendered.</param>
    /// <param name="observed">The Secret in the cluster, or null when there is none.</param>
    /// <param name="lastAppliedHash">The hash this daemon last wrote there, if it remembers one; tells a deletion from a first creation.</param>
    public static SecretPlan Plan(DesiredTarget target, string contentHash, SourceVersion version, ObservedSecret? observed, string? lastAppliedHash = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentException.ThrowIfNullOrEmpty(contentHash);

        if (observed is null)
        {
            return lastAppliedHash is null
                ? new SecretPlan(PlanAction.Create, "Secret does not exist")
                : new SecretPlan(PlanAction.Restore, "managed Secret was deleted");
        }

        if (!Annotations.IsManaged(observed.Labels))
        {
            return new SecretPlan(PlanAction.Conflict, $"a Secret named {observed.Secret} exists without label {Annotations.ManagedByLabel}={Annotations.ManagedByValue}; it is left untouched");
        }

        var recreate = observed.Type != target.Type;
        if (!observed.WrittenBySecretSync)
        {
            return new SecretPlan(PlanAction.Conflict,
                $"a Secret named {observed.Secret} carries label {Annotations.ManagedByLabel}={Annotations.ManagedByValue} but SecretSync did not write it (no valid {Annotations.Seal}); it is left untouched");
        }

        if (observed.Seal == Rendering.SealState.Missing)
        {
            return new SecretPlan(PlanAction.Adopt, "written by a SecretSync version without seals; rewritten whole and sealed", recreate);
        }

        if (observed.Seal == Rendering.SealState.MetadataEdited)
        {
            return new SecretPlan(PlanAction.Restore, "its secretsync.io/* annotations were edited by hand", recreate);
        }

        var recorded = observed.Annotations.GetValueOrDefault(Annotations.ContentHash);
        if (recorded != observed.DataHash)
        {
            return new SecretPlan(PlanAction.Restore, recorded is null ? "content-hash annotation was removed" : "data was edited by hand", recreate);
        }

        if (recorded != contentHash)
        {
            return new SecretPlan(PlanAction.Update, "source content changed", recreate);
        }

        var desired = ManagedMetadata.AnnotationsFor(target, version, contentHash);
        var stale = OwnedAnnotations.FirstOrDefault(key => observed.Annotations.GetValueOrDefault(key) != desired[key]);
        return stale is null
            ? new SecretPlan(PlanAction.None, "up to date")
            : new SecretPlan(PlanAction.Update, $"annotation {stale} changed");
    }

    /// <summary>Managed Secrets no longer desired; Secrets SecretSync did not write and contested names are never pruned.</summary>
    public static IReadOnlyList<PruneDecision> Prune(DesiredState desired, IEnumerable<ObservedSecret> observed)
    {
        ArgumentNullException.ThrowIfNull(desired);
        ArgumentNullException.ThrowIfNull(observed);

        var denied = desired.Denied.ToHashSet();
        var decisions = new List<PruneDecision>();
        foreach (var secret in observed)
        {
            if (!secret.WrittenBySecretSync || desired.Targets.ContainsKey(secret.Secret) || desired.IsContested(secret.Secret))
            {
                continue;
            }

            var bundle = secret.Vouched(Annotations.Bundle);
            var reason = bundle is not null && denied.Contains(new BundleDenial(secret.Secret.Namespace, bundle))
                ? $"namespace is no longer allowed bundle {bundle}"
                : "no longer requested by the namespace or mapped by the configuration";
            decisions.Add(new PruneDecision(secret.Secret, bundle, reason));
        }

        return decisions;
    }
}
