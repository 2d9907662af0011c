using System.Text.Json;
using SecretSync.DevStack.Hosting;
using SecretSync.DevStack.Vault;

namespace SecretSync.DevStack;

/// <summary>One version of a KV v2 key, as the emulator holds it.</summary>
/// <param name="Version">The version number.</param>
/// <param name="Data">The key/value data; null when the version is deleted or destroyed.</param>
/// <param name="CreatedTime">When the version was written.</param>
/// <param name="DeletionTime">When it was (or will be) soft-deleted; null when not.</param>
/// <param name="Destroyed">Whether the data was destroyed for good.</param>
public sealed record VaultSecretVersion(
    int Version, IReadOnlyDictionary<string, JsonElement>? Data, DateTimeOffset CreatedTime, DateTimeOffset? DeletionTime, bool Destroyed);

/// <summary>The state of one version in a key's metadata.</summary>
/// <param name="CreatedTime">When the version was written.</param>
/// <param name="DeletionTime">When it was (or will be) soft-deleted; null when not.</param>
/// <param name="Destroyed">Whether the data was destroyed for good.</param>
public sealed record VaultVersionMetadata(DateTimeOffset CreatedTime, DateTimeOffset? DeletionTime, bool Destroyed);

/// <summary>A KV v2 key's metadata, as <c>GET secret/metadata/&lt;path&gt;</c> reports it.</summary>
/// <param name="CurrentVersion">The newest version number; 0 when only metadata was written.</param>
/// <param name="OldestVersion">The oldest version kept once <c>max_versions</c> trimmed any; 0 before.</param>
/// <param name="MaxVersions">The key's own limit; 0 defers to the engine (then 10).</param>
/// <param name="CasRequired">Whether writes to the key need <c>options.cas</c>.</param>
/// <param name="DeleteVersionAfter">How long a new version lives before it is soft-deleted; zero for ever.</param>
/// <param name="CreatedTime">When the key was created.</param>
/// <param name="UpdatedTime">When the key last got a version (or was created).</param>
/// <param name="CustomMetadata">The key's custom metadata, or null.</param>
/// <param name="Versions">The versions kept, by number.</param>
public sealed record VaultKeyMetadata(
    int CurrentVersion,
    int OldestVersion,
    int MaxVersions,
    bool CasRequired,
    TimeSpan DeleteVersionAfter,
    DateTimeOffset? CreatedTime,
    DateTimeOffset? UpdatedTime,
    IReadOnlyDictionary<string, string>? CustomMetadata,
    IReadOnlyDictionary<int, VaultVersionMetadata> Versions);

/// <summary>An in-process HashiCorp Vault: KV v2 mounts, token/AppRole/Kubernetes auth, <c>sys/health</c> and event notifications.</summary>
/// <remarks>
/// Faithful at the HTTP level to <c>shared/reference/vault.md</c> and checked against python3-hvac and node-vault.
/// The setup and inspection methods act on the same state the HTTP API serves and publish the same events,
/// without going through policies, faults or the request log.
/// </remarks>
public sealed class VaultEmulator : IAsyncDisposable
{
    private readonly EmulatorHost _host;
    private readonly VaultProtocol _protocol;
    private readonly VaultAuth _auth;
    private readonly VaultEventBus _events;
    private readonly Dictionary<string, KvMount> _mounts;

    private VaultEmulator(EmulatorHost host, VaultProtocol protocol, VaultAuth auth, VaultEventBus events, Dictionary<string, KvMount> mounts, string rootToken)
    {
        _host = host;
        _protocol = protocol;
        _auth = auth;
        _events = events;
        _mounts = mounts;
        RootToken = rootToken;
    }

    /// <summary>The address clients use, e.g. <c>http://127.0.0.1:41234/</c> (set <c>VAULT_ADDR</c> to it without the slash).</summary>
    public Uri BaseAddress => _host.BaseAddress;

    /// <summary>The root token, which every policy check lets through.</summary>
    public string RootToken { get; }

    /// <summary>Every request answered, with its operation named <c>read</c>, <c>write</c>, <c>patch</c>, <c>list</c>, <c>delete</c>,
    /// <c>undelete</c>, <c>destroy</c>, <c>metadata-read</c>, <c>metadata-write</c>, <c>metadata-delete</c>, <c>subkeys</c>,
    /// <c>config-read</c>, <c>config-write</c>, <c>login</c>, <c>lookup-self</c>, <c>renew-self</c>, <c>revoke-self</c>,
    /// <c>health</c>, <c>events</c> or <c>other</c>.</summary>
    public RequestLog Requests => _host.Requests;

    /// <summary>Latency, error statuses (503 answers <c>Vault is sealed</c>, 429 a rate-limit quota error) and dropped event sockets.</summary>
    public FaultInjector Faults => _host.Faults;

    /// <summary>The KV v2 mounts, by path.</summary>
    public IReadOnlyCollection<string> KvMounts => _mounts.Keys;

