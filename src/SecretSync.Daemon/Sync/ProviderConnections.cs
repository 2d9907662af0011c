using SecretSync.Core.Providers;

namespace SecretSync.Daemon.Sync;

/// <summary>The connected client of each configured provider, rebuilt only for providers whose settings change.</summary>
internal sealed class ProviderConnections(ProviderRegistry registry) : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private Dictionary<string, (ProviderSettings Settings, ISecretSource Source)> _connected = new(StringComparer.Ordinal);

    public ProviderRegistry Registry { get; } = registry;

    /// <summary>Connects new or changed providers and disconnects removed or changed ones.</summary>
    /// <returns>The names of providers that were (re)connected.</returns>
    public async Task<IReadOnlyList<string>> ApplyAsync(IReadOnlyDictionary<string, ProviderSettings> providers)
    {
        var next = new Dictionary<string, (ProviderSettings, ISecretSource)>(StringComparer.Ordinal);
        var changed = new List<string>();
        var retired = new List<ISecretSource>();
        lock (_gate)
        {
            foreach (var (name, settings) in providers)
            {
                if (_connected.TryGetValue(name, out var current) && Same(current.Settings, settings))
                {
                    next[name] = current;
                    continue;
                }

                next[name] = (settings, Registry.Get(settings.Type).Connect(settings));
                changed.Add(name);
            }

            retired.AddRange(_connected.Where(c => !next.TryGetValue(c.Key, out var kept) || !ReferenceEquals(kept.Item2, c.Value.Source)).Select(c => c.Value.Source));
            _connected = next;
        }

        foreach (var source in retired)
        {
            await source.DisposeAsync();
        }

        return changed;
    }

    public bool TryGet(string provider, out ISecretSource source)
    {
        lock (_gate)
        {
            var found = _connected.TryGetValue(provider, out var entry);
            source = entry.Source;
            return found;
        }
    }

    public IReadOnlyList<(string Name, ISecretSource Source)> All
    {
        get
        {
            lock (_gate)
            {
                return [.. _connected.Select(c => (c.Key, c.Value.Source))];
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<ISecretSource> all;
        lock (_gate)
        {
            all = [.. _connected.Values.Select(v => v.Source)];
            _connected = new(StringComparer.Ordinal);
        }

        foreach (var source in all)
        {
            await source.DisposeAsync();
        }
    }

    private static bool Same(ProviderSettings a, ProviderSettings b) =>
        a.Type == b.Type && a.Keys.Count() == b.Keys.Count() && a.Keys.All(key => a.Get(key) == b.Get(key));
}
