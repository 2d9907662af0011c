using SecretSync.Core.Providers;

namespace SecretSync.Providers.Contract;

/// <summary>An emulated authority plus the adapter under test, as the contract suite drives them.</summary>
/// <remarks>
/// Each provider's test project implements this over its DevStack emulator. Writes and deletions go through the
/// emulator's own API (never through the adapter), so the adapter is checked against the authority's view.
/// </remarks>
public interface IProviderBackend : IAsyncDisposable
{
    /// <summary>The provider type under test, as registered by its <c>AddXxxProvider()</c>.</summary>
    ISecretProvider Provider { get; }

    /// <summary>Settings that aim the provider at the emulator with valid credentials.</summary>
    ProviderSettings Settings { get; }

    /// <summary>Settings whose credentials the emulator rejects.</summary>
    ProviderSettings SettingsWithBadCredentials { get; }

    /// <summary>The provider can hold raw bytes (AWS SecretBinary, GCP payloads) and returns them under <see cref="BinaryKey"/>.</summary>
    bool SupportsBinary { get; }

    /// <summary>The key a binary payload is returned under.</summary>
    string BinaryKey { get; }

    /// <summary>Creates or adds a version of a source holding these key/values; returns the new version id.</summary>
    Task<string> PutAsync(string path, IReadOnlyDictionary<string, string> values);

    /// <summary>Creates or adds a version of a source holding raw bytes; only when <see cref="SupportsBinary"/>.</summary>
    Task<string> PutBinaryAsync(string path, byte[] value);

    /// <summary>Makes the authority positively report the whole source gone (deleted, destroyed or disabled).</summary>
    Task RemoveAsync(string path);

    /// <summary>Makes every request fail as the authority throttles (429 / ThrottlingException) with a Retry-After.</summary>
    IDisposable Throttle(TimeSpan retryAfter);

    /// <summary>Makes every request fail with a server error (5xx) until disposed.</summary>
    IDisposable Outage();
}
