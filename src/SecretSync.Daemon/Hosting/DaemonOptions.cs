using SecretSync.Core.Providers;

namespace SecretSync.Daemon.Hosting;

/// <summary>How the daemon is started: where its configuration and cluster are, and how it identifies itself.</summary>
public sealed record DaemonOptions
{
    /// <summary>Path of the YAML configuration file; re-read when it changes.</summary>
    public required string ConfigPath { get; init; }

    /// <summary>A kubeconfig file; in-cluster configuration when null.</summary>
    public string? Kubeconfig { get; init; }

    /// <summary>The kubeconfig context; its current context when null.</summary>
    public string? KubeContext { get; init; }

    /// <summary>This replica's identity in leases and audit events.</summary>
    /// <value>The pod name (<c>POD_NAME</c>), else host name and process id.</value>
    public string Instance { get; init; } = DefaultInstance();

    /// <summary>Address the HTTP endpoints bind to.</summary>
    /// <value><c>0.0.0.0</c>; the dev stack uses <c>127.0.0.1</c>.</value>
    public string ListenAddress { get; init; } = "0.0.0.0";

    /// <summary>Overrides <c>server.port</c> from the configuration when set (0 picks a free port).</summary>
    public int? Port { get; init; }

    /// <summary>Adjusts provider settings before connecting, e.g. to aim an address-less provider at an emulator.</summary>
    public Func<ProviderSettings, ProviderSettings>? ProviderOverrides { get; init; }

    /// <summary>Where the install key comes from when the configuration names none.</summary>
    /// <value>Null: a Kubernetes Secret <c>secretsync-install-key</c> in the daemon's namespace, created on first start.</value>
    public string? InstallKeyFile { get; init; }

    private static string DefaultInstance() =>
        Environment.GetEnvironmentVariable("POD_NAME") is { Length: > 0 } pod ? pod : $"{Environment.MachineName}-{Environment.ProcessId}";
}
