using Azure.Identity;
using Microsoft.Extensions.DependencyInjection;
using SecretSync.Core.Configuration;
using SecretSync.Core.Providers;
using SecretSync.Providers.Contract;
using SecretSync.Testing;

namespace SecretSync.Providers.Azure.Tests;

public sealed class AzureProviderTests
{
    [Fact]
    public void AddAzureProvider_RegistersTheAzureTypeOnce_WithWriteCapability()
    {
        var services = new ServiceCollection().AddAzureProvider().AddAzureProvider();
        using var built = services.BuildServiceProvider();

        var provider = Assert.Single(built.GetServices<ISecretProvider>());
        Assert.Equal("azure", provider.Type);
        Assert.Equal(ProviderCapabilities.Write, provider.Capabilities);
    }

    [Fact]
    public void Connect_WithInvalidSettings_Throws_NamingTheProblem()
    {
        var provider = new AzureProvider(TimeProvider.System, null, null, TestSettings.NoEnvironment);

        var error = Assert.Throws<ArgumentException>(() => provider.Connect(Settings.Of(("vaultUrl", "http://x"))));

        Assert.Contains("https", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("workloadIdentity", typeof(WorkloadIdentityCredential))]
    [InlineData("managedIdentity", typeof(ManagedIdentityCredential))]
    [InlineData("default", typeof(DefaultAzureCredential))]
    [InlineData("accessToken", typeof(AccessTokenFileCredential))]
    public void EachAuthMethod_BuildsItsCredential_WithoutTouchingTheNetwork(string method, Type expected)
    {
        var environment = TestSettings.Environment(("AZURE_CLIENT_ID", "c"), ("AZURE_TENANT_ID", "t"), ("AZURE_FEDERATED_TOKEN_FILE", "/token"));
        var values = method == "accessToken"
            ? new[] { ("vaultUrl", "https://acme.vault.azure.net"), ("auth.method", method), ("auth.accessTokenFile", "/token") }
            : new[] { ("vaultUrl", "https://acme.vault.azure.net"), ("auth.method", method) };
        var options = AzureOptionsReader.Read(Settings.Of(values), environment, [])!;

        Assert.IsType(expected, AzureCredentials.Create(options, environment, TimeProvider.System));
    }

    [Fact]
    public async Task TheSample_IsAValidConfiguration()
    {
        var environment = TestSettings.Environment(("AZURE_CLIENT_ID", "c"), ("AZURE_TENANT_ID", "t"), ("AZURE_FEDERATED_TOKEN_FILE", "/token"));
        var registry = new ProviderRegistry([new AzureProvider(TimeProvider.System, null, null, environment)]);
        var path = Path.Combine(Repository.Root, "samples", "azure.yaml");

        var result = ConfigLoader.Parse(await File.ReadAllTextAsync(path), "samples/azure.yaml", registry);

        Assert.True(result is ConfigResult.Valid, result.ToString());
    }

    [Fact]
    public async Task Calls_AreCounted_ByProviderOperationAndResult_OnTheSharedMeter()
    {
        await using var bed = await AzureTestBed.StartAsync();
        bed.Vault.SetSecret("db", "p1");
        using var recorder = new ProviderRequestsRecorder("azure-metrics");
        var client = bed.Connect(bed.SettingsNamed("azure-metrics"));

        await client.ReadAsync("db", null, default);
        await client.ReadAsync("gone", null, default);
        await client.CheckVersionsAsync(["db"], default);

        Assert.Equal([("list", "ok"), ("read", "absent"), ("read", "ok"), ("version", "ok")], recorder.Seen.Order());
    }
}
