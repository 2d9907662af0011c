using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace SecretSync.Daemon.Metrics;

/// <summary>Registers OpenTelemetry: every SecretSync meter on the Prometheus scrape endpoint.</summary>
/// <remarks>
/// The exporter keeps the names README documents: counters get <c>_total</c>, and a unit suffix is added only where
/// the name does not already end in it. Scope labels and <c>target_info</c> are off, so each series has exactly the
/// labels its instrument records. Tag values become label values: callers never put a secret value in one.
/// </remarks>
internal static class Telemetry
{
    /// <summary>The meters exposed: ours all start with <c>SecretSync.</c>, foreign ones (ASP.NET Core, the runtime) stay out.</summary>
    public const string MeterPattern = "SecretSync.*";

    /// <summary>Adds the meter provider with its Prometheus exporter.</summary>
    /// <param name="services">The daemon's services.</param>
    /// <param name="instance">This replica's identity, the resource's <c>service.instance.id</c>.</param>
    /// <param name="environment">Reads an environment variable.</param>
    /// <returns><paramref name="services"/>, to chain.</returns>
    public static IServiceCollection AddSecretSyncTelemetry(this IServiceCollection services, string instance, Func<string, string?> environment)
    {
        var version = typeof(Telemetry).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("secretsync", serviceVersion: version, serviceInstanceId: instance))
            .WithMetrics(metrics => metrics
                .AddMeter(MeterPattern)
                .AddPrometheusExporter(ConfigureScrape));
        return services;
    }

    private static void ConfigureScrape(PrometheusAspNetCoreOptions options)
    {
        options.ScopeInfoEnabled = false;
        options.TargetInfoEnabled = false;
        // Every scrape samples the gauges afresh: tests and operators read a change right after it happens.
        options.ScrapeResponseCacheDurationMilliseconds = 0;
    }
}