    /// <summary>Whether the Vault is sealed: every request but <c>sys/health</c> gets 503 <c>{"errors":["Vault is sealed"]}</c>, health answers 503.</summary>
    /// <remarks>Sealing also drops open event sockets.</remarks>
    public bool Sealed
    {
        get => _protocol.Sealed;
        set => _protocol.Sealed = value;
    }

    /// <summary>Whether <c>sys/health</c> reports an unsealed standby (429 unless <c>standbyok</c>); other requests are served as usual.</summary>
    public bool Standby
    {
        get => _protocol.Standby;
        set => _protocol.Standby = value;
    }

    /// <summary>Whether the event-notification WebSocket exists; when false it answers 404 like community Vault 1.16+ or OpenBao.</summary>
    /// <remarks>Switching it off also drops open event sockets.</remarks>
    public bool EventsEnabled
    {
        get => _protocol.EventsEnabled;
        set => _protocol.EventsEnabled = value;
    }

    /// <summary>The number of open event subscriptions, so tests can wait until a client is listening.</summary>
    public int EventSubscriberCount => _events.Count;

    /// <summary>Starts an emulator listening on 127.0.0.1 (and on <see cref="EmulatorListenOptions.UnixSocketPath"/> when set).</summary>
    /// <exception cref="ArgumentException">The options name no mount, an invalid mount, or an empty root token.</exception>
    public static async Task<VaultEmulator> StartAsync(VaultEmulatorOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new VaultEmulatorOptions();
        Validate(options);
        var events = new VaultEventBus();
        var auth = new VaultAuth(options.RootToken, options.Time, options.MaxTokenTtl);
        var mounts = options.KvMounts.Distinct(StringComparer.Ordinal)
            .ToDictionary(name => name, name => new KvMount(name, options.Time, events), StringComparer.Ordinal);
        var protocol = new VaultProtocol(options, auth, events, mounts.Values);
        var host = await EmulatorHost.StartAsync(options, protocol, cancellationToken);
        protocol.Faults = host.Faults;
        return new VaultEmulator(host, protocol, auth, events, mounts, options.RootToken);
    }

    /// <summary>Creates a token with the given policies (plus <c>default</c>), as <c>auth/token/create</c> would.</summary>
    /// <param name="policies">Policy names; <c>root</c> makes a root token.</param>
    /// <param name="ttl">Time to live; null for a token that never expires (and cannot be renewed).</param>
    /// <param name="renewable">Whether <c>renew-self</c> may extend it (up to <see cref="VaultEmulatorOptions.MaxTokenTtl"/> from creation).</param>
    /// <returns>The token to send as <c>X-Vault-Token</c>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="ttl"/> is zero or negative.</exception>
    public string CreateToken(IEnumerable<string> policies, TimeSpan? ttl = null, bool renewable = true)
    {
        ArgumentNullException.ThrowIfNull(policies);
        return _auth.Create(policies, ttl, renewable, "auth/token/create", "token", null, orphan: false).Id;
    }

    /// <summary>Revokes a token at once; its next request gets 403 <c>permission denied</c>.</summary>
    /// <returns>Whether the token existed.</returns>
    public bool RevokeToken(string token) => _auth.Revoke(token);

    /// <summary>Creates or replaces an ACL policy made of path prefixes and the capabilities granted under each.</summary>
    /// <remarks>
    /// Paths are as policies see them: <c>secret/data/app/</c> for KV reads and writes, <c>secret/metadata/app/</c> for
    /// metadata and lists, <c>sys/events/subscribe/</c> for event subscriptions. A trailing <c>*</c> is allowed and
    /// ignored. The longest matching prefix across a token's policies decides; <c>deny</c> there refuses everything.
    /// </remarks>
    /// <exception cref="ArgumentException">An unknown capability (known: create, read, update, patch, delete, list, subscribe, sudo, deny).</exception>
    public void SetPolicy(string name, params (string pathPrefix, string[] capabilities)[] rules) => _auth.SetPolicy(name, rules);

    /// <summary>Adds an AppRole role; login with the returned ids yields a renewable token with <paramref name="policies"/> and <paramref name="ttl"/>.</summary>
    public (string RoleId, string SecretId) AddAppRole(string role, IEnumerable<string> policies, TimeSpan ttl) => _auth.AddAppRole(role, policies, ttl);

    /// <summary>Adds a Kubernetes auth role bound to one service account (or <c>*</c>) in one namespace (or <c>*</c>).</summary>
    /// <returns>A service-account JWT for that account which <c>auth/kubernetes/login</c> accepts.</returns>
    public string AddKubernetesRole(string role, string serviceAccount, string @namespace, IEnumerable<string> policies, TimeSpan ttl) =>
        _auth.AddKubernetesRole(role, serviceAccount, @namespace, policies, ttl);

    /// <summary>A service-account JWT the emulator recognises, for any account; login still checks the role's binding.</summary>
    public string IssueServiceAccountJwt(string serviceAccount, string @namespace) => _auth.IssueServiceAccountJwt(serviceAccount, @namespace);

