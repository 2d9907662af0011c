using SecretSync.Providers.Common;

namespace SecretSync.Providers.Aws;

/// <summary>The settings of one configured AWS Secrets Manager provider, read from its flattened configuration keys.</summary>
/// <remarks><see cref="ToString"/> never prints a credential; the secret access key itself is never held here, only its file.</remarks>
public sealed class AwsOptions
{
    /// <summary>The service name used in SigV4 credential scopes and the default host.</summary>
    public const string Service = "secretsmanager";

    /// <summary>The AWS region.</summary>
    /// <value>Required.</value>
    public required string Region { get; init; }

    /// <summary>Where requests go.</summary>
    /// <value>Default <c>https://secretsmanager.&lt;region&gt;.amazonaws.com/</c> (<c>.amazonaws.com.cn</c> for China regions).</value>
    public required Uri Endpoint { get; init; }

    /// <summary>An explicit access key id.</summary>
    /// <value>Default none: the AWS SDK's default credential chain (environment, profile, web identity / IRSA, container, EC2).</value>
    public string? AccessKeyId { get; init; }

    /// <summary>The file holding the secret access key that goes with <see cref="AccessKeyId"/>.</summary>
    /// <value>Required with <see cref="AccessKeyId"/>.</value>
    public string? SecretAccessKeyFile { get; init; }

    /// <summary>A file holding the session token for temporary explicit credentials.</summary>
    /// <value>Default none.</value>
    public string? SessionTokenFile { get; init; }

    /// <summary>How long one HTTP attempt may take; a whole call (with retries) is bounded by twice this.</summary>
    /// <value>Default 10 seconds.</value>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How many times a failed call (5xx, short 429, network) is retried after its first attempt, within twice <see cref="Timeout"/>.</summary>
    /// <value>Default 2.</value>
    public int MaxRetries { get; init; } = ProviderPipeline.DefaultMaxRetries;

    /// <summary>A PEM file of CA certificates trusted instead of the system store.</summary>
    /// <value>Default none (system trust store).</value>
    public string? CaFile { get; init; }

    /// <summary>The default endpoint of a region.</summary>
    /// <param name="region">The region, e.g. <c>eu-west-1</c>.</param>
    /// <returns>The regional endpoint (<c>.amazonaws.com.cn</c> for China regions).</returns>
    public static Uri DefaultEndpoint(string region) =>
        new(region.StartsWith("cn-", StringComparison.Ordinal)
            ? $"https://{Service}.{region}.amazonaws.com.cn/"
            : $"https://{Service}.{region}.amazonaws.com/");

    /// <inheritdoc />
    public override string ToString() =>
        $"AwsOptions({Region}, {Endpoint}, auth {(AccessKeyId is null ? "default chain" : "explicit keys")})";
}
