using System.Globalization;
using Azure.Security.KeyVault.Secrets;
using SecretSync.Core.Providers;

namespace SecretSync.Providers.Azure;

/// <summary>Reads and checks the flattened settings of one <c>azure</c> provider entry.</summary>
internal static class AzureOptionsReader
{
    /// <summary>The environment variables the workload identity webhook injects into the pod.</summary>
    public const string ClientIdVariable = "AZURE_CLIENT_ID";

    /// <summary>The tenant id variable.</summary>
    public const string TenantIdVariable = "AZURE_TENANT_ID";

    /// <summary>The projected token file variable.</summary>
    public const string TokenFileVariable = "AZURE_FEDERATED_TOKEN_FILE";

    private const int MaxRetriesLimit = 10;
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromMinutes(5);

    private static readonly string[] KnownKeys =
    [
        AzureSettingKeys.VaultUrl, AzureSettingKeys.AuthMethod, AzureSettingKeys.AuthClientId, AzureSettingKeys.AuthTenantId,
        AzureSettingKeys.AuthTokenFile, AzureSettingKeys.AuthAccessTokenFile, AzureSettingKeys.TlsCaFile,
        AzureSettingKeys.DisableChallengeResourceVerification, AzureSettingKeys.Timeout, AzureSettingKeys.RetryMaxRetries,
        AzureSettingKeys.RetryDelay, AzureSettingKeys.RetryMaxDelay, AzureSettingKeys.ValueFormat, AzureSettingKeys.ApiVersion,
    ];

    // Keys the configuration layer may pass through alongside the provider's own settings.
    private static readonly string[] EntryKeys = ["type", "name"];

    /// <summary>The api-versions <see cref="SecretClientOptions.ServiceVersion"/> knows, by their wire names.</summary>
    private static readonly Dictionary<string, SecretClientOptions.ServiceVersion> ApiVersions = new(StringComparer.Ordinal)
    {
        ["7.0"] = SecretClientOptions.ServiceVersion.V7_0,
        ["7.1"] = SecretClientOptions.ServiceVersion.V7_1,
        ["7.2"] = SecretClientOptions.ServiceVersion.V7_2,
        ["7.3"] = SecretClientOptions.ServiceVersion.V7_3,
        ["7.4"] = SecretClientOptions.ServiceVersion.V7_4,
        ["7.5"] = SecretClientOptions.ServiceVersion.V7_5,
        ["7.6"] = SecretClientOptions.ServiceVersion.V7_6,
        ["2025-07-01"] = SecretClientOptions.ServiceVersion.V2025_07_01,
        ["2026-04-01"] = SecretClientOptions.ServiceVersion.V2026_04_01,
    };

    /// <summary>Maps a validated api-version name to the SDK's enum.</summary>
    public static SecretClientOptions.ServiceVersion ServiceVersionOf(string apiVersion) => ApiVersions[apiVersion];