    /// <summary>Writes a new version of a key without check-and-set, as <c>POST {mount}/data/{path}</c> would.</summary>
    /// <returns>The new version number.</returns>
    /// <exception cref="ArgumentException">Unknown mount or empty path.</exception>
    /// <exception cref="InvalidOperationException">The write was refused (for example, <c>cas_required</c> is set).</exception>
    public int WriteSecret(string mount, string path, IReadOnlyDictionary<string, object?> data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(data);
        using var doc = JsonDocument.Parse(bytes);
        var reply = Mount(mount).Write(Key(path), VaultJson.Canonical(doc.RootElement), cas: null);
        return reply.Status == 200 ? reply.Version : throw Refused(reply);
    }

    /// <summary>Reads a version (0 = latest) including its deletion state; null when the key or version does not exist.</summary>
    public VaultSecretVersion? ReadSecret(string mount, string path, int version = 0) => Mount(mount).Snapshot(Key(path), version);

    /// <summary>Reads a key's metadata; null when the key does not exist.</summary>
    public VaultKeyMetadata? ReadMetadata(string mount, string path) => Mount(mount).SnapshotMetadata(Key(path));

    /// <summary>Lists keys and sub-folders (ending in <c>/</c>) directly under a folder; empty when there are none.</summary>
    public IReadOnlyList<string> ListKeys(string mount, string folder = "") => Mount(mount).ListKeys(folder);

    /// <summary>Soft-deletes the latest version, as <c>DELETE {mount}/data/{path}</c> would (an event is published).</summary>
    public void DeleteLatestVersion(string mount, string path) => Mount(mount).DeleteLatest(Key(path));

    /// <summary>Soft-deletes versions, as <c>POST {mount}/delete/{path}</c> would.</summary>
    public void DeleteVersions(string mount, string path, params int[] versions) => Check(Mount(mount).DeleteVersions(Key(path), versions));

    /// <summary>Undeletes versions, as <c>POST {mount}/undelete/{path}</c> would.</summary>
    public void UndeleteVersions(string mount, string path, params int[] versions) => Check(Mount(mount).Undelete(Key(path), versions));

    /// <summary>Destroys versions for good, as <c>POST {mount}/destroy/{path}</c> would.</summary>
    public void DestroyVersions(string mount, string path, params int[] versions) => Check(Mount(mount).Destroy(Key(path), versions));

    /// <summary>Deletes a key's metadata and every version, as <c>DELETE {mount}/metadata/{path}</c> would.</summary>
    public void DeleteMetadata(string mount, string path) => Mount(mount).DeleteMetadata(Key(path));

    /// <summary>Writes key metadata, as <c>POST {mount}/metadata/{path}</c> would; null arguments stay unchanged.</summary>
    public void WriteMetadata(string mount, string path, int? maxVersions = null, bool? casRequired = null, TimeSpan? deleteVersionAfter = null,
        IReadOnlyDictionary<string, string>? customMetadata = null) =>
        Check(Mount(mount).WriteMetadata(Key(path), new MetadataChange(maxVersions, casRequired, deleteVersionAfter,
            customMetadata?.ToDictionary(p => p.Key, p => (string?)p.Value, StringComparer.Ordinal)), patch: false));

    /// <summary>Writes the engine config of a mount, as <c>POST {mount}/config</c> would; null arguments stay unchanged.</summary>
    public void ConfigureMount(string mount, int? maxVersions = null, bool? casRequired = null, TimeSpan? deleteVersionAfter = null) =>
        Check(Mount(mount).WriteConfig(new MetadataChange(maxVersions, casRequired, deleteVersionAfter)));

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _host.DisposeAsync();

    private KvMount Mount(string mount)
    {
        ArgumentNullException.ThrowIfNull(mount);
        return _mounts.TryGetValue(mount.Trim('/'), out var found)
            ? found
            : throw new ArgumentException($"No KV v2 mount '{mount}'; mounts: {string.Join(", ", _mounts.Keys)}.", nameof(mount));
    }

    private static string Key(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return path.Trim('/');
    }

    private static void Check(Reply reply)
    {
        if (reply.Status >= 400)
        {
            throw Refused(reply);
        }
    }

    private static InvalidOperationException Refused(Reply reply) =>
        new($"The emulator refused the change ({reply.Status}): {(reply.Body is null ? "" : System.Text.Encoding.UTF8.GetString(reply.Body))}");

    private static void Validate(VaultEmulatorOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(options.RootToken, nameof(options.RootToken));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.MaxTokenTtl, TimeSpan.Zero, nameof(options.MaxTokenTtl));
        if (options.KvMounts is not { Count: > 0 })
        {
            throw new ArgumentException("At least one KV v2 mount is needed.", nameof(options));
        }

        foreach (var mount in options.KvMounts)
        {
            if (string.IsNullOrWhiteSpace(mount) || mount.StartsWith('/') || mount.EndsWith('/') || mount is "sys" or "auth" || mount.StartsWith("sys/", StringComparison.Ordinal)
                || mount.StartsWith("auth/", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Invalid KV mount '{mount}': a path without slashes at either end, not under sys/ or auth/.", nameof(options));
            }
        }
    }
}
