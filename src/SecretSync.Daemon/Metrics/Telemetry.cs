using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using SecretSync.Daemon.Sync;

namespace SecretSync.Daemon.Metrics;

/// <summary>Registers OpenTelemetry: every SecretSync meter on the Prometheus scrape endpoint, and sync traces over OTLP when asked for.</summary>
/// <remarks>
/// The exporter keeps the names README documents: counters get <c>_total</c>, and a unit suffix is added only where
/// the name does not already end in it. Scope labels and <c>target_info</c> are off, so each series has exactly the
/// labels its instrument records. Tag values become label values and span attributes: callers never put a secret
/// value in one.
/// </remarks>
internal static class Telemetry
{
    /// <summary>The meters exposed: ours all start with <c>SecretSync.</c>, foreign ones (ASP.NET Core, the runtime) stay out.</summary>
    public const string MeterPattern = "SecretSync.*";

    /// <summary>The service name on traces, unless <c>OTEL_SERVICE_NAME</c> says otherwise.</summary>
    public const string ServiceName = "secretsync";

    /// <summary>The standard variables that switch tracing on; the OTLP exporter reads the endpoint from them itself.</summary>
    public static readonly IReadOnlyList<string> OtlpEndpointVariables = ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"];

    /// <summary>Adds the meter provider with its Prometheus exporter and, when an OTLP endpoint is set, the tracer provider.</summary>
    /// <param name="services">The daemon's services.</param>
    /// <param name="instance">This replica's identity, the resource's <c>service.instance.id</c>.</param>
    /// <param name="environment">Reads an environment variable.</param>
    /// <returns><paramref name="services"/>, to chain.</returns>
    public static IServiceCollection AddSecretSyncTelemetry(this IServiceCollection services, string instance, Func<string, string?> environment)
    {
        var version = typeof(Telemetry).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName, serviceVersion: version, serviceInstanceId: instance))
            .WithMetrics(metrics => metrics
                .AddMeter(MeterPattern)
                .AddPrometheusExporter(ConfigureScrape));
        if (TracingEnabled(environment))
        {
            telemetry.WithTracing(tracing => tracing.AddSource(SyncTracing.SourceName).AddOtlpExporter());
        }

        return services;
    }

    /// <summary>Whether sync traces are exported: only when an OTLP endpoint variable is set.</summary>
    /// <param name="environment">Reads an environment variable.</param>
    /// <returns><see langword="true"/> when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> or its traces variant is non-empty.</returns>
    public static bool TracingEnabled(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return OtlpEndpointVariables.Any(name => !string.IsNullOrWhiteSpace(environment(name)));
    }

    private static void ConfigureScrape(PrometheusAspNetCoreOptions options)
    {
        options.ScopeInfoEnabled = false;
        options.TargetInfoEnabled = false;
        // Every scrape samples the gauges afresh: tests and operators read a change right after it happens.
        options.ScrapeResponseCacheDurationMilliseconds = 0;
    }
}
