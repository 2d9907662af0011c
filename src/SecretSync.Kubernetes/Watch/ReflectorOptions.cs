using SecretSync.Core.Resilience;

namespace SecretSync.Kubernetes.Watch;

/// <summary>How a reflector lists, watches and recovers.</summary>
public sealed class ReflectorOptions
{
    /// <summary>A label selector applied to both the list and the watch.</summary>
    public string? LabelSelector { get; init; }

    /// <summary>A field selector applied to both the list and the watch.</summary>
    public string? FieldSelector { get; init; }

    /// <summary>The page size of the LIST.</summary>
    /// <value>Defaults to 500 (kubernetes.md §3).</value>
    public int PageSize { get; init; } = 500;

    /// <summary>The base server-side timeout of each watch; each watch asks for a random value between this and twice this.</summary>
    /// <value>Defaults to 5 minutes, as client-go's reflector (kubernetes.md §3).</value>
    public TimeSpan WatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The waits after failed lists and watches: consecutive failures double it, and a list, or a watch that delivers, resets it.</summary>
    /// <value>Defaults to 800 ms (as client-go's reflector) doubling to 30 seconds, each wait between half and all of its step.</value>
    public Backoff Backoff { get; init; } = new(TimeSpan.FromMilliseconds(800), TimeSpan.FromSeconds(30), jitter: 0.5);

    /// <summary>How many events may wait for the consumer before the watch stream is paused.</summary>
    /// <value>Defaults to 1024.</value>
    public int ChannelCapacity { get; init; } = 1024;

    /// <summary>Whether a LIST arrives page by page (<see cref="ReflectorEventType.RelistStarted"/>, a <see cref="ReflectorEventType.RelistPage"/>
    /// per page, then an empty <see cref="ReflectorEventType.Relisted"/>) instead of as one event holding every object.</summary>
    /// <value>Defaults to false. A consumer that folds objects into a compact cache sets it, so a large LIST never sits in memory whole.</value>
    public bool DeliverPages { get; init; }

    /// <summary>Called with each failure the reflector recovers from (dropped stream, 410, 5xx, network), e.g. to log it.</summary>
    public Action<Exception>? OnError { get; init; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(PageSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ChannelCapacity);
        ArgumentOutOfRangeException.ThrowIfLessThan(WatchTimeout, TimeSpan.FromSeconds(1));
        ArgumentNullException.ThrowIfNull(Backoff);
    }
}
