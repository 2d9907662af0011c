using System.Globalization;
using System.Text;
using SecretSync.DevStack.Gcp;
using SecretSync.DevStack.Hosting;

namespace SecretSync.DevStack;

/// <summary>One version of a secret as the emulator holds it.</summary>
/// <param name="Version">The version number (1, 2, …).</param>
/// <param name="State"><c>ENABLED</c>, <c>DISABLED</c> or <c>DESTROYED</c>.</param>
/// <param name="CreateTime">When the version was added.</param>
/// <param name="DestroyTime">When it was destroyed; null when not.</param>
/// <param name="Data">The payload; null once destroyed.</param>
public sealed record GcpSecretVersion(long Version, string State, DateTimeOffset CreateTime, DateTimeOffset? DestroyTime, byte[]? Data);

/// <summary>An in-process Google Cloud Secret Manager (REST v1), with Google's OAuth2 token endpoint and the metadata server's token path.</summary>
/// <remarks>
/// Faithful at the HTTP level to <c>shared/reference/gcp-secret-manager.md</c> and checked against the official
/// <c>@google-cloud/secret-manager</c> client (REST fallback) and <c>gcloud</c> (peers.md §4). Every API request needs
/// <c>Authorization: Bearer <see cref="AccessToken"/></c>. Paths may name the project by <see cref="Project"/> or
/// <see cref="ProjectNumber"/>; answers use the number, as Google's do. The seeding methods act on the same state
/// without going through auth, faults or the request log.
/// </remarks>
public sealed class GcpSecretManagerEmulator : IAsyncDisposable
{
    private readonly EmulatorHost _host;
    private readonly GcpProtocol _protocol;
    private readonly GcpSecretStore _store;

    private GcpSecretManagerEmulator(EmulatorHost host, GcpProtocol protocol, GcpSecretStore store, GcpSecretManagerEmulatorOptions options)
    {
        _host = host;
        _protocol = protocol;
        _store = store;
        Project = options.Project;
        ProjectNumber = options.ProjectNumber;
        AccessToken = options.AccessToken;
    }

    /// <summary>The API base address, e.g. <c>http://127.0.0.1:41234/</c>: the adapter's <c>endpoint</c>, gcloud's
    /// <c>CLOUDSDK_API_ENDPOINT_OVERRIDES_SECRETMANAGER</c> (with the trailing slash).</summary>
    public Uri BaseAddress => _host.BaseAddress;

    /// <summary>The project id.</summary>
    public string Project { get; }

    /// <summary>The project number that resource names in answers carry.</summary>
    public long ProjectNumber { get; }

    /// <summary>The bearer token every API request must carry; others get 401 UNAUTHENTICATED.</summary>
    public string AccessToken { get; }

    /// <summary>The emulated OAuth2 token endpoint (<c>{BaseAddress}token</c>), the <c>token_uri</c> of <see cref="CreateServiceAccountKey"/> keys.</summary>
    public Uri TokenUri => new(BaseAddress, "token");

    /// <summary>The emulated metadata server's token URL (what GKE Workload Identity serves), which needs <c>Metadata-Flavor: Google</c>.</summary>
    public Uri MetadataTokenUri => new(BaseAddress, "computeMetadata/v1/instance/service-accounts/default/token");

    /// <summary>Every request answered, with its operation named <c>create-secret</c>, <c>get-secret</c>, <c>list-secrets</c>,
    /// <c>update-secret</c>, <c>delete-secret</c>, <c>add-version</c>, <c>list-versions</c>, <c>get-version</c>, <c>access</c>,
    /// <c>enable</c>, <c>disable</c>, <c>destroy</c>, <c>token</c>, <c>metadata-token</c> or <c>other</c>.</summary>
    public RequestLog Requests => _host.Requests;

    /// <summary>Latency and error statuses in Google's error shape (429 RESOURCE_EXHAUSTED, 503 UNAVAILABLE, 403 PERMISSION_DENIED, …).</summary>
    public FaultInjector Faults => _host.Faults;

