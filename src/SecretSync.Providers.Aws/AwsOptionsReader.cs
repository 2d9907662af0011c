using SecretSync.Core.Providers;
using SecretSync.Providers.Common;

namespace SecretSync.Providers.Aws;

/// <summary>Reads and checks the flattened settings of one <c>aws</c> provider entry.</summary>
/// <remarks>Never touches the network or the credential files: those may be mounted after start-up.</remarks>
internal static class AwsOptionsReader
{
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromMinutes(5);

    // Keys people reach for that must never hold a literal credential in a configuration file.
    private static readonly string[] LiteralSecretKeys = ["auth.secretAccessKey", "secretAccessKey", "auth.sessionToken"];

    /// <summary>Reads the settings, adding one <see cref="SettingError"/> per problem.</summary>
    /// <returns>The options, or <see langword="null"/> when any error was found.</returns>
    public static AwsOptions? Read(ProviderSettings settings, List<SettingError> errors)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(errors);
        var before = errors.Count;

        SettingsReader.CheckKeys(settings, "aws", AwsSettingKeys.All, errors, key => LiteralSecretKeys.Contains(key, StringComparer.OrdinalIgnoreCase)
            // Never echo the value: it is a credential.
            ? new SettingError(key, $"{key} is not supported: credentials do not belong in the configuration. " +
                "Put the key in a file and set auth.secretAccessKeyFile (or auth.sessionTokenFile), or use the default chain (IRSA, environment, profile).")
            : null);

        var region = ReadRegion(settings, errors);
        var endpoint = ReadEndpoint(settings, errors);
        var accessKeyId = SettingsReader.Trimmed(settings, AwsSettingKeys.AuthAccessKeyId);
        var secretFile = SettingsReader.Trimmed(settings, AwsSettingKeys.AuthSecretAccessKeyFile);
        var tokenFile = SettingsReader.Trimmed(settings, AwsSettingKeys.AuthSessionTokenFile);
        CheckAuth(settings, accessKeyId, secretFile, tokenFile, errors);
        var caFile = SettingsReader.ReadCaFile(settings, AwsSettingKeys.TlsCaFile, errors);

        var effectiveEndpoint = endpoint ?? (region is null ? null : AwsOptions.DefaultEndpoint(region));
        if (caFile is not null && effectiveEndpoint is { Scheme: "http" })
        {
            errors.Add(new SettingError(AwsSettingKeys.TlsCaFile, "tls.caFile needs an https:// endpoint; the endpoint uses plain http."));
        }

        var timeout = SettingsReader.ReadTimeout(settings, AwsSettingKeys.Timeout, TimeSpan.FromSeconds(10), MaxTimeout, errors);
        var maxRetries = SettingsReader.ReadMaxRetries(settings, AwsSettingKeys.RetryMaxRetries, ProviderPipeline.DefaultMaxRetries, errors);
        if (SettingsReader.HasErrorsSince(errors, before) || region is null || effectiveEndpoint is null)
        {
            return null;
        }

        return new AwsOptions
        {
            Region = region,
            Endpoint = effectiveEndpoint,
            AccessKeyId = accessKeyId,
            SecretAccessKeyFile = secretFile,
            SessionTokenFile = tokenFile,
            Timeout = timeout,
            MaxRetries = maxRetries,
            CaFile = caFile,
        };
    }

    private static string? ReadRegion(ProviderSettings settings, List<SettingError> errors)
    {
        var region = SettingsReader.Required(settings, AwsSettingKeys.Region, "the AWS region that holds the secrets, e.g. eu-west-1.", errors);
        if (region is null)
        {
            return null;
        }

        // Region names are lower-case words and a number joined by hyphens (us-east-1, us-gov-west-1, cn-north-1).
        var parts = region.Split('-');
        if (parts.Length < 3 || parts.Any(p => p.Length == 0 || !p.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c)))
            || !parts[^1].All(char.IsAsciiDigit))
        {
            errors.Add(new SettingError(AwsSettingKeys.Region, $"region '{region}' is not an AWS region name such as us-east-1 or eu-central-1."));
            return null;
        }

        return region;
    }

    private static Uri? ReadEndpoint(ProviderSettings settings, List<SettingError> errors)
    {
        if (settings.Get(AwsSettingKeys.Endpoint) is null)
        {
            return null;
        }

        var text = SettingsReader.Trimmed(settings, AwsSettingKeys.Endpoint);
        if (text is null)
        {
            errors.Add(new SettingError(AwsSettingKeys.Endpoint, "endpoint is empty; remove it to use the region's Secrets Manager endpoint."));
            return null;
        }

        return SettingsReader.ReadBaseUrl(text, AwsSettingKeys.Endpoint, "https://vpce-0abc.secretsmanager.eu-west-1.vpce.amazonaws.com",
            "credentials come from auth or the default chain.", errors);
    }

    private static void CheckAuth(ProviderSettings settings, string? accessKeyId, string? secretFile, string? tokenFile, List<SettingError> errors)
    {
        SettingsReader.CheckNotBlank(settings, [AwsSettingKeys.AuthAccessKeyId, AwsSettingKeys.AuthSecretAccessKeyFile, AwsSettingKeys.AuthSessionTokenFile],
            "set it or remove it to use the default credential chain.", errors);

        if (accessKeyId is not null && secretFile is null)
        {
            errors.Add(new SettingError(AwsSettingKeys.AuthSecretAccessKeyFile,
                "auth.accessKeyId needs auth.secretAccessKeyFile: the file holding its secret access key."));
        }
        else if (accessKeyId is null && secretFile is not null)
        {
            errors.Add(new SettingError(AwsSettingKeys.AuthAccessKeyId,
                "auth.secretAccessKeyFile needs auth.accessKeyId; or remove both to use the default credential chain."));
        }

        if (tokenFile is not null && accessKeyId is null)
        {
            errors.Add(new SettingError(AwsSettingKeys.AuthSessionTokenFile, "auth.sessionTokenFile applies only with auth.accessKeyId and auth.secretAccessKeyFile."));
        }

        if (accessKeyId is not null && (accessKeyId.Length > 128 || !accessKeyId.All(char.IsAsciiLetterOrDigit)))
        {
            // The id is not secret, but an odd value is more likely a pasted secret key: do not echo it.
            errors.Add(new SettingError(AwsSettingKeys.AuthAccessKeyId, "auth.accessKeyId must be an access key id (letters and digits only, e.g. AKIA...); is it the secret key by mistake?"));
        }
    }

}
