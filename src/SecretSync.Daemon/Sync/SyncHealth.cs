using SecretSync.Core.Revocation;

namespace SecretSync.Daemon.Sync;

/// <summary>Clean cycles and what the engine state says about health, for <c>/readyz</c>, <c>/status</c> and the metrics.</summary>
internal sealed class SyncHealth(DesiredPlans plans, TargetBook targets, ProviderHealth providers, DeletionState deletions, TimeProvider time)
{
    private long _lastCleanSync = long.MinValue;

    public DesiredPlan? Plan => plans.Current;

    public StatusBoard Status => targets.Status;

    /// <summary>The delete guard's last verdict; holding while <see cref="GuardVerdict.Holds"/>.</summary>
    public GuardVerdict? Deletions => deletions.Verdict;

    public bool BrakeHolds => Deletions?.Holds == true;

    /// <summary>When a cycle last ended with every provider answering and no target failing; null before the first.</summary>
    /// <remarks>Conflicts with unmanaged Secrets and denied requests are a tenant's doing, not failures, and do not count.</remarks>
    public DateTimeOffset? LastCleanSync => Interlocked.Read(ref _lastCleanSync) is var ticks && ticks == long.MinValue ? null : new DateTimeOffset(ticks, TimeSpan.Zero);

    public bool IsProviderUp(string provider) => providers.IsUp(provider);

    /// <summary>Desired targets that do not carry their source yet: failing, in conflict, or not written so far.</summary>
    public int NotConverged => Plan is { } plan ? plan.Desired.Targets.Keys.Count(k => Status.FindTarget(k) is not { LastError: null, SourceVersion: not null }) : 0;

    /// <summary>Desired targets whose last write or read failed.</summary>
    public int Failing => targets.Failing;

    /// <summary>The providers that desired targets read from.</summary>
    public IReadOnlyList<string> UsedProviders() => Plan?.UsedProviders() ?? [];

    /// <summary>Records the moment as a clean sync when every provider answers and no target is failing.</summary>
    public void NoteCycle()
    {
        if (Plan is { } plan && !targets.AnyFailing && plan.UsedProviders().All(providers.IsUp))
        {
            Interlocked.Exchange(ref _lastCleanSync, time.GetUtcNow().UtcTicks);
        }
    }
}
