namespace SecretSync.Core.Configuration;

/// <summary>The settings a running daemon cannot change in place; a reload names them, and they apply at the next start.</summary>
/// <remarks>
/// Everything else applies on reload: providers, bundles, the poll interval and policies, the delete guard,
/// restarts, audit sinks and the cluster name. These are bound to what the process built at start: its HTTP
/// listener, its Kubernetes client and work queue, and its Lease. (The install key, <c>audit.hmacKey</c>, is
/// reported by the audit sinks' own reload.)
/// </remarks>
public static class RestartBound
{
    /// <summary>The restart-bound fields whose values differ between the running and the reloaded configuration.</summary>
    /// <param name="running">The configuration the process started with.</param>
    /// <param name="reloaded">The configuration just reloaded.</param>
    /// <returns>Dotted field names, in file order; empty when the reload applies in full.</returns>
    public static IReadOnlyList<string> Changed(SyncConfig running, SyncConfig reloaded)
    {
        ArgumentNullException.ThrowIfNull(running);
        ArgumentNullException.ThrowIfNull(reloaded);
        var checks = new (bool Differs, string Field)[]
        {
            (running.Sync.Concurrency != reloaded.Sync.Concurrency, "sync.concurrency"),
            (running.Sync.Kubernetes != reloaded.Sync.Kubernetes, "sync.kubernetes"),
            (running.Server != reloaded.Server, "server"),
            (running.LeaderElection != reloaded.LeaderElection, "leaderElection"),
        };
        return [.. checks.Where(c => c.Differs).Select(c => c.Field)];
    }
}
