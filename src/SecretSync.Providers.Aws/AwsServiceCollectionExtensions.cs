using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SecretSync.Core.Providers;

namespace SecretSync.Providers.Aws;

/// <summary>Registers the AWS Secrets Manager provider.</summary>
public static class AwsServiceCollectionExtensions
{
    /// <summary>Registers the <c>aws</c> provider type as an <see cref="ISecretProvider"/>.</summary>
    /// <remarks>
    /// Uses the registered <see cref="TimeProvider"/> (adding <see cref="TimeProvider.System"/> when none is),
    /// and the logger and meter factories when present. Calling it twice registers the provider once.
    /// </remarks>
    /// <param name="services">The service collection.</param>
    /// <returns>The same collection, for chaining.</returns>
    public static IServiceCollection AddAwsProvider(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISecretProvider, AwsProvider>());
        return services;
    }
}
