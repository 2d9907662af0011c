using Microsoft.Extensions.DependencyInjection;
using SecretSync.Core.Providers;
using SecretSync.Providers.Common;

namespace SecretSync.Providers.Azure;

/// <summary>Registers the Azure Key Vault provider.</summary>
public static class AzureServiceCollectionExtensions
{
    /// <summary>Registers the <c>azure</c> provider type as an <see cref="ISecretProvider"/> (see <see cref="ProviderServiceCollectionExtensions.AddSecretProvider{TProvider}"/>).</summary>
    /// <param name="services">The service collection.</param>
    /// <returns>The same collection, for chaining.</returns>
    public static IServiceCollection AddAzureProvider(this IServiceCollection services) => services.AddSecretProvider<AzureProvider>();
}
