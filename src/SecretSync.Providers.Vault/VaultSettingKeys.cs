namespace SecretSync.Providers.Vault;

/// <summary>The flattened setting keys a <c>vault</c> provider entry understands.</summary>
/// <remarks>Keys are case-sensitive, as written under <c>providers.&lt;name&gt;</c> in the configuration.</remarks>
public static class VaultSettingKeys
{
    /// <summary>Vault's base address, <c>http(s)://host:port</c>; required.</summary>
    public const string Address = "address";

    /// <summary>The KV version 2 mount path; default <c>secret</c>.</summary>
    public const string Mount = "mount";

    /// <summary>The Vault Enterprise namespace, sent as <c>X-Vault-Namespace</c>.</summary>
    public const string Namespace = "namespace";

    /// <summary><c>token</c> (default), <c>approle</c> or <c>kubernetes</c>.</summary>
    public const string AuthMethod = "auth.method";

    /// <summary>A literal token for <c>auth.method: token</c>.</summary>
    public const string AuthToken = "auth.token";

    /// <summary>A file holding the token for <c>auth.method: token</c>, read again at each re-login.</summary>
    public const string AuthTokenFile = "auth.tokenFile";

    /// <summary>Short form of <see cref="AuthToken"/>.</summary>
    public const string Token = "token";

    /// <summary>Short form of <see cref="AuthTokenFile"/>.</summary>
    public const string TokenFile = "tokenFile";

    /// <summary>The AppRole role id.</summary>
    public const string AuthRoleId = "auth.roleId";

    /// <summary>The AppRole secret id, literal.</summary>
    public const string AuthSecretId = "auth.secretId";

    /// <summary>A file holding the AppRole secret id, read at each login.</summary>
    public const string AuthSecretIdFile = "auth.secretIdFile";

    /// <summary>The Vault role for Kubernetes login.</summary>
    public const string AuthRole = "auth.role";

    /// <summary>Where the auth method is mounted; default <c>approle</c> or <c>kubernetes</c>.</summary>
    public const string AuthMountPath = "auth.mountPath";

    /// <summary>The service-account JWT file for Kubernetes login.</summary>
    public const string AuthJwtPath = "auth.jwtPath";

    /// <summary>A PEM file of CA certificates to trust instead of the system store.</summary>
    public const string TlsCaFile = "tls.caFile";

    /// <summary><c>true</c> disables TLS certificate verification; default <c>false</c>.</summary>
    public const string TlsInsecureSkipVerify = "tls.insecureSkipVerify";

    /// <summary>The host name the server certificate must match, when it differs from the address host.</summary>
    public const string TlsServerName = "tls.serverName";

    /// <summary>Per-request timeout, e.g. <c>10s</c>, <c>500ms</c>, <c>1m</c>; default <c>10s</c>.</summary>
    public const string Timeout = "timeout";

    /// <summary>How many times a failed call (5xx, short 429, network) is retried after its first attempt (0–10); default 2.</summary>
    public const string RetryMaxRetries = "retry.maxRetries";

    /// <summary>Event subscription: <c>auto</c> (default), <c>on</c> or <c>off</c>.</summary>
    public const string Events = "events";

    /// <summary>Every key above: what the reader accepts, and what the chart's values schema allows for this type.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        Address, Mount, Namespace, AuthMethod,
        AuthToken, AuthTokenFile, Token, TokenFile,
        AuthRoleId, AuthSecretId, AuthSecretIdFile, AuthRole,
        AuthMountPath, AuthJwtPath, TlsCaFile,
        TlsInsecureSkipVerify, TlsServerName, Timeout, RetryMaxRetries, Events,
    ];
}
