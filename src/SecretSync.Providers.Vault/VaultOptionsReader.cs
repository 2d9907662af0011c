using SecretSync.Core.Providers;
using SecretSync.Providers.Common;

namespace SecretSync.Providers.Vault;

/// <summary>Reads and checks the flattened settings of one <c>vault</c> provider entry.</summary>
internal static class VaultOptionsReader
{
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Reads the settings, adding one <see cref="SettingError"/> per problem.</summary>
    /// <returns>The options, or <see langword="null"/> when any error was found.</returns>
    public static VaultOptions? Read(ProviderSettings settings, Func<string, string?> environment, List<SettingError> errors)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var before = errors.Count;

        SettingsReader.CheckKeys(settings, "vault", VaultSettingKeys.All, errors);

        var address = ReadAddress(settings, errors);
        var mount = ReadPath(settings, VaultSettingKeys.Mount, VaultOptions.DefaultMount, errors);
        var ns = SettingsReader.Trimmed(settings, VaultSettingKeys.Namespace);
        if (settings.Get(VaultSettingKeys.Namespace) is not null && ns is null)
        {
            errors.Add(new SettingError(VaultSettingKeys.Namespace, "namespace is empty; remove it or name a Vault namespace, e.g. team-a/."));
        }

        var method = SettingsReader.ReadChoice(settings, VaultSettingKeys.AuthMethod, VaultAuthMethod.Token, "token, approle or kubernetes", errors);
        var token = Alias(settings, VaultSettingKeys.AuthToken, VaultSettingKeys.Token, errors);
        var tokenFile = Alias(settings, VaultSettingKeys.AuthTokenFile, VaultSettingKeys.TokenFile, errors);
        var roleId = SettingsReader.Trimmed(settings, VaultSettingKeys.AuthRoleId);
        var secretId = SettingsReader.Trimmed(settings, VaultSettingKeys.AuthSecretId);
        var secretIdFile = SettingsReader.Trimmed(settings, VaultSettingKeys.AuthSecretIdFile);
        var role = SettingsReader.Trimmed(settings, VaultSettingKeys.AuthRole);
        var jwtPath = SettingsReader.Trimmed(settings, VaultSettingKeys.AuthJwtPath);
        string? authMount = null;
        if (settings.Get(VaultSettingKeys.AuthMountPath) is not null)
        {
            authMount = ReadPath(settings, VaultSettingKeys.AuthMountPath, "", errors);
        }

        if (method is { } m)
        {
            CheckAuth(settings, m, environment, token, tokenFile, roleId, secretId, secretIdFile, role, errors);
        }

        var (caFile, insecure, serverName) = ReadTls(settings, address, errors);
        var timeout = SettingsReader.ReadTimeout(settings, VaultSettingKeys.Timeout, TimeSpan.FromSeconds(10), MaxTimeout, errors);
        var maxRetries = SettingsReader.ReadMaxRetries(settings, VaultSettingKeys.RetryMaxRetries, ProviderPipeline.DefaultMaxRetries, errors);
        var events = SettingsReader.ReadChoice(settings, VaultSettingKeys.Events, VaultEventsMode.Auto, "auto, on or off", errors) ?? VaultEventsMode.Auto;

        if (SettingsReader.HasErrorsSince(errors, before) || address is null || method is null)
        {
            return null;
        }