    /// <summary>Starts an emulator listening on 127.0.0.1 (and on <see cref="EmulatorListenOptions.UnixSocketPath"/> when set).</summary>
    /// <exception cref="ArgumentException">The options name an empty project or token, or a non-positive project number.</exception>
    public static async Task<GcpSecretManagerEmulator> StartAsync(GcpSecretManagerEmulatorOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new GcpSecretManagerEmulatorOptions();
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Project, nameof(options.Project));
        ArgumentException.ThrowIfNullOrWhiteSpace(options.AccessToken, nameof(options.AccessToken));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.ProjectNumber, nameof(options.ProjectNumber));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxPayloadBytes, nameof(options.MaxPayloadBytes));
        var store = new GcpSecretStore(options.Time, options.ProjectNumber.ToString(CultureInfo.InvariantCulture), options.MaxPayloadBytes);
        var protocol = new GcpProtocol(options, store);
        var host = await EmulatorHost.StartAsync(options, protocol, cancellationToken);
        protocol.BaseAddress = host.BaseAddress;
        return new GcpSecretManagerEmulator(host, protocol, store, options);
    }

    /// <summary>Creates a secret with automatic replication, as <c>secrets.create</c> would.</summary>
    /// <exception cref="InvalidOperationException">The id is invalid or the secret exists.</exception>
    public void CreateSecret(string secret, IReadOnlyDictionary<string, string>? labels = null) =>
        Apply(() => _store.CreateSecret(secret, "{\"automatic\":{}}", labels));

    /// <summary>Adds a version holding <paramref name="data"/>, creating the secret (automatic replication) when missing.</summary>
    /// <returns>The new version number.</returns>
    /// <exception cref="InvalidOperationException">The id is invalid or the payload is over the size limit.</exception>
    public long AddVersion(string secret, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Apply(() => _store.AddVersion(secret, [.. data], null, createIfMissing: true)).Number;
    }

    /// <summary>Adds a version holding the UTF-8 bytes of <paramref name="text"/>; see <see cref="AddVersion(string, byte[])"/>.</summary>
    public long AddVersion(string secret, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return AddVersion(secret, Encoding.UTF8.GetBytes(text));
    }

    /// <summary>Adds a version holding a JSON object of these key/values (what the adapter splits into Secret keys); <c>secretsync dev</c> seeds with it.</summary>
    public long AddJsonVersion(string secret, IReadOnlyDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return AddVersion(secret, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(values));
    }

    /// <summary>Disables a version, as <c>versions.disable</c> would: access answers FAILED_PRECONDITION.</summary>
    public void DisableVersion(string secret, long version) => SetState(secret, version, StoredState.Disabled);

    /// <summary>Re-enables a disabled version, as <c>versions.enable</c> would.</summary>
    public void EnableVersion(string secret, long version) => SetState(secret, version, StoredState.Enabled);

    /// <summary>Destroys a version for good, as <c>versions.destroy</c> would: the payload is wiped.</summary>
    public void DestroyVersion(string secret, long version) => SetState(secret, version, StoredState.Destroyed);

    /// <summary>Deletes a secret and all its versions, as <c>secrets.delete</c> would.</summary>
    /// <returns>Whether the secret existed.</returns>
    public bool DeleteSecret(string secret)
    {
        if (!_store.TryGetSecret(secret, out _))
        {
            return false;
        }

        Apply(() =>
        {
            _store.DeleteSecret(secret, null);
            return 0;
        });
        return true;
    }

    /// <summary>The secret ids, newest first.</summary>
    public IReadOnlyList<string> ListSecrets() => [.. _store.ListSecrets().Select(s => s.Id)];

    /// <summary>A secret's versions, newest first; null when the secret does not exist.</summary>
    public IReadOnlyList<GcpSecretVersion>? GetVersions(string secret) =>
        _store.TryGetSecret(secret, out _)
            ? [.. _store.ListVersions(secret).Select(v => new GcpSecretVersion(v.Number, v.State.ToString().ToUpperInvariant(), v.CreateTime, v.DestroyTime,
                v.Data is null ? null : [.. v.Data]))]
            : null;

    /// <summary>Issues another bearer token the emulator accepts.</summary>
    public string IssueAccessToken() => _protocol.IssueToken();

    /// <summary>Stops accepting a token (for example <see cref="AccessToken"/>): its next request gets 401.</summary>
    /// <returns>Whether the token was accepted before.</returns>
    public bool RevokeAccessToken(string token) => _protocol.RevokeToken(token);

    /// <summary>Creates a service account and returns its key file's JSON, whose <c>token_uri</c> is <see cref="TokenUri"/>.</summary>
    /// <remarks>The token endpoint checks the RS256 signature of the JWT bearer assertion and the cloud-platform scope, then issues a token.</remarks>
    public string CreateServiceAccountKey(string accountId = "secretsync") => _protocol.CreateServiceAccountKey(accountId);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _host.DisposeAsync();

    private void SetState(string secret, long version, StoredState state) =>
        Apply(() => _store.SetState(secret, version.ToString(CultureInfo.InvariantCulture), state, null));

    private static T Apply<T>(Func<T> change)
    {
        try
        {
            return change();
        }
        catch (GoogleApiException e)
        {
            throw new InvalidOperationException($"The emulator refused the change ({e.Code} {e.Status}): {e.Message}", e);
        }
    }
}
