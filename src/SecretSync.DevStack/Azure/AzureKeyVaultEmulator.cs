using SecretSync.DevStack.Azure;
using SecretSync.DevStack.Hosting;

namespace SecretSync.DevStack;

/// <summary>How an <see cref="AzureKeyVaultEmulator"/> listens and what it accepts.</summary>
/// <remarks>Key Vault clients refuse plain HTTP, so the emulator always serves HTTPS: with <see cref="EmulatorListenOptions.Tls"/>
/// when given, otherwise with a certificate it generates (and disposes).</remarks>
public sealed record AzureKeyVaultEmulatorOptions : EmulatorListenOptions
{
    /// <summary>The one bearer token the emulator accepts; any other gets 401 with the challenge.</summary>
    /// <value>Defaults to <c>devstack-azure-token</c>.</value>
    public string AccessToken { get; init; } = "devstack-azure-token";

    /// <summary>The tenant named in the 401 challenge's <c>authorization</c> URL.</summary>
    /// <value>Defaults to a fixed, made-up tenant id.</value>
    public string TenantId { get; init; } = "6f3c1e2a-5b4d-4c8e-9a7f-0d1e2f3a4b5c";

    /// <summary>Items per list page when the client sends no <c>maxresults</c>.</summary>
    /// <value>Defaults to 25, Key Vault's default and maximum.</value>
    public int PageSize { get; init; } = 25;

    /// <summary>The longest secret value accepted, in characters; null for no limit.</summary>
    /// <value>Defaults to null. Key Vault documents 25 KB; set 25_600 to act like it.</value>
    public int? MaxValueLength { get; init; }

    /// <summary>Retention of soft-deleted secrets, reported as <c>recoverableDays</c> (7–90).</summary>
    /// <value>Defaults to 90.</value>
    public int RecoverableDays { get; init; } = 90;
}

/// <summary>One version of a secret as the emulator holds it.</summary>
/// <param name="Name">The secret name as first written.</param>
/// <param name="Version">The 32-hex-character version id.</param>
/// <param name="Value">The value.</param>
/// <param name="Enabled">Whether the version may be read.</param>
/// <param name="Created">When the version was created.</param>
/// <param name="ContentType">The content type, or null.</param>
public sealed record AzureSecretVersion(string Name, string Version, string Value, bool Enabled, DateTimeOffset Created, string? ContentType);

/// <summary>An in-process Azure Key Vault (secrets data plane) over HTTPS with the Entra ID challenge handshake.</summary>
/// <remarks>
/// Faithful at the HTTP level to <c>shared/reference/azure-key-vault.md</c> and checked against npm's
/// <c>@azure/keyvault-secrets</c>. Clients trust <see cref="CaPem"/>, send <see cref="AccessToken"/> as the bearer token
/// (after the 401 challenge), and need <c>DisableChallengeResourceVerification</c> because the host is not
/// <c>*.vault.azure.net</c>. The seeding methods act on the state the API serves, without auth, faults or the request log.
/// </remarks>
public sealed class AzureKeyVaultEmulator : IAsyncDisposable
{
    private readonly EmulatorHost _host;
    private readonly KeyVaultStore _store;
    private readonly TlsMaterial? _ownedTls;

    private AzureKeyVaultEmulator(EmulatorHost host, KeyVaultStore store, TlsMaterial tls, TlsMaterial? ownedTls, AzureKeyVaultEmulatorOptions options)
    {
        _host = host;
        _store = store;
        _ownedTls = ownedTls;
        Tls = tls;
        AccessToken = options.AccessToken;
        TenantId = options.TenantId;
    }

    /// <summary>The vault URL clients use, e.g. <c>https://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress => _host.BaseAddress;

    /// <summary>The certificate authority and server certificate the emulator serves.</summary>
    public TlsMaterial Tls { get; }

    /// <summary>The CA certificate as PEM, for <c>tls.caFile</c> or <c>NODE_EXTRA_CA_CERTS</c>.</summary>
    public string CaPem => Tls.CaPem;

    /// <summary>The bearer token the emulator accepts.</summary>
    public string AccessToken { get; }

    /// <summary>The tenant named in the challenge.</summary>
    public string TenantId { get; }

    /// <summary>Every request answered, with its operation named <c>get</c>, <c>set</c>, <c>update</c>, <c>delete</c>, <c>list</c>,
    /// <c>list-versions</c>, <c>list-deleted</c>, <c>get-deleted</c>, <c>purge</c>, <c>recover</c> or <c>other</c>.
    /// Challenge answers show as status 401.</summary>
    public RequestLog Requests => _host.Requests;

    /// <summary>Latency and error statuses (429 <c>Throttled</c>, 5xx, 401 with the challenge, 403 <c>AccessDenied</c>) in Key Vault's error shape.</summary>
    public FaultInjector Faults => _host.Faults;

