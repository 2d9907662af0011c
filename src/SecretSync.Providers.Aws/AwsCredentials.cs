using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using SecretSync.Core.Providers;

namespace SecretSync.Providers.Aws;

/// <summary>One set of AWS credentials for signing. <see cref="ToString"/> shows the key id only.</summary>
/// <param name="AccessKeyId">The access key id (not secret; goes into the credential scope).</param>
/// <param name="SecretAccessKey">The secret access key: an HMAC key, never logged.</param>
/// <param name="SessionToken">The session token of temporary credentials, sent as <c>X-Amz-Security-Token</c>.</param>
internal sealed record AwsKeys(string AccessKeyId, string SecretAccessKey, string? SessionToken)
{
    /// <inheritdoc />
    public override string ToString() => $"AwsKeys({AccessKeyId}{(SessionToken is null ? "" : ", session")})";
}

/// <summary>Where signing credentials come from: explicit key files, or AWSSDK.Core's default chain.</summary>
/// <remarks>
/// The default chain (aws-secrets-manager.md §5) covers environment variables, web identity (EKS IRSA, through
/// AWSSDK.SecurityToken), profiles, container and EC2 instance credentials, and refreshes temporary credentials
/// itself. Explicit key files are read again on every call so a rotated file is picked up. Failures become
/// <see cref="FailureKind.Unauthenticated"/> without any credential in the message.
/// </remarks>
internal sealed class AwsCredentials
{
    private readonly AwsOptions _options;
    private readonly Lock _gate = new();
    private AWSCredentials? _chain;

    public AwsCredentials(AwsOptions options)
    {
        _options = options;
    }

    public async ValueTask<(AwsKeys? Keys, ProviderFailure? Failure)> GetAsync(CancellationToken cancellationToken)
    {
        if (_options.AccessKeyId is { } keyId)
        {
            return await ReadFilesAsync(keyId, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            AWSCredentials? chain;
            lock (_gate)
            {
                chain = _chain;
            }

            if (chain is null)
            {
                chain = await DefaultAWSCredentialsIdentityResolver.GetCredentialsAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
                lock (_gate)
                {
                    _chain ??= chain;
                }
            }

            var immutable = await chain.GetCredentialsAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            if (string.IsNullOrEmpty(immutable.AccessKey) || string.IsNullOrEmpty(immutable.SecretKey))
            {
                return (null, new ProviderFailure(FailureKind.Unauthenticated, "The AWS credential chain returned empty credentials."));
            }

            return (new AwsKeys(immutable.AccessKey, immutable.SecretKey, immutable.UseToken ? immutable.Token : null), null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is AmazonClientException or AmazonServiceException or InvalidOperationException or IOException or HttpRequestException)
        {
            // The SDK's messages name sources and roles, not secrets; keep only the exception type to be sure.
            return (null, new ProviderFailure(FailureKind.Unauthenticated,
                $"No usable AWS credentials from the default chain (environment, web identity / IRSA, profile, container, instance metadata): {e.GetType().Name}. " +
                "Set auth.accessKeyId and auth.secretAccessKeyFile, or give the pod an IAM role (IRSA)."));
        }
    }

    private async ValueTask<(AwsKeys?, ProviderFailure?)> ReadFilesAsync(string keyId, CancellationToken cancellationToken)
    {
        string secret;
        try
        {
            secret = (await File.ReadAllTextAsync(_options.SecretAccessKeyFile!, cancellationToken).ConfigureAwait(false)).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, new ProviderFailure(FailureKind.Unauthenticated,
                $"Cannot read auth.secretAccessKeyFile '{_options.SecretAccessKeyFile}' ({e.GetType().Name})."));
        }

        if (secret.Length == 0)
        {
            return (null, new ProviderFailure(FailureKind.Unauthenticated, $"auth.secretAccessKeyFile '{_options.SecretAccessKeyFile}' is empty."));
        }

        string? token = null;
        if (_options.SessionTokenFile is { } tokenFile)
        {
            try
            {
                token = (await File.ReadAllTextAsync(tokenFile, cancellationToken).ConfigureAwait(false)).Trim();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return (null, new ProviderFailure(FailureKind.Unauthenticated, $"Cannot read auth.sessionTokenFile '{tokenFile}' ({e.GetType().Name})."));
            }
        }

        return (new AwsKeys(keyId, secret, string.IsNullOrEmpty(token) ? null : token), null);
    }
}
