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

    /// <summary>A registry whose providers validate and connect with settings passed through <paramref name="adjust"/> first.</summary>
    /// <remarks>Used to aim providers without an address at local emulators, for validation and connection alike.</remarks>
    public ProviderRegistry WithAdjustedSettings(Func<ProviderSettings, ProviderSettings> adjust)
    {
        ArgumentNullException.ThrowIfNull(adjust);
        return new ProviderRegistry(_providers.Values.Select(p => new AdjustedProvider(p, adjust)));
    }

    private sealed class AdjustedProvider(ISecretProvider inner, Func<ProviderSettings, ProviderSettings> adjust) : ISecretProvider
    {
        public string Type => inner.Type;

        public ProviderCapabilities Capabilities => inner.Capabilities;

        public IReadOnlyList<SettingError> Validate(ProviderSettings settings) => inner.Validate(adjust(settings));

        public ISecretSource Connect(ProviderSettings settings) => inner.Connect(adjust(settings));
    }
}
