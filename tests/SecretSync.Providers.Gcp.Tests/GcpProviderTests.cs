using Microsoft.Extensions.DependencyInjection;
using SecretSync.Core.Configuration;
using SecretSync.Core.Providers;
using SecretSync.DevStack.Hosting;
using SecretSync.Providers.Contract;
using SecretSync.Testing;

namespace SecretSync.Providers.Gcp.Tests;

public sealed class GcpProviderTests
{
    [Fact]
    public void AddGcpProvider_RegistersOneProviderOfTypeGcp()
    {
        var services = new ServiceCollection().AddGcpProvider().AddGcpProvider();
        using var provider = services.BuildServiceProvider();

        var registered = Assert.Single(provider.GetServices<ISecretProvider>());
        Assert.Equal("gcp", registered.Type);
        Assert.Equal(ProviderCapabilities.Write, registered.Capabilities);
        Assert.Same(registered, new ProviderRegistry(provider.GetServices<ISecretProvider>()).Get("gcp"));
    }

    [Fact]
    public void Validate_ReturnsEveryError_AndConnectRefusesInvalidSettings()
    {
        var gcp = new GcpProvider(TimeProvider.System);
        var settings = Settings.Of(("auth.method", "serviceAccountKey"), ("timeout", "soon"));

        Assert.Equal(3, gcp.Validate(settings).ErrorsOnly().Count);
        var thrown = Assert.Throws<ArgumentException>(() => gcp.Connect(settings));
        Assert.Contains("gcp-main", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_DoesNotTouchTheNetwork_EvenForApplicationDefaultCredentials()
    {
        var loads = 0;
        var gcp = new GcpProvider(TimeProvider.System, null, null, _ =>
        {
            loads++;
            throw new InvalidOperationException("not expected");
        });

        await using var source = gcp.Connect(Settings.Of(("project", "acme-prod"), ("endpoint", "http://127.0.0.1:9")));

        Assert.IsAssignableFrom<ISourceWriter>(source);
        Assert.IsNotAssignableFrom<ISourceWatcher>(source);
        Assert.Equal(0, loads);
    }

    [Fact]
    public void TheSampleConfiguration_IsValid()
    {
        var path = Path.Combine(Repository.Root, "samples", "gcp.yaml");
        var registry = new ProviderRegistry([new GcpProvider(TimeProvider.System)]);

        var result = ConfigLoader.Parse(File.ReadAllText(path), "samples/gcp.yaml", registry);

        var config = Assert.IsType<ConfigResult.Valid>(result).Config;
        Assert.Equal("gcp", Assert.Single(config.Providers).Value.Type);
        Assert.NotEmpty(config.Bundles);
        Assert.All(config.Bundles.Values.SelectMany(b => b.Secrets), m => Assert.True(GcpNames.TryResolve(m.Source, "p", out _, out var problem), problem));
    }

    [Fact]
    public async Task TheSample_AimedAtTheEmulatorAsSecretsyncDevWould_ReadsEverySourceItMaps()
    {
        var registry = new ProviderRegistry([new GcpProvider(TimeProvider.System)]);
        var config = Assert.IsType<ConfigResult.Valid>(ConfigLoader.Parse(File.ReadAllText(Path.Combine(Repository.Root, "samples", "gcp.yaml")), "gcp.yaml", registry)).Config;
        var (name, settings) = Assert.Single(config.Providers);
        await using var emulator = await DevStack.GcpSecretManagerEmulator.StartAsync(new DevStack.GcpSecretManagerEmulatorOptions { Project = settings.Get("project")! });
        var sources = config.Bundles.Values.Where(b => b.Provider == name).SelectMany(b => b.Secrets).Select(m => m.Source).Distinct().ToList();
        foreach (var source in sources)
        {
            // The seeding rule for `dev`: the secret id is the source with '/' as '-'.
            emulator.AddJsonVersion(source.Replace('/', '-'), new Dictionary<string, string> { ["user"] = "dev", ["value"] = "dev-value" });
        }

        // What `secretsync dev` does for a gcp provider without an endpoint: aim it at the emulator with the emulator's token.
        var aimed = settings.With(GcpSettingKeys.Endpoint, emulator.BaseAddress.ToString())
            .With(GcpSettingKeys.AuthMethod, "accessToken").With(GcpSettingKeys.AuthAccessToken, emulator.AccessToken);
        var gcp = registry.Get("gcp");
        Assert.Empty(gcp.Validate(aimed).ErrorsOnly());
        await using var client = gcp.Connect(aimed);

        var checks = await client.CheckVersionsAsync(sources, default);

        Assert.All(checks.Values, r => Assert.IsType<VersionResult.Current>(r));
        foreach (var source in sources)
        {
            Assert.Equal("dev-value", Expect.Text(Expect.Found(await client.ReadAsync(source, null, default)), "value"));
        }
    }

    [Fact]
    public async Task Calls_AreCountedByProviderOperationAndResult_OnTheSharedMeter()
    {
        var provider = $"metrics-{Guid.NewGuid():N}";
        using var recorder = new ProviderRequestsRecorder(provider);

        await using var bed = await GcpTestBed.StartAsync();
        bed.Emulator.AddVersion("app", "v");
        var client = bed.ConnectNamed(provider);
        await client.ReadAsync("app", null, default);
        await client.ReadAsync("missing", null, default);
        await client.CheckVersionsAsync(["app"], default);
        await client.WriteAsync("app", new Dictionary<string, string> { ["value"] = "w" }, "1", default);
        bed.Emulator.Faults.Add(new FaultRule { StatusCode = 429, RetryAfter = TimeSpan.FromMinutes(1) });
        await client.ReadAsync("app", null, default);

        Assert.Contains(("read", "ok"), recorder.Seen);
        Assert.Contains(("read", "absent"), recorder.Seen);
        Assert.Contains(("read", "throttled"), recorder.Seen);
        Assert.Contains(("metadata", "ok"), recorder.Seen);
        Assert.Contains(("write", "ok"), recorder.Seen);
    }
}
