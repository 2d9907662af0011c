using SecretSync.Kubernetes.Models;

namespace SecretSync.Kubernetes.Watch;

/// <summary>What a reflector event tells the consumer.</summary>
public enum ReflectorEventType
{
    /// <summary>A fresh LIST: replace the whole cache with <see cref="ReflectorEvent{T}.Items"/>; anything not in it is gone.</summary>
    /// <remarks>With <see cref="ReflectorOptions.DeliverPages"/>, <see cref="ReflectorEvent{T}.Items"/> is empty: the pages since the
    /// last <see cref="RelistStarted"/> are the full set.</remarks>
    Relisted,

    /// <summary>An object was created.</summary>
    Added,

    /// <summary>An object changed.</summary>
    Modified,

    /// <summary>An object was deleted; <see cref="ReflectorEvent{T}.Object"/> is its final state.</summary>
    Deleted,

    /// <summary>With <see cref="ReflectorOptions.DeliverPages"/>: a fresh LIST begins, and pages received since an earlier one are void.</summary>
    RelistStarted,

    /// <summary>With <see cref="ReflectorOptions.DeliverPages"/>: one page of the LIST in <see cref="ReflectorEvent{T}.Items"/>.</summary>
    RelistPage,
}

/// <summary>One event of a reflector: a full re-list, or one change.</summary>
/// <typeparam name="T">The watched kind.</typeparam>
public sealed class ReflectorEvent<T>
    where T : class, IKubernetesObject
{
    private ReflectorEvent(ReflectorEventType type, T? obj, IReadOnlyList<T> items, string? resourceVersion)
    {
        Type = type;
        Object = obj;
        Items = items;
        ResourceVersion = resourceVersion;
    }

    /// <summary>What happened.</summary>
    public ReflectorEventType Type { get; }

    /// <summary>The changed object; null for <see cref="ReflectorEventType.Relisted"/>.</summary>
    public T? Object { get; }

    /// <summary>Every current object for <see cref="ReflectorEventType.Relisted"/>; empty otherwise.</summary>
    public IReadOnlyList<T> Items { get; }

    /// <summary>The resourceVersion the reflector has reached with this event.</summary>
    public string? ResourceVersion { get; }

    /// <inheritdoc />
    public override string ToString() =>
        Object is null ? $"{Type} {Items.Count} at {ResourceVersion}" : $"{Type} {Object.Metadata} at {ResourceVersion}";

    internal static ReflectorEvent<T> Relisted(IReadOnlyList<T> items, string? resourceVersion) =>
        new(ReflectorEventType.Relisted, null, items, resourceVersion);

    internal static ReflectorEvent<T> Started() => new(ReflectorEventType.RelistStarted, null, [], null);

    internal static ReflectorEvent<T> Page(IReadOnlyList<T> items, string? resourceVersion) =>
        new(ReflectorEventType.RelistPage, null, items, resourceVersion);

    internal static ReflectorEvent<T> Change(WatchEvent<T> watchEvent) =>
        new(
            watchEvent.Type switch
            {
                WatchEventType.Added => ReflectorEventType.Added,
                WatchEventType.Modified => ReflectorEventType.Modified,
                WatchEventType.Deleted => ReflectorEventType.Deleted,
                _ => throw new ArgumentOutOfRangeException(nameof(watchEvent), watchEvent.Type, "Bookmarks are not changes."),
            },
            watchEvent.Object,
            [],
            watchEvent.ResourceVersion);
}
