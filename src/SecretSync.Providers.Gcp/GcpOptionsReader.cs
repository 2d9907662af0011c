using SecretSync.Core.Providers;
using SecretSync.Providers.Common;

namespace SecretSync.Providers.Gcp;

/// <summary>Reads and checks the flattened settings of one <c>gcp</c> provider entry.</summary>
internal static class GcpOptionsReader
{
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromMinutes(5);

    // Both name what the default method uses.
    private static readonly Dictionary<string, GcpAuthMethod> MethodAliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["adc"] = GcpAuthMethod.Default,
        ["workloadIdentity"] = GcpAuthMethod.Default,
    };

    /// <summary>Reads the settings, adding one <see cref="SettingError"/> per problem.</summary>
    /// <returns>The options, or <see langword="null"/> when any error was found.</returns>
    public static GcpOptions? Read(ProviderSettings settings, List<SettingError> errors)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var before = errors.Count;
        SettingsReader.CheckKeys(settings, "gcp", GcpSettingKeys.All, errors);

        var project = ReadProject(settings, errors);
        var endpoint = ReadEndpoint(settings, errors);
        var (method, credentialsFile, tokenFile, token) = ReadAuth(settings, errors);
        var caFile = SettingsReader.ReadCaFile(settings, GcpSettingKeys.TlsCaFile, errors);
        if (caFile is not null && endpoint is { Scheme: "http" })
        {
            errors.Add(new SettingError(GcpSettingKeys.TlsCaFile, "tls.caFile needs an https:// endpoint; the endpoint uses plain http."));
        }

        var timeout = SettingsReader.ReadTimeout(settings, GcpSettingKeys.Timeout, TimeSpan.FromSeconds(10), MaxTimeout, errors);
        var maxRetries = SettingsReader.ReadMaxRetries(settings, GcpSettingKeys.RetryMaxRetries, ProviderPipeline.DefaultMaxRetries, errors);
        var format = SettingsReader.ReadChoice(settings, GcpSettingKeys.PayloadFormat, GcpPayloadFormat.Auto, "auto (split JSON objects into keys) or raw", errors) ?? GcpPayloadFormat.Auto;
        var valueKey = SettingsReader.Trimmed(settings, GcpSettingKeys.ValueKey) ?? GcpOptions.DefaultValueKey;
        if (settings.Get(GcpSettingKeys.ValueKey) is not null && !IsSecretKey(valueKey))
        {
            errors.Add(new SettingError(GcpSettingKeys.ValueKey,
                $"valueKey '{valueKey}' is not a valid Secret key: use letters, digits, '-', '_' or '.', e.g. value or credentials.json."));
        }

        if (SettingsReader.HasErrorsSince(errors, before) || project is null || endpoint is null)
        {
            return null;
        }

        return new GcpOptions
        {
            Project = project,
            Endpoint = endpoint,
            AuthMethod = method,
            CredentialsFile = credentialsFile,
            AccessTokenFile = tokenFile,
            AccessToken = token,
            CaFile = caFile,
            Timeout = timeout,
            MaxRetries = maxRetries,
            PayloadFormat = format,
            ValueKey = valueKey,
        };
    }

    private static string? ReadProject(ProviderSettings settings, List<SettingError> errors)
    {
        var project = SettingsReader.Required(settings, GcpSettingKeys.Project, "the Google Cloud project id (or number) that holds the secrets, e.g. acme-prod.", errors);
        if (project is null)
        {
            return null;
        }

        // Project ids are 6-30 of [a-z0-9-]; numbers are digits. Be lenient on length, strict on characters (they go into URLs).
        if (!project.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.' or ':'))
        {
            errors.Add(new SettingError(GcpSettingKeys.Project, $"project '{project}' is not a project id or number (lower-case letters, digits and '-')."));
            return null;
        }

        return project;
    }

    private static Uri? ReadEndpoint(ProviderSettings settings, List<SettingError> errors)
    {
        var text = SettingsReader.Trimmed(settings, GcpSettingKeys.Endpoint);
        if (text is null)
        {
            if (settings.Get(GcpSettingKeys.Endpoint) is not null)
            {
                errors.Add(new SettingError(GcpSettingKeys.Endpoint, "endpoint is empty; remove it to use https://secretmanager.googleapis.com."));
                return null;
            }

            return GcpOptions.DefaultEndpoint;
        }

        var endpoint = SettingsReader.ReadBaseUrl(text, GcpSettingKeys.Endpoint, "https://secretmanager.googleapis.com", "configure credentials under auth.", errors);
        if (endpoint is not null && endpoint.OriginalString.EndsWith("/v1/", StringComparison.Ordinal))
        {
            errors.Add(new SettingError(GcpSettingKeys.Endpoint, "endpoint is the base URL without the API version: drop the trailing /v1."));
            return null;
        }

        return endpoint;
    }

    private static (GcpAuthMethod Method, string? CredentialsFile, string? TokenFile, string? Token) ReadAuth(ProviderSettings settings, List<SettingError> errors)
    {
        var credentialsFile = SettingsReader.Trimmed(settings, GcpSettingKeys.AuthCredentialsFile);
        var tokenFile = SettingsReader.Trimmed(settings, GcpSettingKeys.AuthAccessTokenFile);
        var token = SettingsReader.Trimmed(settings, GcpSettingKeys.AuthAccessToken);
        SettingsReader.CheckNotBlank(settings, [GcpSettingKeys.AuthCredentialsFile, GcpSettingKeys.AuthAccessTokenFile, GcpSettingKeys.AuthAccessToken],
            "name the file or remove the key.", errors);

        var implied = credentialsFile is not null ? GcpAuthMethod.ServiceAccountKey
            : tokenFile is not null || token is not null ? GcpAuthMethod.AccessToken
            : GcpAuthMethod.Default;
        var method = SettingsReader.ReadChoice(settings, GcpSettingKeys.AuthMethod, implied,
            "default (application default credentials / Workload Identity), serviceAccountKey or accessToken", errors, MethodAliases);
        if (method is null)
        {
            return (GcpAuthMethod.Default, null, null, null);
        }

        if (new[] { credentialsFile, tokenFile, token }.Count(v => v is not null) > 1)
        {
            errors.Add(new SettingError(token is not null ? GcpSettingKeys.AuthAccessToken : GcpSettingKeys.AuthAccessTokenFile,
                "Set only one of auth.credentialsFile, auth.accessTokenFile and auth.accessToken."));
        }

        switch (method)
        {
            case GcpAuthMethod.Default when credentialsFile is not null || tokenFile is not null || token is not null:
                errors.Add(new SettingError(GcpSettingKeys.AuthMethod,
                    "auth.method default uses application default credentials; remove auth.credentialsFile / auth.accessTokenFile / auth.accessToken or change auth.method. " +
                    "(To use a key file with default, set GOOGLE_APPLICATION_CREDENTIALS.)"));
                break;
            case GcpAuthMethod.ServiceAccountKey when credentialsFile is null && settings.Get(GcpSettingKeys.AuthCredentialsFile) is null:
                errors.Add(new SettingError(GcpSettingKeys.AuthCredentialsFile, "auth.method serviceAccountKey needs auth.credentialsFile: the service-account key JSON file."));
                break;
            case GcpAuthMethod.AccessToken when tokenFile is null && token is null &&
                                                settings.Get(GcpSettingKeys.AuthAccessTokenFile) is null && settings.Get(GcpSettingKeys.AuthAccessToken) is null:
                errors.Add(new SettingError(GcpSettingKeys.AuthAccessTokenFile,
                    "auth.method accessToken needs auth.accessTokenFile (a file holding the bearer token) or auth.accessToken."));
                break;
        }

        if (method != GcpAuthMethod.AccessToken)
        {
            tokenFile = null;
            token = null;
        }

        return (method.Value, credentialsFile, tokenFile, token);
    }

    private static bool IsSecretKey(string key) =>
        key.Length is > 0 and <= 253 && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

}
