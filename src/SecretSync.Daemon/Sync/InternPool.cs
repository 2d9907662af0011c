using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace SecretSync.Daemon.Sync;

/// <summary>One shared instance of each equal string and string map held by the Secret cache.</summary>
/// <remarks>
/// A source fanned out to many namespaces gives every copy the same label and annotation keys and values, content
/// hash and key digests; sharing them keeps the cache near a few hundred bytes per Secret instead of kilobytes.
/// The pool forgets everything once it holds <c>capacity</c> entries of a kind: cached entries keep their
/// instances, later ones start sharing afresh, so old versions' strings cannot accumulate.
/// </remarks>
internal sealed class InternPool(int capacity = InternPool.DefaultCapacity)
{
    public const int DefaultCapacity = 1 << 18;

    private static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();
    private readonly ConcurrentDictionary<string, string> _strings = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IReadOnlyDictionary<string, string>> _maps = new(StringComparer.Ordinal);

    public string String(string value)
    {
        if (_strings.TryGetValue(value, out var shared))
        {
            return shared;
        }

        Bound(_strings);
        return _strings.GetOrAdd(value, value);
    }

    /// <summary>A read-only map equal to <paramref name="map"/>, shared with every equal map seen before.</summary>
    public IReadOnlyDictionary<string, string> Map(IReadOnlyDictionary<string, string>? map)
    {
        if (map is null || map.Count == 0)
        {
            return Empty;
        }

        var canonical = Canonical(map);
        if (_maps.TryGetValue(canonical, out var shared))
        {
            return shared;
        }

        Bound(_maps);
        return _maps.GetOrAdd(canonical, static (_, state) =>
            state.map.ToDictionary(p => state.pool.String(p.Key), p => state.pool.String(p.Value), StringComparer.Ordinal), (map, pool: this));
    }

    /// <summary>Keys in ordinal order, every key and value length-prefixed, so different maps never share a form.</summary>
    private static string Canonical(IReadOnlyDictionary<string, string> map)
    {
        var text = new StringBuilder();
        foreach (var key in map.Keys.Order(StringComparer.Ordinal))
        {
            var value = map[key];
            text.Append(CultureInfo.InvariantCulture, $"{key.Length}:{key}{value.Length}:{value}");
        }

        return text.ToString();
    }

    private void Bound<T>(ConcurrentDictionary<string, T> table)
    {
        if (table.Count >= capacity)
        {
            table.Clear();
        }
    }
}
