using Microsoft.Extensions.DependencyInjection;
using SecretSync.Core.Providers;
using SecretSync.Providers.Common;

namespace SecretSync.Providers.Vault;

/// <summary>Registers the Vault provider.</summary>
public static class VaultServiceCollectionExtensions
{
    /// <summary>Registers the <c>vault</c> provider type as an <see cref="ISecretProvider"/> (see <see cref="ProviderServiceCollectionExtensions.AddSecretProvider{TProvider}"/>).</summary>
    /// <param name="services">The service collection.</param>
    /// <returns>The same collection, for chaining.</returns>
    public static IServiceCollection AddVaultProvider(this IServiceCollection services) => services.AddSecretProvider<VaultProvider>();
}
