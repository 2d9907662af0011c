using System.Threading.Channels;

namespace SecretSync.DevStack.Vault;

/// <summary>One KV event before it is rendered for a subscriber (reference vault.md §5).</summary>
/// <param name="EventType">For example <c>kv-v2/data-write</c>.</param>
/// <param name="Path">The full request path the event is about, for example <c>secret/destroy/foo</c>.</param>
/// <param name="DataPath">The key's data path (<c>secret/data/foo</c>), which subscribers' policies are checked against with <see cref="Path"/>.</param>
/// <param name="Metadata">The string-valued metadata, in the order written.</param>
/// <param name="MountPath">The mount with its trailing slash, for example <c>secret/</c>.</param>
/// <param name="MountAccessor">The mount's accessor, for example <c>kv_5dc4d18e</c>.</param>
/// <param name="Time">When the change happened.</param>
internal sealed record VaultEvent(
    string EventType, string Path, string DataPath, IReadOnlyList<KeyValuePair<string, string>> Metadata, string MountPath, string MountAccessor, DateTimeOffset Time);

/// <summary>Fans KV events out to WebSocket subscribers whose event-type pattern matches.</summary>
internal sealed class VaultEventBus
{
    private const int QueueLimit = 4096;
    private readonly Lock _gate = new();
    private readonly List<Subscription> _subscriptions = [];

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _subscriptions.Count;
            }
        }
    }

    /// <summary>Registers a subscriber; it sees every event published from now on that matches and that <paramref name="allowed"/> admits.</summary>
    public Subscription Subscribe(string pattern, Func<VaultEvent, bool> allowed)
    {
        var subscription = new Subscription(this, pattern, allowed);
        lock (_gate)
        {
            _subscriptions.Add(subscription);
        }

        return subscription;
    }

    public void Publish(VaultEvent evt)
    {
        lock (_gate)
        {
            foreach (var subscription in _subscriptions)
            {
                if (Glob(subscription.Pattern, evt.EventType) && subscription.Allowed(evt))
                {
                    // Best-effort delivery, as Vault's (§5): a subscriber that stops reading loses the oldest events.
                    subscription.Queue.Writer.TryWrite(Render(evt, subscription.Pattern));
                }
            }
        }
    }

    /// <summary>Vault matches event types with <c>*</c> globs that may span slashes (§5: <c>kv-v2/data-*</c>, <c>*</c>).</summary>
    public static bool Glob(string pattern, string text)
    {
        int p = 0, t = 0, star = -1, mark = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                mark = t;
            }
            else if (p < pattern.Length && pattern[p] == text[t])
            {
                p++;
                t++;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++mark;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }

    /// <summary>The JSON payload of §5 (with <c>json=true</c>): one object followed by a newline.</summary>
    internal static byte[] Render(VaultEvent evt, string pattern)
    {
        var id = Guid.NewGuid().ToString();
        var json = VaultJson.Write(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("id", id);
            writer.WriteString("source", "https://vaultproject.io/");
            writer.WriteString("specversion", "1.0");
            writer.WriteString("type", pattern);
            writer.WriteStartObject("data");
            writer.WriteStartObject("event");
            writer.WriteString("id", id);
            writer.WriteStartObject("metadata");
            foreach (var (key, value) in evt.Metadata)
            {
                writer.WriteString(key, value);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteString("event_type", evt.EventType);
            writer.WriteStartObject("plugin_info");
            writer.WriteString("mount_class", "secret");
            writer.WriteString("mount_accessor", evt.MountAccessor);
            writer.WriteString("mount_path", evt.MountPath);
            writer.WriteString("plugin", "kv");
            writer.WriteEndObject();
            writer.WriteEndObject();

            // Spelled as in Vault's samples (§5).
            writer.WriteString("datacontentype", "application/cloudevents");
            writer.WriteString("time", VaultJson.Time(evt.Time));
            writer.WriteEndObject();
        });
        var line = new byte[json.Length + 1];
        json.CopyTo(line, 0);
        line[^1] = (byte)'\n';
        return line;
    }

    /// <summary>One subscriber's queue of rendered events.</summary>
    internal sealed class Subscription(VaultEventBus owner, string pattern, Func<VaultEvent, bool> allowed) : IDisposable
    {
        public string Pattern { get; } = pattern;

        public Func<VaultEvent, bool> Allowed { get; } = allowed;

        public Channel<byte[]> Queue { get; } = Channel.CreateBounded<byte[]>(
            new BoundedChannelOptions(QueueLimit) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

        public void Dispose()
        {
            lock (owner._gate)
            {
                owner._subscriptions.Remove(this);
            }

            Queue.Writer.TryComplete();
        }
    }
}

/// <summary>Builds the metadata list of a KV event (§5: all values strings).</summary>
internal static class KvEventMetadata
{
    public static IReadOnlyList<KeyValuePair<string, string>> Of(string operation, string path, string? dataPath, params (string Key, string Value)[] extra)
    {
        var list = new List<KeyValuePair<string, string>>(4 + extra.Length);
        foreach (var (key, value) in extra)
        {
            list.Add(new(key, value));
        }

        if (dataPath is not null)
        {
            list.Add(new("data_path", dataPath));
        }

        list.Add(new("modified", "true"));
        list.Add(new("operation", operation));
        list.Add(new("path", path));
        return list;
    }
}