    /// <summary>Reads the settings, adding one <see cref="SettingError"/> per problem.</summary>
    /// <returns>The options, or <see langword="null"/> when any error was found.</returns>
    public static AzureOptions? Read(ProviderSettings settings, Func<string, string?> environment, List<SettingError> errors)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var before = errors.Count;
        foreach (var key in settings.Keys.Order(StringComparer.Ordinal))
        {
            if (!KnownKeys.Contains(key, StringComparer.Ordinal) && !EntryKeys.Contains(key, StringComparer.Ordinal))
            {
                var hint = KnownKeys.FirstOrDefault(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase));
                errors.Add(new SettingError(key, hint is not null
                    ? $"Unknown azure setting '{key}'; did you mean '{hint}'? Keys are case-sensitive."
                    : $"Unknown azure setting '{key}'. Known settings: {string.Join(", ", KnownKeys)}."));
            }
        }

        var vaultUrl = ReadVaultUrl(settings, errors);
        var clientId = Trimmed(settings, AzureSettingKeys.AuthClientId);
        var tenantId = Trimmed(settings, AzureSettingKeys.AuthTenantId);
        var tokenFile = Trimmed(settings, AzureSettingKeys.AuthTokenFile);
        var accessTokenFile = Trimmed(settings, AzureSettingKeys.AuthAccessTokenFile);
        foreach (var key in new[] { AzureSettingKeys.AuthClientId, AzureSettingKeys.AuthTenantId, AzureSettingKeys.AuthTokenFile, AzureSettingKeys.AuthAccessTokenFile, AzureSettingKeys.TlsCaFile })
        {
            if (settings.Get(key) is not null && Trimmed(settings, key) is null)
            {
                errors.Add(new SettingError(key, $"{key} is empty; set a value or remove it."));
            }
        }

        var method = ReadMethod(settings, accessTokenFile, errors);
        if (method is { } m)
        {
            CheckAuth(m, environment, clientId, tenantId, tokenFile, accessTokenFile, settings, errors);
        }

        var verification = ReadBool(settings, AzureSettingKeys.DisableChallengeResourceVerification, errors);
        var timeout = ReadDuration(settings, AzureSettingKeys.Timeout, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(1), MaxTimeout, errors);
        var delay = ReadDuration(settings, AzureSettingKeys.RetryDelay, TimeSpan.FromMilliseconds(800), TimeSpan.Zero, TimeSpan.FromMinutes(1), errors);
        var maxDelay = ReadDuration(settings, AzureSettingKeys.RetryMaxDelay, TimeSpan.FromSeconds(10), TimeSpan.Zero, TimeSpan.FromMinutes(5), errors);
        if (maxDelay < delay)
        {
            errors.Add(new SettingError(AzureSettingKeys.RetryMaxDelay, $"retry.maxDelay ({maxDelay.TotalMilliseconds:0}ms) must not be shorter than retry.delay ({delay.TotalMilliseconds:0}ms)."));
        }

        var maxRetries = 3;
        if (Trimmed(settings, AzureSettingKeys.RetryMaxRetries) is { } retriesText &&
            (!int.TryParse(retriesText, NumberStyles.None, CultureInfo.InvariantCulture, out maxRetries) || maxRetries > MaxRetriesLimit))
        {
            errors.Add(new SettingError(AzureSettingKeys.RetryMaxRetries, $"retry.maxRetries '{retriesText}' must be a whole number from 0 to {MaxRetriesLimit}."));
        }

        var format = AzureValueFormat.Json;
        switch (Trimmed(settings, AzureSettingKeys.ValueFormat)?.ToLowerInvariant())
        {
            case null or "json":
                break;
            case "text":
                format = AzureValueFormat.Text;
                break;
            default:
                errors.Add(new SettingError(AzureSettingKeys.ValueFormat, $"valueFormat '{settings.Get(AzureSettingKeys.ValueFormat)}' is not supported; use json or text."));
                break;
        }

        var apiVersion = Trimmed(settings, AzureSettingKeys.ApiVersion);
        if (apiVersion is not null && !ApiVersions.ContainsKey(apiVersion))
        {
            errors.Add(new SettingError(AzureSettingKeys.ApiVersion, $"apiVersion '{apiVersion}' is not supported; use one of {string.Join(", ", ApiVersions.Keys)}."));
        }

        if (errors.Count > before || vaultUrl is null || method is null)
        {
            return null;
        }

        return new AzureOptions
        {
            VaultUrl = vaultUrl,
            AuthMethod = method.Value,
            ClientId = clientId,
            TenantId = tenantId,
            TokenFile = tokenFile,
            AccessTokenFile = accessTokenFile,
            CaFile = Trimmed(settings, AzureSettingKeys.TlsCaFile),
            DisableChallengeResourceVerification = verification,
            Timeout = timeout,
            MaxRetries = maxRetries,
            RetryDelay = delay,
            RetryMaxDelay = maxDelay,
            ValueFormat = format,
            ApiVersion = apiVersion,
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

    private static Uri? ReadVaultUrl(ProviderSettings settings, List<SettingError> errors)
    {
        var text = Trimmed(settings, AzureSettingKeys.VaultUrl);
        if (text is null)
        {
            errors.Add(new SettingError(AzureSettingKeys.VaultUrl, "vaultUrl is required: the vault's URL, e.g. https://my-vault.vault.azure.net."));
            return null;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
        {
            errors.Add(new SettingError(AzureSettingKeys.VaultUrl,
                "vaultUrl must be an absolute https:// URL, e.g. https://my-vault.vault.azure.net (Key Vault clients refuse bearer tokens over plain http)."));
            return null;
        }

        if (uri.UserInfo.Length > 0)
        {
            // Never echo the value: user info is a credential.
            errors.Add(new SettingError(AzureSettingKeys.VaultUrl, "vaultUrl must not contain user info; configure credentials under auth."));
            return null;
        }

        if (uri.AbsolutePath.Trim('/').Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            errors.Add(new SettingError(AzureSettingKeys.VaultUrl, $"vaultUrl '{uri.GetLeftPart(UriPartial.Authority)}…' must be the vault's root URL, without a path, query or fragment."));
            return null;
        }

        return new Uri(uri.GetLeftPart(UriPartial.Authority) + "/");
    }

    private static AzureAuthMethod? ReadMethod(ProviderSettings settings, string? accessTokenFile, List<SettingError> errors)
    {
        var text = Trimmed(settings, AzureSettingKeys.AuthMethod);
        switch (text?.ToLowerInvariant())
        {
            case null:
                return accessTokenFile is null ? AzureAuthMethod.Default : AzureAuthMethod.AccessToken;
            case "default":
                return AzureAuthMethod.Default;
            case "workloadidentity":
                return AzureAuthMethod.WorkloadIdentity;
            case "managedidentity":
                return AzureAuthMethod.ManagedIdentity;
            case "accesstoken":
                return AzureAuthMethod.AccessToken;
            default:
                errors.Add(new SettingError(AzureSettingKeys.AuthMethod, $"auth.method '{text}' is not supported; use default, workloadIdentity, managedIdentity or accessToken."));
                return null;
        }
    }

    private static void CheckAuth(
        AzureAuthMethod method, Func<string, string?> environment, string? clientId, string? tenantId, string? tokenFile, string? accessTokenFile,
        ProviderSettings settings, List<SettingError> errors)
    {
        var name = method switch
        {
            AzureAuthMethod.WorkloadIdentity => "workloadIdentity",
            AzureAuthMethod.ManagedIdentity => "managedIdentity",
            AzureAuthMethod.AccessToken => "accessToken",
            _ => "default",
        };

        void NotFor(string key, string appliesTo)
        {
            if (settings.Get(key) is not null)
            {
                errors.Add(new SettingError(key, $"{key} applies only to auth.method {appliesTo}, not {name}; remove it or change auth.method."));
            }
        }

        if (method != AzureAuthMethod.AccessToken)
        {
            NotFor(AzureSettingKeys.AuthAccessTokenFile, "accessToken");
        }

        if (method != AzureAuthMethod.WorkloadIdentity)
        {
            NotFor(AzureSettingKeys.AuthTokenFile, "workloadIdentity");
        }

        if (method == AzureAuthMethod.AccessToken)
        {
            NotFor(AzureSettingKeys.AuthClientId, "workloadIdentity, managedIdentity or default");
            NotFor(AzureSettingKeys.AuthTenantId, "workloadIdentity or default");
            if (accessTokenFile is null && settings.Get(AzureSettingKeys.AuthAccessTokenFile) is null)
            {
                errors.Add(new SettingError(AzureSettingKeys.AuthAccessTokenFile, "auth.method accessToken needs auth.accessTokenFile: a file holding a bearer token for https://vault.azure.net."));
            }
        }

        if (method == AzureAuthMethod.ManagedIdentity)
        {
            NotFor(AzureSettingKeys.AuthTenantId, "workloadIdentity or default");
        }

        if (method == AzureAuthMethod.WorkloadIdentity)
        {
            // The workload identity webhook injects these; settings override them (pod spec: azure.workload.identity/use: "true").
            if (clientId is null && string.IsNullOrWhiteSpace(environment(ClientIdVariable)))
            {
                errors.Add(new SettingError(AzureSettingKeys.AuthClientId, $"Workload identity needs a client id: set auth.clientId or {ClientIdVariable} (the webhook sets it when the service account is annotated azure.workload.identity/client-id)."));
            }

            if (tenantId is null && string.IsNullOrWhiteSpace(environment(TenantIdVariable)))
            {
                errors.Add(new SettingError(AzureSettingKeys.AuthTenantId, $"Workload identity needs a tenant id: set auth.tenantId or {TenantIdVariable}."));
            }

            if (tokenFile is null && string.IsNullOrWhiteSpace(environment(TokenFileVariable)))
            {
                errors.Add(new SettingError(AzureSettingKeys.AuthTokenFile, $"Workload identity needs the projected token file: set auth.tokenFile or {TokenFileVariable} (label the pod azure.workload.identity/use: \"true\")."));
            }
        }
    }

    private static bool ReadBool(ProviderSettings settings, string key, List<SettingError> errors)
    {
        if (Trimmed(settings, key) is not { } text)
        {
            return false;
        }

        if (!bool.TryParse(text, out var value))
        {
            errors.Add(new SettingError(key, $"{key} must be true or false, not '{text}'."));
        }

        return value;
    }

    private static TimeSpan ReadDuration(ProviderSettings settings, string key, TimeSpan fallback, TimeSpan min, TimeSpan max, List<SettingError> errors)
    {
        if (Trimmed(settings, key) is not { } text)
        {
            if (settings.Get(key) is not null)
            {
                errors.Add(new SettingError(key, $"{key} is empty; use a duration such as 10s or remove it."));
            }

            return fallback;
        }

        if (!TryParseDuration(text, out var value))
        {
            errors.Add(new SettingError(key, $"{key} '{text}' is not a duration; use e.g. 10s, 500ms or 1m."));
            return fallback;
        }

        if (value < min || value > max)
        {
            errors.Add(new SettingError(key, $"{key} '{text}' must be from {min.TotalMilliseconds:0}ms to {max.TotalSeconds:0}s."));
            return fallback;
        }

        return value;
    }

    private static string? Trimmed(ProviderSettings settings, string key) =>
        settings.Get(key)?.Trim() is { Length: > 0 } value ? value : null;
}
