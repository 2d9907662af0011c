using SecretSync.Core.Configuration;
using SecretSync.Core.Desired;
using SecretSync.Core.Model;

namespace SecretSync.Daemon.Sync;

/// <summary>Desired state for one configuration generation, indexed by source.</summary>
internal sealed record DesiredPlan(SyncConfig Config, DesiredState Desired, ILookup<SourceRef, DesiredTarget> BySource, int Generation)
{
    public static DesiredPlan For(SyncConfig config, IEnumerable<NamespaceInfo> namespaces, int generation)
    {
        var desired = DesiredState.Compute(config, namespaces);
        return new DesiredPlan(config, desired, desired.Targets.Values.ToLookup(t => t.Source), generation);
    }

    /// <summary>The providers that desired targets read from; an unused provider is never checked, so it is neither up nor down.</summary>
    public IReadOnlyList<string> UsedProviders() => [.. Desired.Sources.Keys.Select(s => s.Provider).Distinct().Order(StringComparer.Ordinal)];
}

/// <summary>The plan in force: a new generation per configuration, the same generation when only namespaces change.</summary>
internal sealed class DesiredPlans
{
    private DesiredPlan? _current;
    private int _generation;

    public DesiredPlan? Current => Volatile.Read(ref _current);

    /// <summary>Installs a configuration as a new generation, so every source is verified against it once.</summary>
    public DesiredPlan Install(SyncConfig config, IEnumerable<NamespaceInfo> namespaces)
    {
        var plan = DesiredPlan.For(config, namespaces, Interlocked.Increment(ref _generation));
        Volatile.Write(ref _current, plan);
        return plan;
    }

    /// <summary>Recomputes the current generation for changed namespaces; returns the plan it replaced, or null before the first.</summary>
    public (DesiredPlan Previous, DesiredPlan Current)? Recompute(IEnumerable<NamespaceInfo> namespaces)
    {
        if (Current is not { } previous)
        {
            return null;
        }

        var plan = DesiredPlan.For(previous.Config, namespaces, previous.Generation);
        Volatile.Write(ref _current, plan);
        return (previous, plan);
    }
}
