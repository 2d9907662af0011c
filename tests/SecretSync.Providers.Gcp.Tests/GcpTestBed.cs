using SecretSync.Core.Providers;
using SecretSync.DevStack;
using SecretSync.Providers.Contract;
using SecretSync.Testing;

namespace SecretSync.Providers.Gcp.Tests;

/// <summary>Builds provider settings as the configuration layer would hand them over.</summary>
internal static class Settings
{
    public static ProviderSettings Of(params (string Key, string Value)[] values) => Named("gcp-main", values);

    public static ProviderSettings Named(string name, params (string Key, string Value)[] values) => TestSettings.Of("gcp", name, values);
}

/// <summary>A Secret Manager emulator and adapters connected to it, cleaned up together.</summary>
internal sealed class GcpTestBed : ProviderTestBed
{
    private GcpTestBed(GcpSecretManagerEmulator emulator) => Emulator = emulator;

    public GcpSecretManagerEmulator Emulator { get; }

    public string Endpoint => Emulator.BaseAddress.ToString().TrimEnd('/');

    public static async Task<GcpTestBed> StartAsync(GcpSecretManagerEmulatorOptions? options = null) =>
        new(await GcpSecretManagerEmulator.StartAsync(options));

    /// <summary>Settings aimed at the emulator with its token in a file, unless <paramref name="settings"/> choose another auth.</summary>
    public ProviderSettings SettingsFor(string name, params (string Key, string Value)[] settings)
    {
        var defaults = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["project"] = Emulator.Project,
            ["endpoint"] = Endpoint,
            ["timeout"] = "2s",
        };
        if (!settings.Any(s => s.Key.StartsWith("auth.", StringComparison.Ordinal)))
        {
            defaults["auth.accessTokenFile"] = File(Emulator.AccessToken);
        }

        return Merge("gcp", name, defaults, settings);
    }

    public GcpClient Connect(params (string Key, string Value)[] settings) => ConnectNamed("gcp-main", settings);

    public GcpClient ConnectNamed(string name, params (string Key, string Value)[] settings) => ConnectWith(new GcpProvider(TimeProvider.System), SettingsFor(name, settings));

    public GcpClient ConnectWith(GcpProvider provider, ProviderSettings settings, int? pageSize = null)
    {
        Assert.Empty(provider.Validate(settings).ErrorsOnly());
        var errors = new List<SettingError>();
        var options = GcpOptionsReader.Read(settings, errors)!;
        if (pageSize is { } size)
        {
            options = new GcpOptions
            {
                Project = options.Project,
                Endpoint = options.Endpoint,
                AuthMethod = options.AuthMethod,
                CredentialsFile = options.CredentialsFile,
                AccessTokenFile = options.AccessTokenFile,
                AccessToken = options.AccessToken,
                Timeout = options.Timeout,
                PayloadFormat = options.PayloadFormat,
                ValueKey = options.ValueKey,
                VersionPageSize = size,
            };
        }

        return Own(provider.Connect(settings.Name, options));
    }

    public int Count(string verb) => Emulator.Requests.CountWhere(r => r.Verb == verb);

    /// <summary>The number of logged requests once at least <paramref name="atLeast"/> are logged.</summary>
    /// <remarks>The emulator logs a request as its response completes, which can trail the client slightly.</remarks>
    public async Task<int> LoggedAsync(int atLeast)
    {
        await Eventually.TrueAsync(() => Emulator.Requests.Count >= atLeast, $"{atLeast} logged requests", TimeSpan.FromSeconds(2));
        return Emulator.Requests.Count;
    }

    protected override ValueTask DisposeEmulatorAsync() => Emulator.DisposeAsync();
}
