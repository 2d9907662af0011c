using System.Threading.Channels;

namespace SecretSync.DevStack;

/// <summary>One event queued for a watch stream; a BOOKMARK has no object, only <see cref="ResourceVersion"/>.</summary>
internal readonly record struct WatchItem(string Type, StoredObject? Object, long ResourceVersion);

/// <summary>An open watch: its filters and the queue the store fills in commit order.</summary>
internal sealed class Watcher(ResourceKind kind, string? ns, LabelSelector labels, FieldSelector fields)
{
    private readonly Channel<WatchItem> _queue = Channel.CreateUnbounded<WatchItem>(new UnboundedChannelOptions { SingleReader = true });

    public ResourceKind Kind { get; } = kind;

    public ChannelReader<WatchItem> Reader => _queue.Reader;

    /// <summary>Translates a committed change into what this watch sees, as the API server's watch cache does.</summary>
    /// <remarks>An object that starts matching the selectors arrives as ADDED; one that stops matching arrives as DELETED.</remarks>
    public void Offer(string type, StoredObject? old, StoredObject current)
    {
        var matchesNow = Matches(current);
        switch (type)
        {
            case "ADDED" or "DELETED":
                if (matchesNow)
                {
                    Post(new WatchItem(type, current, current.ResourceVersion));
                }

                break;
            default:
                var matchedBefore = old is not null && Matches(old);
                var seen = (matchedBefore, matchesNow) switch
                {
                    (true, true) => "MODIFIED",
                    (false, true) => "ADDED",
                    (true, false) => "DELETED",
                    _ => null,
                };
                if (seen is not null)
                {
                    Post(new WatchItem(seen, current, current.ResourceVersion));
                }

                break;
        }
    }

    public void Post(WatchItem item) => _queue.Writer.TryWrite(item);

    public void Complete() => _queue.Writer.TryComplete();

    private bool Matches(StoredObject candidate) =>
        (ns is null || candidate.Namespace == ns) && labels.Matches(candidate.Labels) && fields.Matches(candidate.Fields);
}
