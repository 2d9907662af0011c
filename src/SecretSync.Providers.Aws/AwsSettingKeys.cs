namespace SecretSync.Providers.Aws;

/// <summary>The flattened setting keys an <c>aws</c> provider entry understands.</summary>
/// <remarks>Keys are case-sensitive, as written under <c>providers.&lt;name&gt;</c> in the configuration.</remarks>
public static class AwsSettingKeys
{
    /// <summary>The AWS region, e.g. <c>eu-west-1</c>; required. Signs every request and picks the default endpoint.</summary>
    public const string Region = "region";

    /// <summary>An endpoint URL replacing <c>https://secretsmanager.&lt;region&gt;.amazonaws.com/</c> (VPC endpoint, FIPS, emulator).</summary>
    public const string Endpoint = "endpoint";

    /// <summary>An explicit access key id; needs <see cref="AuthSecretAccessKeyFile"/>. Default: the AWS SDK's credential chain.</summary>
    public const string AuthAccessKeyId = "auth.accessKeyId";

    /// <summary>A file holding the secret access key for <see cref="AuthAccessKeyId"/>, read again whenever credentials are needed.</summary>
    public const string AuthSecretAccessKeyFile = "auth.secretAccessKeyFile";

    /// <summary>A file holding a session token that goes with the explicit keys (temporary credentials); optional.</summary>
    public const string AuthSessionTokenFile = "auth.sessionTokenFile";

    /// <summary>Per-request timeout, e.g. <c>10s</c>, <c>500ms</c>, <c>1m</c>; default <c>10s</c>.</summary>
    public const string Timeout = "timeout";

    /// <summary>How many times a failed call (5xx, short 429, network) is retried after its first attempt (0–10); default 2.</summary>
    public const string RetryMaxRetries = "retry.maxRetries";

    /// <summary>A PEM file of CA certificates trusted instead of the system store (for an https endpoint).</summary>
    public const string TlsCaFile = "tls.caFile";

    /// <summary>Every key above: what the reader accepts, and what the chart's values schema allows for this type.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        Region, Endpoint, AuthAccessKeyId, AuthSecretAccessKeyFile,
        AuthSessionTokenFile, Timeout, RetryMaxRetries, TlsCaFile,
    ];
}
