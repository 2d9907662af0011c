using Microsoft.Extensions.DependencyInjection;
using SecretSync.Core.Providers;
using SecretSync.Providers.Aws;
using SecretSync.Providers.Azure;
using SecretSync.Providers.Gcp;
using SecretSync.Providers.Vault;

namespace SecretSync.Cli;

/// <summary>The provider types this executable ships: one registration line per provider project.</summary>
internal static class ProviderCatalog
{
    public static void AddAll(IServiceCollection services) =>
        services.AddVaultProvider()
            .AddAwsProvider()
            .AddGcpProvider()
            .AddAzureProvider();

    public static ProviderRegistry Registry()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(TimeProvider.System);
        AddAll(services);
        return new ProviderRegistry(services.BuildServiceProvider().GetServices<ISecretProvider>());
    }
}
