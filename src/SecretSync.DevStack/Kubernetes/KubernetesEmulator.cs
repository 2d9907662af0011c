using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using SecretSync.DevStack.Hosting;

namespace SecretSync.DevStack;

/// <summary>An in-process Kubernetes API server for namespaces, secrets, configmaps, events, leases and apps workloads.</summary>
/// <remarks>
/// Speaks the REST wire protocol over JSON (get, list with selectors and paging, watch, create, update, four
/// patch types, delete) with the status codes and <c>Status</c> bodies of a real API server, plus discovery
/// and minimal OpenAPI v3 documents for kubectl. Tests seed and inspect it directly through this class.
/// </remarks>
public sealed class KubernetesEmulator : IAsyncDisposable
{
    private readonly EmulatorHost _host;
    private readonly ObjectStore _store;
    private readonly KubernetesProtocol _protocol;

    private KubernetesEmulator(EmulatorHost host, ObjectStore store, KubernetesProtocol protocol, KubernetesEmulatorOptions options)
    {
        _host = host;
        _store = store;
        _protocol = protocol;
        Options = options;
    }

    /// <summary>The options the emulator was started with.</summary>
    public KubernetesEmulatorOptions Options { get; }

    /// <summary>The root URL of the API, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress => _host.BaseAddress;

    /// <summary>Every request answered, with its Kubernetes verb.</summary>
    public RequestLog Requests => _host.Requests;

    /// <summary>Latency, error statuses and dropped watches, switchable while the emulator runs.</summary>
    public FaultInjector Faults => _host.Faults;

    /// <summary>The token requests must carry; null turns authentication off.</summary>
    /// <remarks>Starts as <see cref="KubernetesEmulatorOptions.BearerToken"/>; set it to simulate a token rotation.</remarks>
    public string? BearerToken
    {
        get => _protocol.BearerToken;
        set => _protocol.BearerToken = value;
    }

    /// <summary>The deny rules in force; starts as <see cref="KubernetesEmulatorOptions.DenyRules"/> and may be replaced at run time.</summary>
    public IReadOnlyList<KubernetesDenyRule> DenyRules
    {
        get => _protocol.DenyRules;
        set => _protocol.DenyRules = value ?? [];
    }

    /// <summary>The newest resourceVersion committed, as the API shows it.</summary>
    public string ResourceVersion => _store.CurrentResourceVersion.ToString(CultureInfo.InvariantCulture);

    /// <summary>The number of watch streams open right now; lets a test wait until a client's watch is established.</summary>
    public int OpenWatches => _store.OpenWatches;

    /// <summary>Every committed change since start, oldest first (a snapshot).</summary>
    public IReadOnlyList<KubernetesChange> History => _store.HistorySnapshot();

