using SecretSync.DevStack;
using SecretSync.Providers.Contract;

namespace SecretSync.Providers.Vault.Tests;

/// <summary>A Vault emulator and adapters connected to it, cleaned up together.</summary>
internal sealed class VaultTestBed : ProviderTestBed
{
    private VaultTestBed(VaultEmulator vault, TimeProvider time)
    {
        Vault = vault;
        Time = time;
    }

    public VaultEmulator Vault { get; }

    public TimeProvider Time { get; }

    public string Address => Vault.BaseAddress.ToString().TrimEnd('/');

    public static async Task<VaultTestBed> StartAsync(VaultEmulatorOptions? options = null)
    {
        options ??= new VaultEmulatorOptions();
        var vault = await VaultEmulator.StartAsync(options);
        return new VaultTestBed(vault, options.Time);
    }

    /// <summary>An adapter for this emulator; root-token auth unless <paramref name="settings"/> name another method.</summary>
    public VaultClient Connect(params (string Key, string Value)[] settings) => ConnectNamed("vault-main", settings);

    public VaultClient ConnectNamed(string name, params (string Key, string Value)[] settings)
    {
        var defaults = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["address"] = Address,
            ["timeout"] = "2s",
        };
        if (!settings.Any(s => s.Key is "auth.method" or "auth.token" or "auth.tokenFile"))
        {
            defaults["auth.token"] = Vault.RootToken;
        }

        var provider = new VaultProvider(Time, null, null, TestSettings.NoEnvironment);
        var providerSettings = Merge("vault", name, defaults, settings);
        Assert.Empty(provider.Validate(providerSettings).ErrorsOnly());
        return Own((VaultClient)provider.Connect(providerSettings));
    }

    public int Count(string verb) => Vault.Requests.CountWhere(r => r.Verb == verb);

    protected override ValueTask DisposeEmulatorAsync() => Vault.DisposeAsync();
}
