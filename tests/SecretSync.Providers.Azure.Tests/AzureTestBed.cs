using System.Text.Json;
using SecretSync.Core.Providers;
using SecretSync.DevStack;

namespace SecretSync.Providers.Azure.Tests;

/// <summary>A Key Vault emulator and adapters connected to it (trusting its CA, with its token), cleaned up together.</summary>
internal sealed class AzureTestBed : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly List<string> _files = [];

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
        var all = new Dictionary<string, string>(StringComparer.Ordinal)
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
        foreach (var (key, value) in overrides)
        {
            if (value.Length == 0)
            {
                all.Remove(key);
            }
            else
            {
                all[key] = value;
            }
        }

        return Tests.Settings.Named(name, [.. all.Select(p => (p.Key, p.Value))]);
    }

    public AzureClient Connect(params (string Key, string Value)[] overrides) => Connect(Settings(overrides));

    public AzureClient Connect(ProviderSettings settings, System.Diagnostics.Metrics.IMeterFactory? meters = null)
    {
        var provider = new AzureProvider(TimeProvider.System, null, meters, Tests.Settings.NoEnvironment);
        Assert.Empty(provider.Validate(settings));
        var client = (AzureClient)provider.Connect(settings);
        _owned.Add(client);
        return client;
    }

    /// <summary>Seeds a secret whose value is the JSON object of <paramref name="values"/>, written here rather than by the adapter.</summary>
    public string Put(string name, IReadOnlyDictionary<string, string> values) => Vault.SetSecret(name, JsonSerializer.Serialize(values));

    /// <summary>Writes content to a temporary file, deleted with the test bed.</summary>
    public string File(string content)
    {
        var path = Path.GetTempFileName();
        System.IO.File.WriteAllText(path, content);
        _files.Add(path);
        return path;
    }

    public int Count(string verb) => Vault.Requests.CountWhere(r => r.Verb == verb && r.Status != 401);

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }

        await Vault.DisposeAsync();
        foreach (var file in _files)
        {
            System.IO.File.Delete(file);
        }
    }
}
