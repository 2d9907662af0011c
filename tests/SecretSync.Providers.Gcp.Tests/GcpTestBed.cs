using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SecretSync.Core.Providers;
using SecretSync.DevStack;

namespace SecretSync.Providers.Gcp.Tests;

/// <summary>Builds provider settings as the configuration layer would hand them over.</summary>
internal static class Settings
{
    public static ProviderSettings Of(params (string Key, string Value)[] values) => Named("gcp-main", values);

    public static ProviderSettings Named(string name, params (string Key, string Value)[] values) =>
        new(name, "gcp", values.ToDictionary(v => v.Key, v => new SettingValue(v.Value, new SourceLocation("config.yaml", 3, 5)), StringComparer.Ordinal));
}

/// <summary>A Secret Manager emulator and adapters connected to it, cleaned up together.</summary>
internal sealed class GcpTestBed : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly List<string> _files = [];

    private GcpTestBed(GcpSecretManagerEmulator emulator) => Emulator = emulator;

    public GcpSecretManagerEmulator Emulator { get; }

    public string Endpoint => Emulator.BaseAddress.ToString().TrimEnd('/');

    public static async Task<GcpTestBed> StartAsync(GcpSecretManagerEmulatorOptions? options = null) =>
        new(await GcpSecretManagerEmulator.StartAsync(options));

    /// <summary>Settings aimed at the emulator with its token in a file, unless <paramref name="settings"/> choose another auth.</summary>
    public ProviderSettings SettingsFor(string name, params (string Key, string Value)[] settings)
    {
        var all = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["project"] = Emulator.Project,
            ["endpoint"] = Endpoint,
            ["timeout"] = "2s",
        };
        if (!settings.Any(s => s.Key.StartsWith("auth.", StringComparison.Ordinal)))
        {
            all["auth.accessTokenFile"] = File(Emulator.AccessToken);
        }

        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        return Settings.Named(name, [.. all.Select(p => (p.Key, p.Value))]);
    }

    public GcpClient Connect(params (string Key, string Value)[] settings) => ConnectNamed("gcp-main", settings);

    public GcpClient ConnectNamed(string name, params (string Key, string Value)[] settings) => ConnectWith(new GcpProvider(TimeProvider.System), SettingsFor(name, settings));

    public GcpClient ConnectWith(GcpProvider provider, ProviderSettings settings, int? pageSize = null)
    {
        Assert.Empty(provider.Validate(settings));
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

        var client = provider.Connect(settings.Name, options);
        _owned.Add(client);
        return client;
    }

    /// <summary>Writes content to a temporary file, deleted with the test bed.</summary>
    public string File(string content)
    {
        var path = Path.GetTempFileName();
        System.IO.File.WriteAllText(path, content);
        _files.Add(path);
        return path;
    }

    public int Count(string verb) => Emulator.Requests.CountWhere(r => r.Verb == verb);

    /// <summary>The number of logged requests once at least <paramref name="atLeast"/> are logged (or a moment has passed).</summary>
    /// <remarks>The emulator logs a request as its response completes, which can trail the client slightly.</remarks>
    public async Task<int> LoggedAsync(int atLeast)
    {
        var deadline = TimeProvider.System.GetTimestamp() + TimeProvider.System.TimestampFrequency * 2;
        while (Emulator.Requests.Count < atLeast && TimeProvider.System.GetTimestamp() < deadline)
        {
            await Task.Delay(10);
        }

        return Emulator.Requests.Count;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }

        await Emulator.DisposeAsync();
        foreach (var file in _files)
        {
            System.IO.File.Delete(file);
        }
    }
}

/// <summary>A one-handler HTTP server for answers the emulator would never give (corrupted checksums, odd bodies).</summary>
internal sealed class StubServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private StubServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<StubServer> StartAsync(RequestDelegate handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.Run(handler);
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return new StubServer(app, address);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
