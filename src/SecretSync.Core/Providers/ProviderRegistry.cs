namespace SecretSync.Core.Providers;

/// <summary>The registered provider types, by their configuration <c>type</c> name.</summary>
public sealed class ProviderRegistry
{
    private readonly Dictionary<string, ISecretProvider> _providers = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Indexes the given providers.</summary>
    /// <exception cref="InvalidOperationException">Two providers claim the same type.</exception>
    public ProviderRegistry(IEnumerable<ISecretProvider> providers)
    {
        ArgumentNullException.ThrowIfNull(providers);
        foreach (var provider in providers)
        {
            if (!_providers.TryAdd(provider.Type, provider))
            {
                throw new InvalidOperationException(
                    $"Provider type '{provider.Type}' is registered twice ({_providers[provider.Type].GetType().Name} and {provider.GetType().Name}). Register each provider once.");
            }
        }
    }

    /// <summary>The registered type names, sorted.</summary>
    public IReadOnlyList<string> Types => [.. _providers.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Looks up a provider type.</summary>
    public bool TryGet(string type, out ISecretProvider provider) => _providers.TryGetValue(type, out provider!);

    /// <summary>Gets a provider type.</summary>
    /// <exception cref="KeyNotFoundException">No provider of that type is registered; the message lists those that are.</exception>
    public ISecretProvider Get(string type) =>
        TryGet(type, out var provider)
            ? provider
            : throw new KeyNotFoundException(
                $"Unknown provider type '{type}'. Known types: {string.Join(", ", Types)}. " +
                "Add the provider's package and its AddXxxProvider() registration.");
}
