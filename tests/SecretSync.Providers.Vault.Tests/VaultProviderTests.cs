using Microsoft.Extensions.DependencyInjection;
using SecretSync.Core.Providers;
using SecretSync.Providers.Contract;

namespace SecretSync.Providers.Vault.Tests;

public sealed class VaultProviderTests
{
    [Fact]
    public void AddVaultProvider_RegistersOneProviderOfTypeVault()
    {
        var services = new ServiceCollection().AddVaultProvider().AddVaultProvider();
        using var provider = services.BuildServiceProvider();

        var registered = Assert.Single(provider.GetServices<ISecretProvider>());
        Assert.Equal("vault", registered.Type);
        Assert.Equal(ProviderCapabilities.Watch | ProviderCapabilities.Write, registered.Capabilities);
        Assert.Same(registered, new ProviderRegistry(provider.GetServices<ISecretProvider>()).Get("vault"));
    }

    [Fact]
    public void Validate_ReturnsEveryError_AndConnectRefusesInvalidSettings()
    {
        var vault = new VaultProvider(TimeProvider.System, null, null, TestSettings.NoEnvironment);
        var settings = Settings.Of(("auth.method", "kubernetes"));

        var problems = vault.Validate(settings);
        Assert.Equal("auth.role", Assert.Single(problems.ErrorsOnly()).Key);
        Assert.Contains(problems, p => p.Key == "address");
        var thrown = Assert.Throws<ArgumentException>(() => vault.Connect(settings));
        Assert.Contains("vault-main", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_DoesNotTouchTheNetwork()
    {
        var vault = new VaultProvider(TimeProvider.System, null, null, TestSettings.NoEnvironment);

        // Nothing listens on port 9; connecting must still succeed at once.
        await using var source = vault.Connect(Settings.Of(("address", "http://127.0.0.1:9"), ("auth.token", "t")));

        Assert.IsAssignableFrom<ISourceWatcher>(source);
        Assert.IsAssignableFrom<ISourceWriter>(source);
    }
}
