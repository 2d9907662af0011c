using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SecretSync.Core.Providers;

namespace SecretSync.Providers.Common;

/// <summary>Registers provider types.</summary>
public static class ProviderServiceCollectionExtensions
{
    /// <summary>Registers <typeparamref name="TProvider"/> as an <see cref="ISecretProvider"/>.</summary>
    /// <remarks>
    /// Uses the registered <see cref="TimeProvider"/> (adding <see cref="TimeProvider.System"/> when none is),
    /// and the logger and meter factories when present. Calling it twice registers the provider once.
    /// </remarks>
    /// <typeparam name="TProvider">The provider type.</typeparam>
    /// <param name="services">The service collection.</param>
    /// <returns>The same collection, for chaining.</returns>
    public static IServiceCollection AddSecretProvider<TProvider>(this IServiceCollection services)
        where TProvider : class, ISecretProvider
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISecretProvider, TProvider>());
        return services;
    }
}
