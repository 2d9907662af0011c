using System.Globalization;
using SecretSync.Core.Providers;

namespace SecretSync.Providers.Gcp;

/// <summary>Reads and checks the flattened settings of one <c>gcp</c> provider entry.</summary>
internal static class GcpOptionsReader
{
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromMinutes(5);

    private static readonly string[] KnownKeys =
    [
        GcpSettingKeys.Project, GcpSettingKeys.Endpoint, GcpSettingKeys.AuthMethod, GcpSettingKeys.AuthCredentialsFile,
        GcpSettingKeys.AuthAccessTokenFile, GcpSettingKeys.AuthAccessToken, GcpSettingKeys.TlsCaFile, GcpSettingKeys.Timeout, GcpSettingKeys.PayloadFormat,
        GcpSettingKeys.ValueKey,
    ];

    // Keys the configuration layer may pass through alongside the provider's own settings.
    private static readonly string[] EntryKeys = ["type", "name"];

    /// <summary>Reads the settings, adding one <see cref="SettingError"/> per problem.</summary>
    /// <returns>The options, or <see langword="null"/> when any error was found.</returns>
    public static GcpOptions? Read(ProviderSettings settings, List<SettingError> errors)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var before = errors.Count;
        foreach (var key in settings.Keys.Order(StringComparer.Ordinal))
        {
            if (!KnownKeys.Contains(key, StringComparer.Ordinal) && !EntryKeys.Contains(key, StringComparer.Ordinal))
            {
                var hint = KnownKeys.FirstOrDefault(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase));
                errors.Add(new SettingError(key, hint is not null
                    ? $"Unknown gcp setting '{key}'; did you mean '{hint}'? Keys are case-sensitive."
                    : $"Unknown gcp setting '{key}'. Known settings: {string.Join(", ", KnownKeys)}."));
            }
        }

        var project = ReadProject(settings, errors);
        var endpoint = ReadEndpoint(settings, errors);
        var (method, credentialsFile, tokenFile, token) = ReadAuth(settings, errors);
        var caFile = Trimmed(settings, GcpSettingKeys.TlsCaFile);
        if (settings.Get(GcpSettingKeys.TlsCaFile) is not null && caFile is null)
        {
            errors.Add(new SettingError(GcpSettingKeys.TlsCaFile, "tls.caFile is empty; name a PEM file of CA certificates or remove it."));
        }
        else if (caFile is not null && endpoint is { Scheme: "http" })
        {
            errors.Add(new SettingError(GcpSettingKeys.TlsCaFile, "tls.caFile needs an https:// endpoint; the endpoint uses plain http."));
        }

        var timeout = ReadTimeout(settings, errors);
        var format = ReadFormat(settings, errors);
        var valueKey = Trimmed(settings, GcpSettingKeys.ValueKey) ?? GcpOptions.DefaultValueKey;
        if (settings.Get(GcpSettingKeys.ValueKey) is not null && !IsSecretKey(valueKey))
        {
            errors.Add(new SettingError(GcpSettingKeys.ValueKey,
                $"valueKey '{valueKey}' is not a valid Secret key: use letters, digits, '-', '_' or '.', e.g. value or credentials.json."));
        }

        if (errors.Count > before || project is null || endpoint is null)
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
            PayloadFormat = format,
            ValueKey = valueKey,
        };
    }

    /// <summary>Parses a duration such as <c>10s</c>, <c>500ms</c>, <c>1m30s</c>, <c>2h</c>, or a bare number of seconds.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        text = text.Trim();
        if (text.Length == 0)
        {
            return false;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            if (!double.IsFinite(seconds) || seconds < 0 || seconds > 86_400)
            {
                return false;
            }

            duration = TimeSpan.FromSeconds(seconds);
            return true;
        }

        var total = TimeSpan.Zero;
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
            {
                i++;
            }

            if (i == start || !double.TryParse(text.AsSpan(start, i - start), NumberStyles.Float, CultureInfo.InvariantCulture, out var amount))
            {
                return false;
            }

            var unitStart = i;
            while (i < text.Length && char.IsAsciiLetter(text[i]))
            {
                i++;
            }

            double? factorMs = text[unitStart..i] switch
            {
                "ms" => 1,
                "s" => 1000,
                "m" => 60_000,
                "h" => 3_600_000,
                _ => null,
            };
            if (factorMs is null || amount * factorMs.Value > 86_400_000)
            {
                return false;
            }

            total += TimeSpan.FromMilliseconds(amount * factorMs.Value);
        }

        duration = total;
        return true;
    }

    private static string? ReadProject(ProviderSettings settings, List<SettingError> errors)
    {
        var project = Trimmed(settings, GcpSettingKeys.Project);
        if (project is null)
        {
            errors.Add(new SettingError(GcpSettingKeys.Project, "project is required: the Google Cloud project id (or number) that holds the secrets, e.g. acme-prod."));
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
        var text = Trimmed(settings, GcpSettingKeys.Endpoint);
        if (text is null)
        {
            if (settings.Get(GcpSettingKeys.Endpoint) is not null)
            {
                errors.Add(new SettingError(GcpSettingKeys.Endpoint, "endpoint is empty; remove it to use https://secretmanager.googleapis.com."));
                return null;
            }

            return GcpOptions.DefaultEndpoint;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add(new SettingError(GcpSettingKeys.Endpoint, "endpoint must be an absolute http:// or https:// URL, e.g. https://secretmanager.googleapis.com."));
            return null;
        }

        if (uri.UserInfo.Length > 0)
        {
            // Never echo the value: user info is a credential.
            errors.Add(new SettingError(GcpSettingKeys.Endpoint, "endpoint must not contain user info; configure credentials under auth."));
            return null;
        }

        if (uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            errors.Add(new SettingError(GcpSettingKeys.Endpoint, $"endpoint '{uri.GetLeftPart(UriPartial.Path)}' must not have a query or fragment."));
            return null;
        }

        var normalized = uri.GetLeftPart(UriPartial.Path);
        if (normalized.EndsWith("/v1/", StringComparison.Ordinal) || normalized.EndsWith("/v1", StringComparison.Ordinal))
        {
            errors.Add(new SettingError(GcpSettingKeys.Endpoint, "endpoint is the base URL without the API version: drop the trailing /v1."));
            return null;
        }

        return new Uri(normalized.EndsWith('/') ? normalized : normalized + "/");
    }

    private static (GcpAuthMethod Method, string? CredentialsFile, string? TokenFile, string? Token) ReadAuth(ProviderSettings settings, List<SettingError> errors)
    {
        var credentialsFile = Trimmed(settings, GcpSettingKeys.AuthCredentialsFile);
        var tokenFile = Trimmed(settings, GcpSettingKeys.AuthAccessTokenFile);
        var token = Trimmed(settings, GcpSettingKeys.AuthAccessToken);
        foreach (var key in new[] { GcpSettingKeys.AuthCredentialsFile, GcpSettingKeys.AuthAccessTokenFile, GcpSettingKeys.AuthAccessToken })
        {
            if (settings.Get(key) is not null && Trimmed(settings, key) is null)
            {
                errors.Add(new SettingError(key, $"{key} is empty; name the file or remove the key."));
            }
        }

        var methodText = Trimmed(settings, GcpSettingKeys.AuthMethod);
        GcpAuthMethod? method = methodText?.ToLowerInvariant() switch
        {
            null => credentialsFile is not null ? GcpAuthMethod.ServiceAccountKey : tokenFile is not null || token is not null ? GcpAuthMethod.AccessToken : GcpAuthMethod.Default,
            "default" or "adc" or "workloadidentity" => GcpAuthMethod.Default,
            "serviceaccountkey" => GcpAuthMethod.ServiceAccountKey,
            "accesstoken" => GcpAuthMethod.AccessToken,
            _ => null,
        };
        if (method is null)
        {
            errors.Add(new SettingError(GcpSettingKeys.AuthMethod,
                $"auth.method '{methodText}' is not supported; use default (application default credentials / Workload Identity), serviceAccountKey or accessToken."));
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

    private static TimeSpan ReadTimeout(ProviderSettings settings, List<SettingError> errors)
    {
        var fallback = TimeSpan.FromSeconds(10);
        if (Trimmed(settings, GcpSettingKeys.Timeout) is not { } text)
        {
            if (settings.Get(GcpSettingKeys.Timeout) is not null)
            {
                errors.Add(new SettingError(GcpSettingKeys.Timeout, "timeout is empty; use a duration such as 10s or remove it."));
            }

            return fallback;
        }

        if (!TryParseDuration(text, out var timeout))
        {
            errors.Add(new SettingError(GcpSettingKeys.Timeout, $"timeout '{text}' is not a duration; use e.g. 10s, 500ms or 1m."));
            return fallback;
        }

        if (timeout <= TimeSpan.Zero || timeout > MaxTimeout)
        {
            errors.Add(new SettingError(GcpSettingKeys.Timeout, $"timeout '{text}' must be more than 0 and at most {MaxTimeout.TotalMinutes:0} minutes."));
            return fallback;
        }

        return timeout;
    }

    private static GcpPayloadFormat ReadFormat(ProviderSettings settings, List<SettingError> errors)
    {
        var text = Trimmed(settings, GcpSettingKeys.PayloadFormat);
        switch (text?.ToLowerInvariant())
        {
            case null or "auto":
                return GcpPayloadFormat.Auto;
            case "raw":
                return GcpPayloadFormat.Raw;
            default:
                errors.Add(new SettingError(GcpSettingKeys.PayloadFormat, $"payloadFormat '{text}' is not supported; use auto (split JSON objects into keys) or raw."));
                return GcpPayloadFormat.Auto;
        }
    }

    private static bool IsSecretKey(string key) =>
        key.Length is > 0 and <= 253 && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    private static string? Trimmed(ProviderSettings settings, string key) =>
        settings.Get(key)?.Trim() is { Length: > 0 } value ? value : null;
}
