using SecretSync.Daemon.Sync;

namespace SecretSync.Daemon.Hosting;

/// <summary>The running daemon's state as the endpoints and the CLI see it.</summary>
public sealed class DaemonRuntime
{
    private volatile SyncEngine? _engine;

    /// <summary>This replica's identity.</summary>
    public string Instance { get; internal init; } = "";

    /// <summary>The namespace and managed-Secret caches have been filled from the API server.</summary>
    public bool CachesSynced { get; internal set; }

    /// <summary>This replica holds the lease and writes.</summary>
    public bool IsLeader { get; internal set; }

    /// <summary>A first full pass over every source finished in the current leadership term.</summary>
    public bool FirstSyncDone { get; internal set; }

    /// <summary>When the last full pass finished.</summary>
    public DateTimeOffset? LastFullSync { get; internal set; }

    /// <summary>The address the HTTP endpoints listen on, once bound.</summary>
    public Uri? Endpoint { get; internal set; }

    /// <summary>Why the sync loop stopped, when it failed rather than being stopped; the process then exits non-zero.</summary>
    public Exception? Failure { get; internal set; }

    /// <summary>Ready: synced as leader, or a healthy standby with warm caches.</summary>
    public bool Ready => CachesSynced && (!IsLeader || FirstSyncDone);

    internal SyncEngine? Engine
    {
        get => _engine;
        set => _engine = value;
    }

    /// <summary>What is synced where and the last errors, never values: the <c>/status</c> document.</summary>
    public DaemonStatus Snapshot()
    {
        var engine = Engine;
        var plan = engine?.Plan;
        return new DaemonStatus(
            plan?.Config.Cluster ?? "",
            Instance,
            IsLeader,
            Ready,
            LastFullSync,
            engine?.BrakeSummary,
            engine?.Status.Sources ?? [],
            engine?.Status.Targets ?? [],
            plan?.Desired.Denied.Select(d => $"{d.Namespace}: bundle {d.Bundle}").ToList() ?? [],
            plan?.Desired.Collisions.Select(c => $"{c.Secret}: {string.Join(", ", c.Bundles)}").ToList() ?? []);
    }
}