    /// <summary>Starts the emulator on loopback (and on <see cref="EmulatorListenOptions.UnixSocketPath"/> when set).</summary>
    /// <remarks>The <c>default</c> namespace exists from the start, as on a real cluster.</remarks>
    public static async Task<KubernetesEmulator> StartAsync(KubernetesEmulatorOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new KubernetesEmulatorOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.WatchHistoryLimit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.BookmarkInterval, TimeSpan.Zero);
        var store = new ObjectStore(options.Time, options.WatchHistoryLimit);
        store.Seed(ResourceCatalog.Namespaces, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "default" } });
        var protocol = new KubernetesProtocol(store, options);
        var host = await EmulatorHost.StartAsync(options, protocol, cancellationToken);
        protocol.Faults = host.Faults;
        return new KubernetesEmulator(host, store, protocol, options);
    }

    /// <summary>Forgets all retained history, so a watch or continue token from any older resourceVersion gets 410 Expired.</summary>
    public void CompactHistory() => _store.Compact();

    /// <summary>Compacts the history and ends every open watch with an ERROR event carrying 410 Expired, as an API server
    /// does when its watch cache can no longer serve a stream; resuming from an older resourceVersion gets 410 too.</summary>
    public void ExpireWatches() => _store.ExpireWatches();

    /// <summary>Creates the object, or replaces it unconditionally when it exists, and returns the stored result.</summary>
    /// <param name="manifest">A full object with <c>apiVersion</c>, <c>kind</c> and <c>metadata.name</c> (and <c>metadata.namespace</c> when namespaced).</param>
    /// <exception cref="ArgumentException">The kind is not served or the namespace is missing from the manifest.</exception>
    /// <exception cref="InvalidOperationException">The API server would reject the write; the message is its Status message.</exception>
    public JsonObject Apply(JsonObject manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var apiVersion = (string?)manifest["apiVersion"] ?? throw new ArgumentException("The manifest has no apiVersion.", nameof(manifest));
        var kindName = (string?)manifest["kind"] ?? throw new ArgumentException("The manifest has no kind.", nameof(manifest));
        var kind = ResourceCatalog.ByKind(apiVersion, kindName) ?? throw new ArgumentException($"The emulator does not serve {apiVersion} {kindName}.", nameof(manifest));
        var ns = kind.Namespaced
            ? (string?)manifest["metadata"]?["namespace"] ?? throw new ArgumentException($"A {kindName} needs metadata.namespace.", nameof(manifest))
            : "";
        return Guard(() => _store.Upsert(kind, ns, (JsonObject)manifest.DeepClone()).ToJsonObject());
    }

    /// <summary>Replaces the <c>status</c> of an object, as its controller would (e.g. a Deployment's rollout progress).</summary>
    /// <remarks>The main resource never writes status (<see cref="Apply"/> keeps the stored one); this is the emulator's
    /// stand-in for the status subresource and the controllers it does not run. Spec and generation are untouched.</remarks>
    /// <param name="resource">Plural resource name, e.g. <c>deployments</c>.</param>
    /// <param name="namespace">The namespace; null for cluster-scoped resources.</param>
    /// <param name="name">The object's name.</param>
    /// <param name="status">The whole new status.</param>
    /// <returns>The stored object.</returns>
    /// <exception cref="ArgumentException">The resource is not served.</exception>
    /// <exception cref="InvalidOperationException">The object does not exist.</exception>
    public JsonObject SetStatus(string resource, string? @namespace, string name, JsonObject status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var kind = Resolve(resource);
        return Guard(() => _store.ReplaceStatus(kind, @namespace ?? "", name, status).ToJsonObject());
    }

    /// <summary>Creates or replaces a namespace with these labels and annotations.</summary>
    /// <exception cref="InvalidOperationException">The name is not a valid namespace name.</exception>
    public JsonObject SeedNamespace(string name, IReadOnlyDictionary<string, string>? labels = null, IReadOnlyDictionary<string, string>? annotations = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var metadata = new JsonObject { ["name"] = name };
        if (labels is { Count: > 0 })
        {
            metadata["labels"] = ToJson(labels);
        }

        if (annotations is { Count: > 0 })
        {
            metadata["annotations"] = ToJson(annotations);
        }

        return Apply(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = metadata });
    }

    /// <summary>The current object, or null when absent.</summary>
    /// <param name="resource">Plural resource name, e.g. <c>secrets</c> or <c>leases</c>.</param>
    /// <param name="namespace">The namespace; null for cluster-scoped resources.</param>
    /// <param name="name">The object's name.</param>
    /// <exception cref="ArgumentException">The resource is not served.</exception>
    public JsonObject? Get(string resource, string? @namespace, string name) =>
        _store.Get(Resolve(resource), @namespace ?? "", name)?.ToJsonObject();

    /// <summary>Current objects of a resource, ordered by namespace and name; every namespace when <paramref name="namespace"/> is null.</summary>
    /// <exception cref="ArgumentException">The resource is not served.</exception>
    public IReadOnlyList<JsonObject> List(string resource, string? @namespace = null) =>
        [.. _store.Snapshot(Resolve(resource), @namespace).Select(stored => stored.ToJsonObject())];

    /// <summary>Deletes an object as an unconditional API delete would (a namespace takes its contents with it).</summary>
    /// <returns>False when the object did not exist.</returns>
    /// <exception cref="ArgumentException">The resource is not served.</exception>
    public bool Delete(string resource, string? @namespace, string name)
    {
        var kind = Resolve(resource);
        return Guard(() =>
        {
            if (_store.Get(kind, @namespace ?? "", name) is null)
            {
                return false;
            }

            _store.Delete(kind, @namespace ?? "", name, new DeletePreconditions(null, null), dryRun: false);
            return true;
        });
    }

    /// <summary>A kubeconfig (YAML) that points kubectl or a client at this emulator, with its CA and token when set.</summary>
    /// <param name="namespace">The context's default namespace.</param>
    public string CreateKubeconfig(string @namespace = "default")
    {
        var text = new StringBuilder();
        text.AppendLine("apiVersion: v1");
        text.AppendLine("kind: Config");
        text.AppendLine("clusters:");
        text.AppendLine("- name: secretsync-devstack");
        text.AppendLine("  cluster:");
        text.AppendLine(CultureInfo.InvariantCulture, $"    server: {BaseAddress.GetLeftPart(UriPartial.Authority)}");
        if (Options.Tls is { } tls)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"    certificate-authority-data: {Convert.ToBase64String(Encoding.UTF8.GetBytes(tls.CaPem))}");
        }

        text.AppendLine("users:");
        text.AppendLine("- name: secretsync-devstack");
        text.AppendLine(BearerToken is { } token ? $"  user:\n    token: \"{token}\"" : "  user: {}");
        text.AppendLine("contexts:");
        text.AppendLine("- name: secretsync-devstack");
        text.AppendLine("  context:");
        text.AppendLine("    cluster: secretsync-devstack");
        text.AppendLine("    user: secretsync-devstack");
        text.AppendLine(CultureInfo.InvariantCulture, $"    namespace: {@namespace}");
        text.AppendLine("current-context: secretsync-devstack");
        return text.ToString();
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _host.DisposeAsync();

    private static ResourceKind Resolve(string resource) =>
        ResourceCatalog.ByResource(resource) ?? throw new ArgumentException($"The emulator does not serve '{resource}'.", nameof(resource));

    private static JsonObject ToJson(IReadOnlyDictionary<string, string> map)
    {
        var json = new JsonObject();
        foreach (var (key, value) in map)
        {
            json[key] = value;
        }

        return json;
    }

    private static T Guard<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (KubernetesApiException error)
        {
            throw new InvalidOperationException($"{error.Reason} ({error.Code}): {error.Message}", error);
        }
    }
}
