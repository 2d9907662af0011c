namespace SecretSync.Core.Providers;

/// <summary>What a provider type can do beyond reading.</summary>
[Flags]
public enum ProviderCapabilities
{
    /// <summary>Reading and version checks only.</summary>
    None = 0,

    /// <summary>Connected sources implement <see cref="ISourceWatcher"/>.</summary>
    Watch = 1,

    /// <summary>Connected sources implement <see cref="ISourceWriter"/>.</summary>
    Write = 2,
}

/// <summary>A provider type (Vault, AWS, ...): validates its settings and connects clients.</summary>
/// <remarks>
/// The engine only sees this interface and <see cref="ISecretSource"/>. Each adapter project registers one
/// implementation with a single <c>AddXxxProvider()</c> call.
/// </remarks>
public interface ISecretProvider
{
    /// <summary>The <c>type</c> value this provider answers to in configuration, e.g. <c>vault</c>.</summary>
    string Type { get; }

    /// <summary>What connected sources of this type can do.</summary>
    ProviderCapabilities Capabilities { get; }

    /// <summary>Checks settings without touching the network.</summary>
    /// <returns>Every problem found; empty when the settings are usable.</returns>
    IReadOnlyList<SettingError> Validate(ProviderSettings settings);

    /// <summary>Creates a client for validated settings. Does not block on the network.</summary>
    /// <exception cref="ArgumentException">The settings are invalid; call <see cref="Validate"/> first.</exception>
    ISecretSource Connect(ProviderSettings settings);
}
