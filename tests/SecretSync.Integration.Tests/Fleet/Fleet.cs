using SecretSync.Audit.Postgres;
using SecretSync.DevStack;
using SecretSync.Testing;
using SecretSync.Testing.Cluster;

namespace SecretSync.Integration.Tests.Fleet;

/// <summary>One emulated cluster of a fleet: its Kubernetes API, kubeconfig, configuration and daemon.</summary>
public sealed class FleetMember(string name, KubernetesEmulator kubernetes, string folder)
{
    public string Name { get; } = name;

    public KubernetesEmulator Kubernetes { get; } = kubernetes;

    public string Kubeconfig { get; } = Path.Combine(folder, $"{name}.kubeconfig");

    public string ConfigPath { get; } = Path.Combine(folder, $"{name}.yaml");

    public DaemonProcess? Daemon { get; set; }

    /// <summary>The daemon's instance name, unique per run: it also names the sink's outage buffer folder.</summary>
    public string Instance { get; } = $"secretsync-{name}-{Guid.NewGuid():N}"[..24];

    /// <summary>The decoded value of one key of a Secret, or null.</summary>
    public string? SecretValue(string ns, string name, string key) =>
        Kubernetes.Get("secrets", ns, name)?["data"]?[key]?.GetValue<string>() is { } b64
            ? System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(b64))
            : null;
}

/// <summary>
/// Several clusters, each with its own Kubernetes emulator and <c>secretsync run</c>, sharing one Vault emulator
/// and one PostgreSQL fleet store that every daemon's postgres sink writes to.
/// </summary>
public sealed class Fleet : IAsyncDisposable
{
    public const string Bundles = """
        bundles:
          payments-db:
            provider: vault-main
            namespaces: all
            secrets:
              - source: payments/db
                target: db-credentials
        """;

    private readonly List<FleetMember> _members = [];

    private Fleet(VaultEmulator vault, string database, string folder)
    {
        Vault = vault;
        Database = database;
        Folder = folder;
    }

    public VaultEmulator Vault { get; }

    /// <summary>The fleet store's connection string.</summary>
    public string Database { get; }

    public string Folder { get; }

    public IReadOnlyList<FleetMember> Members => _members;

    public FleetMember this[string name] => _members.Single(m => m.Name == name);

    public static async Task<Fleet> StartAsync(PostgresServer server)
    {
        var database = await server.CreateDatabaseAsync("fleet");
        var vault = await VaultEmulator.StartAsync(new VaultEmulatorOptions());
        return new Fleet(vault, database, Directory.CreateTempSubdirectory("secretsync-fleet-").FullName);
    }

    /// <summary>Adds a cluster with the given opted-in namespaces and writes its kubeconfig and configuration.</summary>
    public async Task<FleetMember> AddClusterAsync(string name, params string[] namespaces)
    {
        var kubernetes = await KubernetesEmulator.StartAsync(new KubernetesEmulatorOptions());
        var member = new FleetMember(name, kubernetes, Folder);
        _members.Add(member);
        foreach (var ns in namespaces)
        {
            kubernetes.SeedNamespace(ns, null, new Dictionary<string, string> { ["secretsync.io/bundles"] = "payments-db" });
        }

        await File.WriteAllTextAsync(member.Kubeconfig, kubernetes.CreateKubeconfig());
        await File.WriteAllTextAsync(member.ConfigPath, Config(name));
        return member;
    }

    /// <summary>Starts every cluster's daemon and waits until each leads with its first sync done.</summary>
    public async Task StartDaemonsAsync()
    {
        foreach (var member in _members)
        {
            member.Daemon = DaemonProcess.Start(
                ["run", "--config", member.ConfigPath, "--kubeconfig", member.Kubeconfig],
                new Dictionary<string, string> { ["POD_NAME"] = member.Instance });
        }

        foreach (var member in _members)
        {
            await member.Daemon!.WaitLeadingAsync();
        }
    }

    /// <summary>Waits until the fleet store shows every (cluster, namespace) target at <paramref name="version"/>.</summary>
    public async Task WaitForStoreAsync(string version, int targets)
    {
        await using var store = new PostgresAuditStore(Database);
        await Eventually.TrueAsync(
            async () => (await store.AppliedVersionsAsync("vault-main", "payments/db", default)).Count(a => a.Holds && a.Version == version) == targets,
            $"{targets} targets at version {version} in the fleet store", TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200));
    }

    /// <summary>Runs <c>secretsync rotate</c> to completion.</summary>
    public Task<ToolResult> RotateAsync(params string[] arguments) =>
        Tool.RunAsync("dotnet", [DaemonProcess.Executable, "rotate", .. arguments],
            new Dictionary<string, string?> { ["DOTNET_NOLOGO"] = "1" }, timeout: TimeSpan.FromMinutes(3));

    public async ValueTask DisposeAsync()
    {
        foreach (var member in _members)
        {
            if (member.Daemon is not null)
            {
                await member.Daemon.DisposeAsync();
            }

            await member.Kubernetes.DisposeAsync();
        }

        await Vault.DisposeAsync();
        foreach (var member in _members)
        {
            // The daemons' outage buffers live beside other runs' under the temporary folder.
            TryDelete(PostgresSinkOptions.DefaultBufferFolder(member.Name, member.Instance));
        }

        TryDelete(Folder);
    }

    private string Config(string cluster) => $"""
        cluster: {cluster}
        providers:
          vault-main:
            type: vault
            address: {Vault.BaseAddress.ToString().TrimEnd('/')}
            mount: secret
            events: off
            auth:
              method: token
              token: {Vault.RootToken}
        sync:
          interval: 1s
          jitter: 0.1
        leaderElection:
          leaseDuration: 3s
          renewDeadline: 2s
          retryPeriod: 500ms
        audit:
          sinks: [stdout, postgres]
          postgres:
            connectionString: "{Database}"
        {Bundles}
        """;

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (IOException)
        {
        }
    }
}