    /// <summary>Starts an emulator listening on 127.0.0.1 (and on <see cref="EmulatorListenOptions.UnixSocketPath"/> when set) over HTTPS.</summary>
    /// <exception cref="ArgumentException">An empty access token or tenant, or a page size or retention out of range.</exception>
    public static async Task<AzureKeyVaultEmulator> StartAsync(AzureKeyVaultEmulatorOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new AzureKeyVaultEmulatorOptions();
        ArgumentException.ThrowIfNullOrWhiteSpace(options.AccessToken, nameof(options.AccessToken));
        ArgumentException.ThrowIfNullOrWhiteSpace(options.TenantId, nameof(options.TenantId));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.PageSize, 1, nameof(options.PageSize));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.PageSize, 25, nameof(options.PageSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.RecoverableDays, 7, nameof(options.RecoverableDays));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.RecoverableDays, 90, nameof(options.RecoverableDays));

        var owned = options.Tls is null ? TlsMaterial.Generate(options.Time.GetUtcNow(), "secretsync-devstack-azure") : null;
        var tls = options.Tls ?? owned!;
        try
        {
            var store = new KeyVaultStore(options.Time, options.RecoverableDays);
            var protocol = new KeyVaultProtocol(options, store);
            var host = await EmulatorHost.StartAsync(options with { Tls = tls }, protocol, cancellationToken);
            return new AzureKeyVaultEmulator(host, store, tls, owned, options);
        }
        catch
        {
            owned?.Dispose();
            throw;
        }
    }

    /// <summary>Adds a new version of a secret, as <c>PUT /secrets/{name}</c> would.</summary>
    /// <returns>The new version id.</returns>
    /// <exception cref="ArgumentException">The name is not 1–127 characters of <c>[0-9a-zA-Z-]</c>.</exception>
    /// <exception cref="InvalidOperationException">The name is soft-deleted; recover or purge it first.</exception>
    public string SetSecret(string name, string value, string? contentType = null, IReadOnlyDictionary<string, string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        var (_, version, refusal) = _store.Set(name, value, contentType, enabled: null, notBefore: null, expires: null,
            tags?.ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal));
        return refusal switch
        {
            StoreRefusal.None => version!.Id,
            StoreRefusal.DeletedButRecoverable => throw new InvalidOperationException($"Secret '{name}' is deleted but recoverable; recover or purge it first."),
            _ => throw new ArgumentException($"Invalid Key Vault secret name '{name}': use 1-127 characters of 0-9, a-z, A-Z and '-'.", nameof(name)),
        };
    }

    /// <summary>Disables a version (the current one when <paramref name="version"/> is null): reading it then answers 403 <c>SecretDisabled</c>.</summary>
    /// <exception cref="KeyNotFoundException">No such secret or version.</exception>
    public void DisableSecret(string name, string? version = null) => SetEnabled(name, version, false);

    /// <summary>Enables a version again (the current one when <paramref name="version"/> is null).</summary>
    /// <exception cref="KeyNotFoundException">No such secret or version.</exception>
    public void EnableSecret(string name, string? version = null) => SetEnabled(name, version, true);

    /// <summary>Soft-deletes a secret with all its versions, as <c>DELETE /secrets/{name}</c> would.</summary>
    /// <exception cref="KeyNotFoundException">No such live secret.</exception>
    public void DeleteSecret(string name)
    {
        if (_store.Delete(name) is null)
        {
            throw new KeyNotFoundException($"No secret '{name}'.");
        }
    }

    /// <summary>Removes a soft-deleted secret for good, as <c>DELETE /deletedsecrets/{name}</c> would.</summary>
    /// <returns>Whether a deleted secret of that name existed.</returns>
    public bool PurgeDeletedSecret(string name) => _store.Purge(name);

    /// <summary>Reads a version (the current one when <paramref name="version"/> is null), disabled or not; null when absent or deleted.</summary>
    public AzureSecretVersion? ReadSecret(string name, string? version = null)
    {
        var (secret, found, _) = _store.Get(name, version);
        return secret is null || found is null
            ? null
            : new AzureSecretVersion(secret.Name, found.Id, found.Value, found.Enabled, DateTimeOffset.FromUnixTimeSeconds(found.Created), found.ContentType);
    }

    /// <summary>Whether a secret of that name is soft-deleted.</summary>
    public bool IsDeleted(string name) => _store.GetDeleted(name) is not null;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        _ownedTls?.Dispose();
    }

    private void SetEnabled(string name, string? version, bool enabled)
    {
        var (_, found, _) = _store.Update(name, version, v => v.Enabled = enabled);
        if (found is null)
        {
            throw new KeyNotFoundException($"No secret '{name}'{(version is null ? "" : $" with version {version}")}.");
        }
    }
}
