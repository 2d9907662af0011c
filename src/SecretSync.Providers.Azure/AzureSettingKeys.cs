namespace SecretSync.Providers.Azure;

/// <summary>The flattened setting keys an <c>azure</c> provider entry understands.</summary>
/// <remarks>Keys are case-sensitive, as written under <c>providers.&lt;name&gt;</c> in the configuration.</remarks>
public static class AzureSettingKeys
{
    /// <summary>The vault URL, <c>https://&lt;vault-name&gt;.vault.azure.net</c>; required.</summary>
    public const string VaultUrl = "vaultUrl";

    /// <summary><c>default</c> (DefaultAzureCredential), <c>workloadIdentity</c>, <c>managedIdentity</c> or <c>accessToken</c>.</summary>
    public const string AuthMethod = "auth.method";

    /// <summary>The Entra ID application (client) id: the workload identity's app, or a user-assigned managed identity.</summary>
    public const string AuthClientId = "auth.clientId";

    /// <summary>The Entra ID tenant id for workload identity (or to pin DefaultAzureCredential's tenant).</summary>
    public const string AuthTenantId = "auth.tenantId";

    /// <summary>The projected service-account token file for workload identity.</summary>
    public const string AuthTokenFile = "auth.tokenFile";

    /// <summary>A file holding a ready bearer token (development and tests); implies <c>auth.method: accessToken</c>.</summary>
    public const string AuthAccessTokenFile = "auth.accessTokenFile";

    /// <summary>A PEM file of CA certificates trusted instead of the system store.</summary>
    public const string TlsCaFile = "tls.caFile";

    /// <summary><c>true</c> accepts a 401 challenge whose resource is not a parent domain of the vault host (emulators, private hosts); default <c>false</c>.</summary>
    public const string DisableChallengeResourceVerification = "disableChallengeResourceVerification";

    /// <summary>Per-attempt network timeout, e.g. <c>10s</c>; default <c>10s</c>.</summary>
    public const string Timeout = "timeout";

    /// <summary>How many times the SDK retries a failed attempt (0–10); default 3.</summary>
    public const string RetryMaxRetries = "retry.maxRetries";

    /// <summary>The first retry delay, doubled per retry; default <c>800ms</c>.</summary>
    public const string RetryDelay = "retry.delay";

    /// <summary>The longest retry delay; a longer <c>Retry-After</c> is returned to the engine as throttling; default <c>10s</c>.</summary>
    public const string RetryMaxDelay = "retry.maxDelay";

    /// <summary><c>json</c> (default: a JSON-object value is split into keys) or <c>text</c> (always the single key <c>value</c>).</summary>
    public const string ValueFormat = "valueFormat";

    /// <summary>The Key Vault REST api-version, e.g. <c>7.6</c> or <c>2025-07-01</c>; default the SDK's newest.</summary>
    public const string ApiVersion = "apiVersion";

    /// <summary>Every key above: what the reader accepts, and what the chart's values schema allows for this type.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        VaultUrl, AuthMethod, AuthClientId, AuthTenantId,
        AuthTokenFile, AuthAccessTokenFile, TlsCaFile,
        DisableChallengeResourceVerification, Timeout, RetryMaxRetries,
        RetryDelay, RetryMaxDelay, ValueFormat, ApiVersion,
    ];
}
