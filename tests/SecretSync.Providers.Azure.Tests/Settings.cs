using SecretSync.Core.Providers;

namespace SecretSync.Providers.Azure.Tests;

/// <summary>Builds provider settings as the configuration layer would hand them over.</summary>
internal static class Settings
{
    public static ProviderSettings Of(params (string Key, string Value)[] values) => Named("azure-main", values);

    public static ProviderSettings Named(string name, params (string Key, string Value)[] values) =>
        new(name, "azure", values.ToDictionary(v => v.Key, v => new SettingValue(v.Value, new SourceLocation("config.yaml", 3, 5)), StringComparer.Ordinal));

    public static Func<string, string?> NoEnvironment { get; } = _ => null;

    public static Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;
}
