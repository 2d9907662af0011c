using SecretSync.Core.Providers;

namespace SecretSync.Providers.Vault.Tests;

/// <summary>Builds provider settings as the configuration layer would hand them over.</summary>
internal static class Settings
{
    public static ProviderSettings Of(params (string Key, string Value)[] values) => Named("vault-main", values);

    public static ProviderSettings Named(string name, params (string Key, string Value)[] values) =>
        new(name, "vault", values.ToDictionary(v => v.Key, v => new SettingValue(v.Value, new SourceLocation("config.yaml", 3, 5)), StringComparer.Ordinal));

    public static Func<string, string?> NoEnvironment { get; } = _ => null;
}
