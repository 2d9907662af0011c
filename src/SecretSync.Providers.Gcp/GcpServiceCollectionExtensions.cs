using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SecretSync.Core.Providers;

namespace SecretSync.Providers.Gcp;

/// <summary>Registers the GCP Secret Manager provider.</summary>
public static class GcpServiceCollectionExtensions
{
    /// <summary>Registers the <c>gcp</c> provider type as an <see cref="ISecretProvider"/>.</summary>
    /// <remarks>
    /// Uses the registered <see cref="TimeProvider"/> (adding <see cref="TimeProvider.System"/> when none is),
    /// and the logger and meter factories when present. Calling it twice registers the provider once.
    /// </remarks>
    /// <param name="services">The service collection.</param>
    /// <returns>The same collection, for chaining.</returns>
    public static IServiceCollection AddGcpProvider(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISecretProvider, GcpProvider>());
        return services;
    }
}
