using SecretSync.Core.Model;

namespace SecretSync.Daemon.Sync;

/// <summary>What the work queue reconciles.</summary>
internal enum WorkKind
{
    /// <summary>One distinct source and every target that uses it.</summary>
    Source,

    /// <summary>One target whose write failed: retried with its own back-off, so it never delays the source's other targets.</summary>
    Target,

    /// <summary>One provider's batch version check (a poll cycle).</summary>
    Poll,

    /// <summary>Recompute desired state from configuration and namespaces.</summary>
    Desired,

    /// <summary>Delete managed Secrets that are no longer desired.</summary>
    Prune,
}

/// <summary>A work queue key; equal keys are de-duplicated.</summary>
internal readonly record struct WorkKey(WorkKind Kind, string Provider = "", string Path = "", NamespacedName Secret = default)
{
    public static WorkKey Desired { get; } = new(WorkKind.Desired);

    public static WorkKey Prune { get; } = new(WorkKind.Prune);

    public static WorkKey ForSource(SourceRef source) => new(WorkKind.Source, source.Provider, source.Path);

    public static WorkKey ForPoll(string provider) => new(WorkKind.Poll, provider);

    public static WorkKey ForTarget(SourceRef source, NamespacedName secret) => new(WorkKind.Target, source.Provider, source.Path, secret);

    public SourceRef Source => new(Provider, Path);

    public override string ToString() => Kind switch
    {
        WorkKind.Source => $"source {Provider}:{Path}",
        WorkKind.Target => $"target {Secret} of {Provider}:{Path}",
        WorkKind.Poll => $"poll {Provider}",
        _ => Kind.ToString().ToLowerInvariant(),
    };
}
