using SecretSync.DevStack.Hosting;

namespace SecretSync.DevStack;

/// <summary>How an <see cref="AwsSecretsManagerEmulator"/> listens and which account, region and keys it serves.</summary>
public sealed record AwsSecretsManagerEmulatorOptions : EmulatorListenOptions
{
    /// <summary>The region requests must be signed for.</summary>
    /// <value>Defaults to <c>us-east-1</c>.</value>
    public string Region { get; init; } = "us-east-1";

    /// <summary>The account id in ARNs.</summary>
    /// <value>Defaults to <c>123456789012</c>, AWS's documentation account.</value>
    public string AccountId { get; init; } = "123456789012";

    /// <summary>The only access key id the emulator knows; any other gets <c>UnrecognizedClientException</c>.</summary>
    /// <value>Defaults to <c>AKIADEVSTACKEXAMPLE1</c>.</value>
    public string AccessKeyId { get; init; } = "AKIADEVSTACKEXAMPLE1";

    /// <summary>The secret key signatures are verified with.</summary>
    /// <value>Defaults to a fixed development key (this emulator holds no real secrets).</value>
    public string SecretAccessKey { get; init; } = "devstack/EXAMPLE/secret+access+key/00001";

    /// <summary>A session token requests must carry as <c>X-Amz-Security-Token</c>; null accepts requests without one.</summary>
    /// <value>Defaults to null.</value>
    public string? SessionToken { get; init; }

    /// <summary>The largest <c>SecretString</c> or <c>SecretBinary</c> accepted, in bytes.</summary>
    /// <value>Defaults to 65,536, AWS's quota.</value>
    public int MaxSecretBytes { get; init; } = 65_536;

    /// <summary>How far a request's <c>X-Amz-Date</c> may be from the emulator's clock.</summary>
    /// <value>Defaults to 5 minutes, as AWS allows.</value>
    public TimeSpan MaxClockSkew { get; init; } = TimeSpan.FromMinutes(5);
}
