namespace SecretSync.Providers.Gcp;

/// <summary>The flattened setting keys a <c>gcp</c> provider entry understands.</summary>
/// <remarks>Keys are case-sensitive, as written under <c>providers.&lt;name&gt;</c> in the configuration.</remarks>
public static class GcpSettingKeys
{
    /// <summary>The Google Cloud project (id or number) that holds the secrets; required.</summary>
    public const string Project = "project";

    /// <summary>The Secret Manager base URL; default <c>https://secretmanager.googleapis.com</c>. <c>secretsync dev</c> aims it at the emulator.</summary>
    public const string Endpoint = "endpoint";

    /// <summary><c>default</c> (application default credentials, the default), <c>serviceAccountKey</c> or <c>accessToken</c>.</summary>
    public const string AuthMethod = "auth.method";

    /// <summary>A service-account key JSON file (implies <c>auth.method: serviceAccountKey</c>).</summary>
    public const string AuthCredentialsFile = "auth.credentialsFile";

    /// <summary>A file holding a static OAuth2 bearer token, read at every call (implies <c>auth.method: accessToken</c>); for tests and dev.</summary>
    public const string AuthAccessTokenFile = "auth.accessTokenFile";

    /// <summary>A literal bearer token (implies <c>auth.method: accessToken</c>); for <c>secretsync dev</c> and tests, prefer the file.</summary>
    public const string AuthAccessToken = "auth.accessToken";

    /// <summary>A PEM file of CA certificates to trust instead of the system store (for an https endpoint override).</summary>
    public const string TlsCaFile = "tls.caFile";

    /// <summary>Per-request timeout, e.g. <c>10s</c>, <c>500ms</c>, <c>1m</c>; default <c>10s</c>.</summary>
    public const string Timeout = "timeout";

    /// <summary>How many times a failed call (5xx, short 429, network) is retried after its first attempt (0–10); default 2.</summary>
    public const string RetryMaxRetries = "retry.maxRetries";

    /// <summary><c>auto</c> (default: a JSON object payload is split into keys, anything else is one key) or <c>raw</c> (always one key).</summary>
    public const string PayloadFormat = "payloadFormat";

    /// <summary>The key a payload that is not split is returned under; default <c>value</c>.</summary>
    public const string ValueKey = "valueKey";

    /// <summary>Every key above: what the reader accepts, and what the chart's values schema allows for this type.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        Project, Endpoint, AuthMethod, AuthCredentialsFile,
        AuthAccessTokenFile, AuthAccessToken, TlsCaFile, Timeout, RetryMaxRetries, PayloadFormat,
        ValueKey,
    ];
}
