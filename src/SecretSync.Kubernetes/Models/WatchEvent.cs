namespace SecretSync.Kubernetes.Models;

/// <summary>The type of a watch event (kubernetes.md §3).</summary>
public enum WatchEventType
{
    /// <summary>The object was created (or is part of a synthetic initial set).</summary>
    Added,

    /// <summary>The object changed.</summary>
    Modified,

    /// <summary>The object was deleted; the event carries its final state.</summary>
    Deleted,

    /// <summary>A checkpoint carrying only <c>metadata.resourceVersion</c>.</summary>
    Bookmark,
}

/// <summary>One event of a watch stream.</summary>
/// <typeparam name="T">The watched kind.</typeparam>
/// <param name="Type">What happened.</param>
/// <param name="Object">The object after the change; for a bookmark, only its resourceVersion is set.</param>
public sealed record WatchEvent<T>(WatchEventType Type, T Object)
    where T : class, IKubernetesObject
{
    /// <summary>The resourceVersion this event moves the stream to.</summary>
    public string? ResourceVersion => Object.Metadata.ResourceVersion;
}
