using SecretSync.DevStack;

namespace SecretSync.Providers.Vault.Tests;

/// <summary>A Vault emulator and adapters connected to it, cleaned up together.</summary>
internal sealed class VaultTestBed : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly List<string> _files = [];

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
        var all = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["address"] = Address,
            ["timeout"] = "2s",
        };
        if (!settings.Any(s => s.Key is "auth.method" or "auth.token" or "auth.tokenFile"))
        {
            all["auth.token"] = Vault.RootToken;
        }

        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        var provider = new VaultProvider(Time, null, null, Settings.NoEnvironment);
        var providerSettings = Settings.Named(name, [.. all.Select(p => (p.Key, p.Value))]);
        Assert.Empty(provider.Validate(providerSettings));
        var client = (VaultClient)provider.Connect(providerSettings);
        _owned.Add(client);
        return client;
    }

    /// <summary>Writes a credential to a temporary file, deleted with the test bed.</summary>
    public string File(string content)
    {
        var path = Path.GetTempFileName();
        System.IO.File.WriteAllText(path, content);
        _files.Add(path);
        return path;
    }

    public int Count(string verb) => Vault.Requests.CountWhere(r => r.Verb == verb);

    /// <summary>Waits on the real clock until <paramref name="condition"/> holds.</summary>
    public static async Task EventuallyAsync(Func<bool> condition, string what, TimeSpan? within = null)
    {
        var deadline = TimeProvider.System.GetTimestamp() + (long)((within ?? TimeSpan.FromSeconds(10)).TotalSeconds * TimeProvider.System.TimestampFrequency);
        while (!condition())
        {
            if (TimeProvider.System.GetTimestamp() > deadline)
            {
                Assert.Fail($"Timed out waiting until {what}.");
            }

            await Task.Delay(20);
        }
    }

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