        return new VaultOptions
        {
            Address = address,
            Mount = mount,
            Namespace = ns,
            AuthMethod = method.Value,
            Token = token,
            TokenFile = tokenFile,
            RoleId = roleId,
            SecretId = secretId,
            SecretIdFile = secretIdFile,
            Role = role,
            AuthMountPath = string.IsNullOrEmpty(authMount) ? null : authMount,
            JwtPath = jwtPath ?? VaultOptions.DefaultJwtPath,
            CaFile = caFile,
            InsecureSkipVerify = insecure,
            ServerName = serverName,
            Timeout = timeout,
            MaxRetries = maxRetries,
            Events = events,
        };
    }

    private static Uri? ReadAddress(ProviderSettings settings, List<SettingError> errors)
    {
        var text = SettingsReader.Trimmed(settings, VaultSettingKeys.Address);
        if (text is null)
        {
            // `secretsync dev` aims an address-less Vault provider at its emulator, so only the runtime can settle it.
            errors.Add(settings.Get(VaultSettingKeys.Address) is null
                ? new SettingError(VaultSettingKeys.Address,
                    "address is not set: `secretsync dev` aims this provider at its embedded Vault, but `run` needs Vault's URL, e.g. https://vault.internal:8200.",
                    SettingSeverity.RuntimeRequirement)
                : new SettingError(VaultSettingKeys.Address, "address is required: Vault's URL, e.g. https://vault.internal:8200."));
            return null;
        }

        return SettingsReader.ReadBaseUrl(text, VaultSettingKeys.Address, "https://vault.internal:8200", "configure credentials under auth.", errors);
    }

    private static string ReadPath(ProviderSettings settings, string key, string fallback, List<SettingError> errors)
    {
        var raw = settings.Get(key);
        if (raw is null)
        {
            return fallback;
        }

        var path = raw.Trim().Trim('/');
        if (path.Length == 0)
        {
            errors.Add(new SettingError(key, $"{key} is empty; name a mount path such as '{(fallback.Length > 0 ? fallback : "kubernetes")}'."));
            return fallback;
        }

        if (path.Any(c => char.IsWhiteSpace(c) || c is '?' or '#' or '%' or '\\') ||
            path.Split('/').Any(segment => segment is "" or "." or ".."))
        {
            errors.Add(new SettingError(key, $"{key} '{path}' is not a valid Vault mount path (no spaces, empty, '.' or '..' segments, '?', '#', '%' or '\\')."));
            return fallback;
        }

        return path;
    }

    private static void CheckAuth(
        ProviderSettings settings, VaultAuthMethod method, Func<string, string?> environment, string? token, string? tokenFile,
        string? roleId, string? secretId, string? secretIdFile, string? role, List<SettingError> errors)
    {
        var methodName = method.ToString().ToLowerInvariant();
        void NotFor(string key, string appliesTo)
        {
            if (settings.Get(key) is not null)
            {
                errors.Add(new SettingError(key, $"{key} applies only to auth.method {appliesTo}, not {methodName}; remove it or change auth.method."));
            }
        }

        if (method != VaultAuthMethod.Token)
        {
            NotFor(VaultSettingKeys.AuthToken, "token");
            NotFor(VaultSettingKeys.Token, "token");
            NotFor(VaultSettingKeys.AuthTokenFile, "token");
            NotFor(VaultSettingKeys.TokenFile, "token");
        }

        if (method != VaultAuthMethod.AppRole)
        {
            NotFor(VaultSettingKeys.AuthRoleId, "approle");
            NotFor(VaultSettingKeys.AuthSecretId, "approle");
            NotFor(VaultSettingKeys.AuthSecretIdFile, "approle");
        }

        if (method != VaultAuthMethod.Kubernetes)
        {
            NotFor(VaultSettingKeys.AuthRole, "kubernetes");
            NotFor(VaultSettingKeys.AuthJwtPath, "kubernetes");
        }

        if (method == VaultAuthMethod.Token && settings.Get(VaultSettingKeys.AuthMountPath) is not null)
        {
            errors.Add(new SettingError(VaultSettingKeys.AuthMountPath, "auth.mountPath applies only to approle and kubernetes logins; remove it."));
        }

        switch (method)
        {
            case VaultAuthMethod.Token:
                if (token is not null && tokenFile is not null)
                {
                    errors.Add(new SettingError(VaultSettingKeys.AuthToken, "Set either auth.token or auth.tokenFile, not both."));
                }
                else if (token is null && tokenFile is null && string.IsNullOrWhiteSpace(environment("VAULT_TOKEN")))
                {
                    errors.Add(new SettingError(VaultSettingKeys.AuthToken,
                        "Token auth needs a token: VAULT_TOKEN is not set here, so the daemon needs it in its environment when it starts; or set auth.tokenFile (preferred) or auth.token, or choose auth.method approle or kubernetes.",
                        SettingSeverity.RuntimeRequirement));
                }

                break;
            case VaultAuthMethod.AppRole:
                if (roleId is null)
                {
                    errors.Add(new SettingError(VaultSettingKeys.AuthRoleId, "auth.roleId is required for auth.method approle."));
                }

                if (secretId is not null && secretIdFile is not null)
                {
                    errors.Add(new SettingError(VaultSettingKeys.AuthSecretId, "Set either auth.secretId or auth.secretIdFile, not both."));
                }
                else if (secretId is null && secretIdFile is null)
                {
                    errors.Add(new SettingError(VaultSettingKeys.AuthSecretId,
                        "auth.secretIdFile (preferred) or auth.secretId is required for auth.method approle."));
                }

                break;
            case VaultAuthMethod.Kubernetes:
                if (role is null)
                {
                    errors.Add(new SettingError(VaultSettingKeys.AuthRole, "auth.role is required for auth.method kubernetes: the Vault role bound to this service account."));
                }

                if (settings.Get(VaultSettingKeys.AuthJwtPath) is not null && SettingsReader.Trimmed(settings, VaultSettingKeys.AuthJwtPath) is null)
                {
                    errors.Add(new SettingError(VaultSettingKeys.AuthJwtPath, $"auth.jwtPath is empty; remove it to use {VaultOptions.DefaultJwtPath}."));
                }
                else
                {
                    SettingsReader.CheckMountedFile(settings, VaultSettingKeys.AuthJwtPath,
                        SettingsReader.Trimmed(settings, VaultSettingKeys.AuthJwtPath) ?? VaultOptions.DefaultJwtPath, errors);
                }

                break;
        }

        SettingsReader.CheckNotBlank(settings, [VaultSettingKeys.AuthTokenFile, VaultSettingKeys.TokenFile, VaultSettingKeys.AuthSecretIdFile],
            "name the file that holds the credential.", errors);
        if (method == VaultAuthMethod.Token)
        {
            SettingsReader.CheckMountedFile(settings, settings.Get(VaultSettingKeys.AuthTokenFile) is null ? VaultSettingKeys.TokenFile : VaultSettingKeys.AuthTokenFile, tokenFile, errors);
        }

        if (method == VaultAuthMethod.AppRole)
        {
            SettingsReader.CheckMountedFile(settings, VaultSettingKeys.AuthSecretIdFile, secretIdFile, errors);
        }
    }

    private static (string? CaFile, bool Insecure, string? ServerName) ReadTls(ProviderSettings settings, Uri? address, List<SettingError> errors)
    {
        var caFile = SettingsReader.ReadCaFile(settings, VaultSettingKeys.TlsCaFile, errors);
        var insecure = SettingsReader.ReadBool(settings, VaultSettingKeys.TlsInsecureSkipVerify, errors);

        var serverName = SettingsReader.Trimmed(settings, VaultSettingKeys.TlsServerName);
        if (serverName is not null && Uri.CheckHostName(serverName) == UriHostNameType.Unknown)
        {
            errors.Add(new SettingError(VaultSettingKeys.TlsServerName, $"tls.serverName '{serverName}' is not a host name."));
        }

        if (insecure && (caFile is not null || serverName is not null))
        {
            errors.Add(new SettingError(VaultSettingKeys.TlsInsecureSkipVerify,
                "tls.insecureSkipVerify: true turns verification off, which contradicts tls.caFile / tls.serverName; keep one or the other."));
        }

        if (address is { Scheme: "http" } && (caFile is not null || insecure || serverName is not null))
        {
            errors.Add(new SettingError(VaultSettingKeys.TlsCaFile, "tls settings need an https:// address; the address uses plain http."));
        }

        return (caFile, insecure, serverName);
    }

    private static string? Alias(ProviderSettings settings, string key, string alias, List<SettingError> errors)
    {
        var value = SettingsReader.Trimmed(settings, key);
        var aliasValue = SettingsReader.Trimmed(settings, alias);
        if (value is not null && aliasValue is not null)
        {
            errors.Add(new SettingError(alias, $"{alias} and {key} mean the same; set only {key}."));
        }

        return value ?? aliasValue;
    }

}
