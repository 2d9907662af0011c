using SecretSync.Core.Providers;
using SecretSync.Providers.Contract;

namespace SecretSync.Providers.Vault.Tests;

/// <summary>Builds provider settings as the configuration layer would hand them over.</summary>
internal static class Settings
{
    public static ProviderSettings Of(params (string Key, string Value)[] values) => Named("vault-main", values);

    public static ProviderSettings Named(string name, params (string Key, string Value)[] values) => TestSettings.Of("vault", name, values);
}
