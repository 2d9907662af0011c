using System.Collections.Frozen;
using SecretSync.Core.Configuration;
using SecretSync.Core.Model;

namespace SecretSync.Core.Desired;

/// <summary>One Secret the daemon should keep in sync.</summary>
/// <param name="Secret">Where it lives.</param>
/// <param name="Bundle">The bundle that maps it.</param>
/// <param name="Source">The provider and path its data comes from.</param>
/// <param name="KeyRenames">Source key to Secret key; unlisted keys are copied as they are.</param>
/// <param name="Type">The Secret type.</param>
public sealed record DesiredTarget(NamespacedName Secret, string Bundle, SourceRef Source, IReadOnlyDictionary<string, string> KeyRenames, string Type);

/// <summary>A namespace asked for a bundle its labels do not allow: nothing is written (the tenancy guard).</summary>
/// <param name="Namespace">The asking namespace.</param>
/// <param name="Bundle">The refused bundle.</param>
public sealed record BundleDenial(string Namespace, string Bundle);

/// <summary>A namespace asked for a bundle that is not configured.</summary>
/// <param name="Namespace">The asking namespace.</param>
/// <param name="Bundle">The unknown name.</param>
public sealed record UnknownBundle(string Namespace, string Bundle);

/// <summary>Part of a namespace's bundles annotation could not be honoured.</summary>
/// <param name="Namespace">The namespace.</param>
/// <param name="Request">The parsed annotation, with its rejected tokens.</param>
public sealed record InvalidBundleRequest(string Namespace, BundleRequest Request);

/// <summary>Several requested bundles map the same Secret name in one namespace; none of them is written.</summary>
/// <param name="Secret">The contested Secret.</param>
/// <param name="Bundles">Every bundle that maps it, sorted.</param>
public sealed record TargetCollision(NamespacedName Secret, IReadOnlyList<string> Bundles);

/// <summary>Desired state = configuration × opted-in namespaces, before any source is read.</summary>
/// <param name="Targets">The Secrets to keep in sync.</param>
/// <param name="Denied">Requests refused by the tenancy guard.</param>
/// <param name="UnknownBundles">Requests for bundles that do not exist.</param>
/// <param name="InvalidRequests">Annotations with rejected tokens or over the limits.</param>
/// <param name="Collisions">Secret names claimed by more than one requested bundle.</param>
/// <param name="Sources">Each distinct source with the number of targets using it; each is read once per cycle.</param>
public sealed record DesiredState(
    IReadOnlyDictionary<NamespacedName, DesiredTarget> Targets,
    IReadOnlyList<BundleDenial> Denied,
    IReadOnlyList<UnknownBundle> UnknownBundles,
    IReadOnlyList<InvalidBundleRequest> InvalidRequests,
    IReadOnlyList<TargetCollision> Collisions,
    IReadOnlyDictionary<SourceRef, int> Sources)
{
    /// <summary>Computes the desired state; deterministic for the same inputs.</summary>
    public static DesiredState Compute(SyncConfig config, IEnumerable<NamespaceInfo> namespaces)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(namespaces);

        var targets = new Dictionary<NamespacedName, DesiredTarget>();
        var denied = new List<BundleDenial>();
        var unknown = new List<UnknownBundle>();
        var invalid = new List<InvalidBundleRequest>();
        var collisions = new List<TargetCollision>();
        foreach (var ns in namespaces.OrderBy(n => n.Name, StringComparer.Ordinal))
        {
            if (!ns.Annotations.TryGetValue(Annotations.Bundles, out var value))
            {
                continue;
            }

            var request = Annotations.ParseBundles(value);
            if (request.HasProblems)
            {
                invalid.Add(new InvalidBundleRequest(ns.Name, request));
            }

            var claims = new Dictionary<string, List<DesiredTarget>>(StringComparer.Ordinal);
            foreach (var name in request.Names)
            {
                if (!config.Bundles.TryGetValue(name, out var bundle))
                {
                    unknown.Add(new UnknownBundle(ns.Name, name));
                }
                else if (!bundle.Namespaces.Matches(ns.Labels))
                {
                    denied.Add(new BundleDenial(ns.Name, name));
                }
                else
                {
                    foreach (var mapping in bundle.Secrets)
                    {
                        var secret = new NamespacedName(ns.Name, mapping.Target);
                        var target = new DesiredTarget(secret, bundle.Name, new SourceRef(bundle.Provider, mapping.Source), mapping.KeyRenames, mapping.Type);
                        (claims.TryGetValue(mapping.Target, out var list) ? list : claims[mapping.Target] = []).Add(target);
                    }
                }
            }

            foreach (var (_, claimants) in claims.OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                if (claimants.Count == 1)
                {
                    targets[claimants[0].Secret] = claimants[0];
                }
                else
                {
                    collisions.Add(new TargetCollision(claimants[0].Secret, [.. claimants.Select(c => c.Bundle).Order(StringComparer.Ordinal)]));
                }
            }
        }

        var sources = targets.Values.GroupBy(t => t.Source).ToFrozenDictionary(g => g.Key, g => g.Count());
        return new DesiredState(targets.ToFrozenDictionary(), denied, unknown, invalid, collisions, sources);
    }

    /// <summary>True when <paramref name="secret"/> is contested; such names are neither written nor pruned.</summary>
    public bool IsContested(NamespacedName secret) => Collisions.Any(c => c.Secret == secret);
}
