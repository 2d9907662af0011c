using System.Text.Json.Nodes;
using SecretSync.DevStack;
using SecretSync.DevStack.Hosting;

namespace SecretSync.Testing.Cluster;

/// <summary>One emulated cluster and Vault, a working folder with kubeconfig and configuration, and daemons run against them.</summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly List<DaemonProcess> _daemons = [];

    private TestCluster(KubernetesEmulator kubernetes, VaultEmulator vault, string folder)
    {
        Kubernetes = kubernetes;
        Vault = vault;
        Folder = folder;
        Kubeconfig = Path.Combine(folder, "kubeconfig");
        ConfigPath = Path.Combine(folder, "config.yaml");
        File.WriteAllText(Kubeconfig, kubernetes.CreateKubeconfig());
    }

    public KubernetesEmulator Kubernetes { get; }

    public VaultEmulator Vault { get; }

    public string Folder { get; }

    public string Kubeconfig { get; }

    public string ConfigPath { get; }

    public static async Task<TestCluster> StartAsync(bool vaultEvents = false, TimeProvider? time = null)
    {
        var folder = Directory.CreateTempSubdirectory("secretsync-it-").FullName;
        var kubernetes = await KubernetesEmulator.StartAsync(new KubernetesEmulatorOptions { Time = time ?? TimeProvider.System });
        var vault = await VaultEmulator.StartAsync(new VaultEmulatorOptions { EventsEnabled = vaultEvents, Time = time ?? TimeProvider.System });
        return new TestCluster(kubernetes, vault, folder);
    }

    /// <summary>Writes the configuration file (a YAML body after the providers section, which this fills in).</summary>
    public void WriteConfig(string bundlesAndRest, string interval = "1s", string events = "off", string cluster = "it")
    {
        File.WriteAllText(ConfigPath, $"""
            cluster: {cluster}
            providers:
              vault-main:
                type: vault
                address: {Vault.BaseAddress.ToString().TrimEnd('/')}
                mount: secret
                events: {events}
                auth:
                  method: token
                  token: {Vault.RootToken}
            sync:
              interval: {interval}
              jitter: 0.1
            leaderElection:
              leaseDuration: 3s
              renewDeadline: 2s
              retryPeriod: 500ms
            {bundlesAndRest}
            """);
    }

    /// <summary>Starts <c>secretsync run</c> against this cluster.</summary>
    public DaemonProcess StartDaemon(string? instance = null)
    {
        var environment = new Dictionary<string, string>();
        if (instance is not null)
        {
            environment["POD_NAME"] = instance;
        }

        var daemon = DaemonProcess.Start(["run", "--config", ConfigPath, "--kubeconfig", Kubeconfig], environment);
        _daemons.Add(daemon);
        return daemon;
    }

    public void Namespace(string name, IReadOnlyDictionary<string, string>? labels = null, string? bundles = null) =>
        Kubernetes.SeedNamespace(name, labels, bundles is null ? null : new Dictionary<string, string> { ["secretsync.io/bundles"] = bundles });

    /// <summary>Sets (or with null removes) the bundles annotation of an existing namespace, as kubectl annotate would.</summary>
    public void Annotate(string name, string? bundles)
    {
        var ns = Kubernetes.Get("namespaces", null, name) ?? throw new InvalidOperationException($"no namespace {name}");
        var metadata = ns["metadata"]!.AsObject();
        var annotations = metadata["annotations"] as JsonObject ?? [];
        if (bundles is null)
        {
            annotations.Remove("secretsync.io/bundles");
        }
        else
        {
            annotations["secretsync.io/bundles"] = bundles;
        }

        metadata["annotations"] = annotations.DeepClone();
        metadata.Remove("resourceVersion");
        Kubernetes.Apply(ns);
    }

    public JsonObject? Secret(string ns, string name) => Kubernetes.Get("secrets", ns, name);

    /// <summary>The decoded value of one key of a Secret, or null.</summary>
    public string? SecretValue(string ns, string name, string key) =>
        Secret(ns, name)?["data"]?[key]?.GetValue<string>() is { } b64 ? System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(b64)) : null;

    /// <summary>Writes the daemon's install key, as its Secret <c>secretsync-install-key</c> holds it, to a file in <paramref name="folder"/>, for <c>audit --verify --key-file</c>.</summary>
    /// <returns>The file's path.</returns>
    /// <exception cref="InvalidOperationException">No daemon has created the install key yet.</exception>
    public string WriteInstallKeyFile(string folder)
    {
        var stored = Kubernetes.List("secrets").FirstOrDefault(s => s["metadata"]?["name"]?.GetValue<string>() == "secretsync-install-key")?["data"]?["key"]?.GetValue<string>()
            ?? throw new InvalidOperationException("No secretsync-install-key Secret in the cluster yet.");
        var path = System.IO.Path.Combine(folder, "install.key");
        System.IO.File.WriteAllText(path, stored);
        return path;
    }

    /// <summary>Kubernetes writes to Secrets recorded by the emulator (create, update, patch, delete).</summary>
    public int SecretWrites(Func<RecordedRequest, bool>? filter = null) =>
        Kubernetes.Requests.CountWhere(r => IsSecretPath(r.Path)
            && r.Verb is "create" or "update" or "patch" or "delete" && (filter?.Invoke(r) ?? true));

    /// <summary>True for <c>…/secrets</c> and <c>…/secrets/NAME</c>, not for other resources named like it.</summary>
    public static bool IsSecretPath(string path) =>
        path.EndsWith("/secrets", StringComparison.Ordinal) || path.Contains("/secrets/", StringComparison.Ordinal);

    public async ValueTask DisposeAsync()
    {
        foreach (var daemon in _daemons)
        {
            await daemon.DisposeAsync();
        }

        await Kubernetes.DisposeAsync();
        await Vault.DisposeAsync();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
