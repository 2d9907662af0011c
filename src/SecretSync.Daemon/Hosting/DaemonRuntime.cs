using SecretSync.Daemon.Sync;

namespace SecretSync.Daemon.Hosting;

/// <summary>The running daemon's state as the endpoints and the CLI see it.</summary>
public sealed class DaemonRuntime
{
    private volatile SyncHealth? _sync;

    /// <summary>This replica's identity.</summary>
    public string Instance { get; internal init; } = "";

    /// <summary>The namespace and managed-Secret caches have been filled from the API server.</summary>
    public bool CachesSynced { get; internal set; }

    /// <summary>This replica holds the lease and writes.</summary>
    public bool IsLeader { get; internal set; }

    /// <summary>A first full pass over every source finished in the current leadership term, whatever its outcome.</summary>
    public bool FirstSyncDone { get; internal set; }

    /// <summary>When the current leadership term began.</summary>
    public DateTimeOffset? LeadingSince { get; internal set; }

    /// <summary>When a cycle last ended with every provider answering and no target failing.</summary>
    public DateTimeOffset? LastSuccessfulSync => Sync?.LastCleanSync;

    /// <summary>In this leadership term, a cycle ended with every provider answering and no target failing.</summary>
    public bool ConvergedThisTerm => LastSuccessfulSync is { } clean && LeadingSince is { } since && clean >= since;

    /// <summary>The address the HTTP endpoints listen on, once bound.</summary>
    public Uri? Endpoint { get; internal set; }

    /// <summary>Why the sync loop stopped, when it failed rather than being stopped; the process then exits non-zero.</summary>
    public Exception? Failure { get; internal set; }

    /// <summary>Ready: a standby with warm caches, or a leader whose first pass converged with every provider answering.</summary>
    /// <remarks>Once ready, a leader stays ready through a later authority outage: the last good Secrets stay in place, and
    /// the outage shows in <c>secretsync_provider_up</c> and an ageing <c>secretsync_last_successful_sync_timestamp_seconds</c>.</remarks>
    public bool Ready => CachesSynced && (!IsLeader || (FirstSyncDone && ConvergedThisTerm));

    /// <summary>Why <see cref="Ready"/> is what it is, in one line.</summary>
    public string Readiness
    {
        get
        {
            if (!CachesSynced)
            {
                return "caches not synced yet";
            }

            if (!IsLeader)
            {
                return "ready: standby with warm caches";
            }

            if (!FirstSyncDone)
            {
                return "first sync as leader not finished";
            }

            if (ConvergedThisTerm)
            {
                return "ready: leading, converged";
            }

            var engine = Sync;
            var down = engine?.UsedProviders().Where(p => !engine.IsProviderUp(p)).ToList() ?? [];
            return $"first sync as leader has not converged: {engine?.Failing ?? 0} target(s) failing"
                + (down.Count > 0 ? $", provider(s) not answering: {string.Join(", ", down)}" : "") + " (see /status)";
        }
    }

    /// <summary>The sync engine's health, once it runs.</summary>
    internal SyncHealth? Sync
    {
        get => _sync;
        set => _sync = value;
    }

    /// <summary>What is synced where and the last errors, never values: the <c>/status</c> document.</summary>
    public DaemonStatus Snapshot()
    {
        var engine = Sync;
        var plan = engine?.Plan;
        var verdict = engine?.Deletions;
        return new DaemonStatus(
            plan?.Config.Cluster ?? "",
            Instance,
            IsLeader,
            Ready,
            Readiness,
            LastSuccessfulSync,
            engine?.UsedProviders().ToDictionary(p => p, p => engine.IsProviderUp(p)) ?? [],
            engine?.NotConverged ?? 0,
            new DeleteGuardStatus(
                verdict?.Holds == true,
                verdict?.HoldId,
                verdict?.Summary,
                verdict?.HoldId is { } id ? $"secretsync revocations approve {id}" : null,
                verdict?.Held.Select(d => new HeldDeletion(d.Secret.Namespace, d.Secret.Name, d.Cause.ToString().ToLowerInvariant(), d.Bundle, d.Reason)).ToList() ?? []),
            engine?.Status.Sources ?? [],
            engine?.Status.Targets ?? [],
            plan?.Desired.Denied.Select(d => $"{d.Namespace}: bundle {d.Bundle}").ToList() ?? [],
            plan?.Desired.Collisions.Select(c => $"{c.Secret}: {string.Join(", ", c.Bundles)}").ToList() ?? []);
    }
}
