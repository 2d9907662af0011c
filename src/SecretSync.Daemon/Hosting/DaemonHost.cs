using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using SecretSync.Audit;
using SecretSync.Core.Audit;
using SecretSync.Core.Configuration;
using SecretSync.Core.Providers;
using SecretSync.Daemon.Metrics;
using SecretSync.Kubernetes.Client;
using SecretSync.Kubernetes.Config;

namespace SecretSync.Daemon.Hosting;

/// <summary>Composes the daemon: Kubernetes client, providers, audit trail, sync service and endpoints.</summary>
public static class DaemonHost
{
    /// <summary>Builds a runnable daemon for a validated configuration.</summary>
    /// <param name="options">How the daemon was started.</param>
    /// <param name="config">The validated configuration loaded from <paramref name="configFile"/>.</param>
    /// <param name="configFile">The file to watch for reloads.</param>
    /// <param name="addProviders">Registers provider types (one <c>AddXxxProvider()</c> line each).</param>
    /// <param name="auditSinks">Extra sinks beyond those the configuration selects (the dev console, tests).</param>
    /// <exception cref="KubernetesConfigException">No usable Kubernetes configuration.</exception>
    public static WebApplication Build(
        DaemonOptions options,
        SyncConfig config,
        ConfigFile configFile,
        Action<IServiceCollection> addProviders,
        IEnumerable<IAuditSink>? auditSinks = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(addProviders);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        // A host that fails to start (a port in use) throws to the caller, which reports it in one line; the host's own log of it is a stack trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        builder.WebHost.UseUrls(string.Create(CultureInfo.InvariantCulture, $"http://{options.ListenAddress}:{options.Port ?? config.Server.Port}"));
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20));

        var kube = new KubernetesClient(
            KubernetesClientConfig.Load(options.Kubeconfig, options.KubeContext),
            new KubernetesClientOptions
            {
                Qps = config.Sync.Kubernetes.Qps,
                Burst = config.Sync.Kubernetes.Burst,
                DisableRateLimiter = !config.Sync.Kubernetes.RateLimit,
                UserAgent = "secretsync",
            },
            TimeProvider.System);
        var runtime = new DaemonRuntime { Instance = options.Instance };

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(config);
        builder.Services.AddSingleton(configFile);
        builder.Services.AddSingleton(kube);
        builder.Services.AddSingleton(runtime);
        addProviders(builder.Services);
        builder.Services.AddSingleton(sp =>
        {
            var registry = new ProviderRegistry(sp.GetServices<ISecretProvider>());
            return options.ProviderOverrides is { } adjust ? registry.WithAdjustedSettings(adjust) : registry;
        });
        // The configured sinks join once the install key (which keys the file chain) is loaded; see AuditSinks.
        builder.Services.AddSingleton(sp => new AuditTrail(
            new AuditIdentity(config.Cluster, options.Instance),
            [.. auditSinks ?? []],
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<AuditTrail>>()));
        builder.Services.AddSingleton<AuditSinks>();
        builder.Services.AddSecretSyncTelemetry(options.Instance, Environment.GetEnvironmentVariable);
        builder.Services.AddHostedService<SyncService>();

        var app = builder.Build();
        Endpoints.Map(app, runtime);
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
            if (address is not null)
            {
                runtime.Endpoint = new Uri(address.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
                app.Logger.LogInformation("Serving /healthz /readyz /metrics /status on {Address}", runtime.Endpoint);
            }
        });
        return app;
    }
}
