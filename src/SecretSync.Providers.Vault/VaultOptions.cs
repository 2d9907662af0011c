using SecretSync.Providers.Common;

namespace SecretSync.Providers.Vault;

/// <summary>How the adapter authenticates to Vault.</summary>
public enum VaultAuthMethod
{
    /// <summary>A token from settings, a token file or <c>VAULT_TOKEN</c>.</summary>
    Token,

    /// <summary>AppRole login with a role id and secret id.</summary>
    AppRole,

    /// <summary>Kubernetes login with a role and the pod's service-account JWT.</summary>
    Kubernetes,
}

/// <summary>Whether the adapter subscribes to Vault event notifications.</summary>
public enum VaultEventsMode
{
    /// <summary>Subscribe; when the server has no event endpoint (community Vault, OpenBao) retry rarely and rely on polling.</summary>
    Auto,

    /// <summary>Subscribe and treat a missing event endpoint as an error worth retrying at the normal pace.</summary>
    On,

    /// <summary>Never subscribe; polling only.</summary>
    Off,
}

/// <summary>The settings of one configured Vault provider, read from its flattened configuration keys.</summary>
/// <remarks>
/// Built by the provider from <see cref="SecretSync.Core.Providers.ProviderSettings"/> after validation; the
/// keys are listed in <see cref="VaultSettingKeys"/>. <see cref="ToString"/> never prints a credential.
/// </remarks>
public sealed class VaultOptions
{
    /// <summary>The default KV v2 mount.</summary>
    public const string DefaultMount = "secret";

    /// <summary>Where Kubernetes mounts the pod's service-account token.</summary>
    public const string DefaultJwtPath = "/var/run/secrets/kubernetes.io/serviceaccount/token";

    /// <summary>Vault's base address.</summary>
    /// <value>Required; an absolute <c>http</c> or <c>https</c> URL without query or user info.</value>
    public required Uri Address { get; init; }

    /// <summary>The KV version 2 mount path, without slashes at either end.</summary>
    /// <value>Default <c>secret</c>.</value>
    public string Mount { get; init; } = DefaultMount;

    /// <summary>The Vault Enterprise namespace sent as <c>X-Vault-Namespace</c>.</summary>
    /// <value>Default none.</value>
    public string? Namespace { get; init; }

    /// <summary>The auth method.</summary>
    /// <value>Default <see cref="VaultAuthMethod.Token"/>.</value>
    public VaultAuthMethod AuthMethod { get; init; } = VaultAuthMethod.Token;

    /// <summary>A literal token (token auth).</summary>
    /// <value>Default none; then <see cref="TokenFile"/>, then the <c>VAULT_TOKEN</c> environment variable.</value>
    public string? Token { get; init; }

    /// <summary>A file holding the token (token auth), read at each (re-)login.</summary>
    /// <value>Default none.</value>
    public string? TokenFile { get; init; }

    /// <summary>The AppRole role id.</summary>
    /// <value>Required for AppRole.</value>
    public string? RoleId { get; init; }

    /// <summary>The AppRole secret id.</summary>
    /// <value>Default none; one of this or <see cref="SecretIdFile"/> is required for AppRole.</value>
    public string? SecretId { get; init; }

    /// <summary>A file holding the AppRole secret id, read at each login.</summary>
    /// <value>Default none.</value>
    public string? SecretIdFile { get; init; }

    /// <summary>The Vault role for Kubernetes login.</summary>
    /// <value>Required for Kubernetes auth.</value>
    public string? Role { get; init; }

    /// <summary>Where the auth method is mounted, without slashes.</summary>
    /// <value>Default <c>approle</c> for AppRole, <c>kubernetes</c> for Kubernetes auth.</value>
    public string? AuthMountPath { get; init; }

    /// <summary>The service-account JWT file, read at each Kubernetes login.</summary>
    /// <value>Default <c>/var/run/secrets/kubernetes.io/serviceaccount/token</c>.</value>
    public string JwtPath { get; init; } = DefaultJwtPath;

    /// <summary>A PEM file of CA certificates trusted instead of the system store.</summary>
    /// <value>Default none (system trust store).</value>
    public string? CaFile { get; init; }

    /// <summary>Whether to skip TLS certificate verification.</summary>
    /// <value>Default <see langword="false"/>: certificates are verified.</value>
    public bool InsecureSkipVerify { get; init; }

    /// <summary>The host name the server certificate must match.</summary>
    /// <value>Default: the host of <see cref="Address"/>.</value>
    public string? ServerName { get; init; }

    /// <summary>How long one HTTP attempt may take; a whole call (with retries) is bounded by twice this.</summary>
    /// <value>Default 10 seconds.</value>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How many times a failed call (5xx, short 429, network) is retried after its first attempt, within twice <see cref="Timeout"/>.</summary>
    /// <value>Default 2.</value>
    public int MaxRetries { get; init; } = ProviderPipeline.DefaultMaxRetries;

    /// <summary>Whether to subscribe to event notifications.</summary>
    /// <value>Default <see cref="VaultEventsMode.Auto"/>.</value>
    public VaultEventsMode Events { get; init; } = VaultEventsMode.Auto;

    /// <summary>The auth mount path in effect for the configured method.</summary>
    internal string EffectiveAuthMountPath => AuthMountPath ?? AuthMethod switch
    {
        VaultAuthMethod.AppRole => "approle",
        VaultAuthMethod.Kubernetes => "kubernetes",
        _ => "token",
    };

    /// <inheritdoc />
    public override string ToString() => $"VaultOptions({Address}, mount {Mount}, auth {AuthMethod})";
}
