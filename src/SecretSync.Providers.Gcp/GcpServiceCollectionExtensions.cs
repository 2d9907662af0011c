using Microsoft.Extensions.DependencyInjection;
using SecretSync.Core.Providers;
using SecretSync.Providers.Common;

namespace SecretSync.Providers.Gcp;

/// <summary>Registers the GCP Secret Manager provider.</summary>
public static class GcpServiceCollectionExtensions
{
    /// <summary>Registers the <c>gcp</c> provider type as an <see cref="ISecretProvider"/> (see <see cref="ProviderServiceCollectionExtensions.AddSecretProvider{TProvider}"/>).</summary>
    /// <param name="services">The service collection.</param>
    /// <returns>The same collection, for chaining.</returns>
    public static IServiceCollection AddGcpProvider(this IServiceCollection services) => services.AddSecretProvider<GcpProvider>();
}
