using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SecretSync.Core.Configuration;
using SecretSync.Core.Providers;
using SecretSync.Providers.Contract;
using SecretSync.Testing;

namespace SecretSync.Providers.Aws.Tests;

public sealed class AwsProviderTests
{
    [Fact]
    public void AddAwsProvider_RegistersTheAwsTypeOnce()
    {
        var services = new ServiceCollection().AddAwsProvider().AddAwsProvider();

        using var provider = services.BuildServiceProvider();
        var registered = Assert.Single(provider.GetServices<ISecretProvider>());

        Assert.Equal("aws", registered.Type);
        Assert.Equal(ProviderCapabilities.Write, registered.Capabilities);
    }

    [Fact]
    public async Task Connect_DoesNotTouchTheNetworkOrTheCredentialChain()
    {
        var aws = new AwsProvider(TimeProvider.System);

        await using var source = aws.Connect(Settings.Of(("region", "us-east-1"), ("endpoint", "http://127.0.0.1:9")));

        Assert.IsAssignableFrom<ISourceWriter>(source);
        Assert.IsNotAssignableFrom<ISourceWatcher>(source);
    }

    [Fact]
    public void TheSampleConfiguration_IsValid()
    {
        var registry = new ProviderRegistry([new AwsProvider(TimeProvider.System)]);

        var result = ConfigLoader.Parse(File.ReadAllText(Path.Combine(Repository.Root, "samples", "aws.yaml")), "samples/aws.yaml", registry);

        var config = Assert.IsType<ConfigResult.Valid>(result).Config;
        Assert.Equal("aws", Assert.Single(config.Providers).Value.Type);
        Assert.NotEmpty(config.Bundles);
    }

    [Fact]
    public async Task TheSample_AimedAtTheEmulatorAsSecretsyncDevWould_ReadsEverySourceItMaps()
    {
        var registry = new ProviderRegistry([new AwsProvider(TimeProvider.System)]);
        var config = Assert.IsType<ConfigResult.Valid>(ConfigLoader.Parse(File.ReadAllText(Path.Combine(Repository.Root, "samples", "aws.yaml")), "aws.yaml", registry)).Config;
        var (name, settings) = Assert.Single(config.Providers);
        await using var bed = await AwsTestBed.StartAsync();
        var sources = config.Bundles.Values.Where(b => b.Provider == name).SelectMany(b => b.Secrets).Select(m => m.Source).Distinct().ToList();
        foreach (var path in sources)
        {
            // The seeding rule for `dev`: one secret per source, named as the source, holding a JSON object.
            bed.Aws.PutSecret(path, JsonSerializer.Serialize(new Dictionary<string, string> { ["user"] = "dev", ["value"] = "dev-value" }));
        }

        // What `secretsync dev` does for an aws provider without an endpoint: aim it at the emulator with the emulator's keys.
        var aimed = settings.With(AwsSettingKeys.Endpoint, bed.Aws.BaseAddress.ToString()).With(AwsSettingKeys.Region, bed.Aws.Region)
            .With(AwsSettingKeys.AuthAccessKeyId, bed.Aws.AccessKeyId).With(AwsSettingKeys.AuthSecretAccessKeyFile, bed.File(bed.Aws.SecretAccessKey));
        var aws = registry.Get("aws");
        Assert.Empty(aws.Validate(aimed).ErrorsOnly());
        await using var source = aws.Connect(aimed);

        var versions = await source.CheckVersionsAsync(sources, default);

        Assert.All(sources, s => Assert.IsType<VersionResult.Current>(versions[s]));
        foreach (var path in sources)
        {
            Assert.IsType<ReadResult.Found>(await source.ReadAsync(path, null, default));
        }
    }

    [Fact]
    public async Task Calls_AreCountedByProviderOperationAndResult()
    {
        var provider = $"metrics-{Guid.NewGuid():N}";
        using var recorder = new ProviderRequestsRecorder(provider);
        await using var bed = await AwsTestBed.StartAsync();
        bed.Aws.PutSecret("app", "{\"k\":\"v\"}");
        var client = bed.Connect(provider);

        await client.ReadAsync("app", null, default);
        await client.CheckVersionsAsync(["app"], default);
        var denied = bed.Aws.Deny("GetSecretValue");
        await client.ReadAsync("app", null, default);
        denied.Dispose();

        Assert.Contains(("GetSecretValue", "ok"), recorder.Seen);
        Assert.Contains(("ListSecrets", "ok"), recorder.Seen);
        Assert.Contains(("GetSecretValue", "forbidden"), recorder.Seen);
    }
}
