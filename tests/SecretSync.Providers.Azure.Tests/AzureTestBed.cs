using System.Text.Json;
using SecretSync.Core.Providers;
using SecretSync.DevStack;
using SecretSync.Providers.Contract;

namespace SecretSync.Providers.Azure.Tests;

/// <summary>A Key Vault emulator and adapters connected to it (trusting its CA, with its token), cleaned up together.</summary>
internal sealed class AzureTestBed : ProviderTestBed
{
    private AzureTestBed(AzureKeyVaultEmulator vault)
    {
        Vault = vault;
        CaFile = File(vault.CaPem);
        TokenFile = File(vault.AccessToken);
    }

    public AzureKeyVaultEmulator Vault { get; }

    public string CaFile { get; }

    public string TokenFile { get; }

    public string VaultUrl => Vault.BaseAddress.ToString().TrimEnd('/');

    public static async Task<AzureTestBed> StartAsync(AzureKeyVaultEmulatorOptions? options = null) =>
        new(await AzureKeyVaultEmulator.StartAsync(options));

    /// <summary>Settings aimed at the emulator: its CA, its token, fast retries; <paramref name="overrides"/> replace or add keys (an empty value removes one).</summary>
    public ProviderSettings Settings(params (string Key, string Value)[] overrides) => SettingsNamed("azure-main", overrides);

    public ProviderSettings SettingsNamed(string name, params (string Key, string Value)[] overrides)
    {
        var defaults = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["vaultUrl"] = VaultUrl,
            ["tls.caFile"] = CaFile,
            ["auth.accessTokenFile"] = TokenFile,
            ["disableChallengeResourceVerification"] = "true",
            ["timeout"] = "2s",
            ["retry.maxRetries"] = "2",
            ["retry.delay"] = "10ms",
            ["retry.maxDelay"] = "2s",
        };
        return Merge("azure", name, defaults, overrides, emptyRemoves: true);
    }

    public AzureClient Connect(params (string Key, string Value)[] overrides) => Connect(Settings(overrides));

    public AzureClient Connect(ProviderSettings settings, System.Diagnostics.Metrics.IMeterFactory? meters = null)
    {
        var provider = new AzureProvider(TimeProvider.System, null, meters, TestSettings.NoEnvironment);
        Assert.Empty(provider.Validate(settings).ErrorsOnly());
        return Own((AzureClient)provider.Connect(settings));
    }

    /// <summary>Seeds a secret whose value is the JSON object of <paramref name="values"/>, written here rather than by the adapter.</summary>
    public string Put(string name, IReadOnlyDictionary<string, string> values) => Vault.SetSecret(name, JsonSerializer.Serialize(values));

    public int Count(string verb) => Vault.Requests.CountWhere(r => r.Verb == verb && r.Status != 401);

    protected override ValueTask DisposeEmulatorAsync() => Vault.DisposeAsync();
}
