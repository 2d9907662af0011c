using Azure.Security.KeyVault.Secrets;
using SecretSync.Core.Providers;
using SecretSync.Providers.Common;

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

    private static readonly TimeSpan MaxTimeout = TimeSpan.FromMinutes(5);

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
        SettingsReader.CheckKeys(settings, "azure", AzureSettingKeys.All, errors);

        var vaultUrl = ReadVaultUrl(settings, errors);
        var clientId = SettingsReader.Trimmed(settings, AzureSettingKeys.AuthClientId);
        var tenantId = SettingsReader.Trimmed(settings, AzureSettingKeys.AuthTenantId);
        var tokenFile = SettingsReader.Trimmed(settings, AzureSettingKeys.AuthTokenFile);
        var accessTokenFile = SettingsReader.Trimmed(settings, AzureSettingKeys.AuthAccessTokenFile);
        SettingsReader.CheckNotBlank(settings,
            [AzureSettingKeys.AuthClientId, AzureSettingKeys.AuthTenantId, AzureSettingKeys.AuthTokenFile, AzureSettingKeys.AuthAccessTokenFile, AzureSettingKeys.TlsCaFile],
            "set a value or remove it.", errors);

        var method = SettingsReader.ReadChoice(settings, AzureSettingKeys.AuthMethod, accessTokenFile is null ? AzureAuthMethod.Default : AzureAuthMethod.AccessToken,
            "default, workloadIdentity, managedIdentity or accessToken", errors);
        if (method is { } m)
        {
            CheckAuth(m, environment, clientId, tenantId, tokenFile, accessTokenFile, settings, errors);
        }

        var verification = SettingsReader.ReadBool(settings, AzureSettingKeys.DisableChallengeResourceVerification, errors);
        var timeout = SettingsReader.ReadDuration(settings, AzureSettingKeys.Timeout, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(1), MaxTimeout, errors);
        var delay = SettingsReader.ReadDuration(settings, AzureSettingKeys.RetryDelay, TimeSpan.FromMilliseconds(800), TimeSpan.Zero, TimeSpan.FromMinutes(1), errors);
        var maxDelay = SettingsReader.ReadDuration(settings, AzureSettingKeys.RetryMaxDelay, TimeSpan.FromSeconds(10), TimeSpan.Zero, TimeSpan.FromMinutes(5), errors);
        if (maxDelay < delay)
        {
            errors.Add(new SettingError(AzureSettingKeys.RetryMaxDelay, $"retry.maxDelay ({maxDelay.TotalMilliseconds:0}ms) must not be shorter than retry.delay ({delay.TotalMilliseconds:0}ms)."));
        }

        var maxRetries = SettingsReader.ReadMaxRetries(settings, AzureSettingKeys.RetryMaxRetries, 3, errors);

        var format = SettingsReader.ReadChoice(settings, AzureSettingKeys.ValueFormat, AzureValueFormat.Json, "json or text", errors) ?? AzureValueFormat.Json;

        var apiVersion = SettingsReader.Trimmed(settings, AzureSettingKeys.ApiVersion);
        if (apiVersion is not null && !ApiVersions.ContainsKey(apiVersion))
        {
            errors.Add(new SettingError(AzureSettingKeys.ApiVersion, $"apiVersion '{apiVersion}' is not supported; use one of {string.Join(", ", ApiVersions.Keys)}."));
        }

        if (SettingsReader.HasErrorsSince(errors, before) || vaultUrl is null || method is null)
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
            CaFile = SettingsReader.Trimmed(settings, AzureSettingKeys.TlsCaFile),
            DisableChallengeResourceVerification = verification,
            Timeout = timeout,
            MaxRetries = maxRetries,
            RetryDelay = delay,
            RetryMaxDelay = maxDelay,
            ValueFormat = format,
            ApiVersion = apiVersion,
        };
    }

    private static Uri? ReadVaultUrl(ProviderSettings settings, List<SettingError> errors)
    {
        var text = SettingsReader.Required(settings, AzureSettingKeys.VaultUrl, "the vault's URL, e.g. https://my-vault.vault.azure.net.", errors);
        if (text is null)
        {
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
                errors.Add(new SettingError(AzureSettingKeys.AuthClientId, $"Workload identity needs a client id: set auth.clientId or {ClientIdVariable} (the webhook sets it when the service account is annotated azure.workload.identity/client-id).", SettingSeverity.RuntimeRequirement));
            }

            if (tenantId is null && string.IsNullOrWhiteSpace(environment(TenantIdVariable)))
            {
                errors.Add(new SettingError(AzureSettingKeys.AuthTenantId, $"Workload identity needs a tenant id: set auth.tenantId or {TenantIdVariable}.", SettingSeverity.RuntimeRequirement));
            }

            if (tokenFile is null && string.IsNullOrWhiteSpace(environment(TokenFileVariable)))
            {
                errors.Add(new SettingError(AzureSettingKeys.AuthTokenFile, $"Workload identity needs the projected token file: set auth.tokenFile or {TokenFileVariable} (label the pod azure.workload.identity/use: \"true\").", SettingSeverity.RuntimeRequirement));
            }
        }
    }

}
