using Microsoft.Extensions.DependencyInjection;
using SecretSync.Core.Providers;
using SecretSync.Providers.Common;

namespace SecretSync.Providers.Aws;

/// <summary>Registers the AWS Secrets Manager provider.</summary>
public static class AwsServiceCollectionExtensions
{
    /// <summary>Registers the <c>aws</c> provider type as an <see cref="ISecretProvider"/> (see <see cref="ProviderServiceCollectionExtensions.AddSecretProvider{TProvider}"/>).</summary>
    /// <param name="services">The service collection.</param>
    /// <returns>The same collection, for chaining.</returns>
    public static IServiceCollection AddAwsProvider(this IServiceCollection services) => services.AddSecretProvider<AwsProvider>();
}
