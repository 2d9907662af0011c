using System.Globalization;
using SecretSync.Core.Providers;

namespace SecretSync.Providers.Vault;

/// <summary>Reads and checks the flattened settings of one <c>vault</c> provider entry.</summary>
internal static class VaultOptionsReader
{
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromMinutes(5);

    private static readonly string[] KnownKeys =
    [
        VaultSettingKeys.Address, VaultSettingKeys.Mount, VaultSettingKeys.Namespace, VaultSettingKeys.AuthMethod,
        VaultSettingKeys.AuthToken, VaultSettingKeys.AuthTokenFile, VaultSettingKeys.Token, VaultSettingKeys.TokenFile,
        VaultSettingKeys.AuthRoleId, VaultSettingKeys.AuthSecretId, VaultSettingKeys.AuthSecretIdFile, VaultSettingKeys.AuthRole,
        VaultSettingKeys.AuthMountPath, VaultSettingKeys.AuthJwtPath, VaultSettingKeys.TlsCaFile,
        VaultSettingKeys.TlsInsecureSkipVerify, VaultSettingKeys.TlsServerName, VaultSettingKeys.Timeout, VaultSettingKeys.Events,
    ];

    // Keys the configuration layer may pass through alongside the provider's own settings.
    private static readonly string[] EntryKeys = ["type", "name"];

    /// <summary>Reads the settings, adding one <see cref="SettingError"/> per problem.</summary>
    /// <returns>The options, or <see langword="null"/> when any error was found.</returns>
    public static VaultOptions? Read(ProviderSettings settings, Func<string, string?> environment, List<SettingError> errors)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var before = errors.Count;

        foreach (var key in settings.Keys.Order(StringComparer.Ordinal))
        {
            if (!KnownKeys.Contains(key, StringComparer.Ordinal) && !EntryKeys.Contains(key, StringComparer.Ordinal))
            {
                var hint = KnownKeys.FirstOrDefault(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase));
                errors.Add(new SettingError(key, hint is not null
                    ? $"Unknown vault setting '{key}'; did you mean '{hint}'? Keys are case-sensitive."
                    : $"Unknown vault setting '{key}'. Known settings: {string.Join(", ", KnownKeys)}."));
            }
        }

        var address = ReadAddress(settings, errors);
        var mount = ReadPath(settings, VaultSettingKeys.Mount, VaultOptions.DefaultMount, errors);
        var ns = Trimmed(settings, VaultSettingKeys.Namespace);
        if (settings.Get(VaultSettingKeys.Namespace) is not null && ns is null)
        {
            errors.Add(new SettingError(VaultSettingKeys.Namespace, "namespace is empty; remove it or name a Vault namespace, e.g. team-a/."));
        }

        var method = ReadMethod(settings, errors);
        var token = Alias(settings, VaultSettingKeys.AuthToken, VaultSettingKeys.Token, errors);
        var tokenFile = Alias(settings, VaultSettingKeys.AuthTokenFile, VaultSettingKeys.TokenFile, errors);
        var roleId = Trimmed(settings, VaultSettingKeys.AuthRoleId);
        var secretId = Trimmed(settings, VaultSettingKeys.AuthSecretId);
        var secretIdFile = Trimmed(settings, VaultSettingKeys.AuthSecretIdFile);
        var role = Trimmed(settings, VaultSettingKeys.AuthRole);
        var jwtPath = Trimmed(settings, VaultSettingKeys.AuthJwtPath);
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
        var timeout = ReadTimeout(settings, errors);
        var events = ReadEvents(settings, errors);

        if (errors.Count > before || address is null || method is null)
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
            Events = events,
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
            if (!double.IsFinite(seconds) || seconds < 0 || seconds > TimeSpan.MaxValue.TotalSeconds / 2)
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

            var unit = text[unitStart..i];
            double? factorMs = unit switch
            {
                "ms" => 1,
                "s" => 1000,
                "m" => 60_000,
                "h" => 3_600_000,
                _ => null,
            };
            if (factorMs is null || amount * factorMs.Value > TimeSpan.MaxValue.TotalMilliseconds / 2)
            {
                return false;
            }

            total += TimeSpan.FromMilliseconds(amount * factorMs.Value);
        }

        duration = total;
        return true;
    }

    private static Uri? ReadAddress(ProviderSettings settings, List<SettingError> errors)
    {
        var text = Trimmed(settings, VaultSettingKeys.Address);
        if (text is null)
        {
            errors.Add(new SettingError(VaultSettingKeys.Address, "address is required: Vault's URL, e.g. https://vault.internal:8200."));
            return null;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            errors.Add(new SettingError(VaultSettingKeys.Address, "address must be an absolute http:// or https:// URL, e.g. https://vault.internal:8200."));
            return null;
        }

        if (uri.UserInfo.Length > 0)
        {
            // Never echo the value: user info is a credential.
            errors.Add(new SettingError(VaultSettingKeys.Address, "address must not contain user info; configure credentials under auth."));
            return null;
        }

        if (uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            errors.Add(new SettingError(VaultSettingKeys.Address, $"address '{uri.GetLeftPart(UriPartial.Path)}' must not have a query or fragment."));
            return null;
        }

        // A trailing slash lets relative API paths append cleanly, also behind a path-prefixing proxy.
        var normalized = uri.GetLeftPart(UriPartial.Path);
        return new Uri(normalized.EndsWith('/') ? normalized : normalized + "/");
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

    private static VaultAuthMethod? ReadMethod(ProviderSettings settings, List<SettingError> errors)
    {
        var text = Trimmed(settings, VaultSettingKeys.AuthMethod);
        switch (text?.ToLowerInvariant())
        {
            case null or "token":
                return VaultAuthMethod.Token;
            case "approle":
                return VaultAuthMethod.AppRole;
            case "kubernetes":
                return VaultAuthMethod.Kubernetes;
            default:
                errors.Add(new SettingError(VaultSettingKeys.AuthMethod, $"auth.method '{text}' is not supported; use token, approle or kubernetes."));
                return null;
        }
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
                        "Token auth needs a token: set auth.tokenFile (preferred), auth.token, or the VAULT_TOKEN environment variable; or choose auth.method approle or kubernetes."));
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

                if (settings.Get(VaultSettingKeys.AuthJwtPath) is not null && Trimmed(settings, VaultSettingKeys.AuthJwtPath) is null)
                {
                    errors.Add(new SettingError(VaultSettingKeys.AuthJwtPath, $"auth.jwtPath is empty; remove it to use {VaultOptions.DefaultJwtPath}."));
                }

                break;
        }

        foreach (var fileKey in new[] { VaultSettingKeys.AuthTokenFile, VaultSettingKeys.TokenFile, VaultSettingKeys.AuthSecretIdFile })
        {
            if (settings.Get(fileKey) is not null && Trimmed(settings, fileKey) is null)
            {
                errors.Add(new SettingError(fileKey, $"{fileKey} is empty; name the file that holds the credential."));
            }
        }
    }

    private static (string? CaFile, bool Insecure, string? ServerName) ReadTls(ProviderSettings settings, Uri? address, List<SettingError> errors)
    {
        var caFile = Trimmed(settings, VaultSettingKeys.TlsCaFile);
        if (settings.Get(VaultSettingKeys.TlsCaFile) is not null && caFile is null)
        {
            errors.Add(new SettingError(VaultSettingKeys.TlsCaFile, "tls.caFile is empty; name a PEM file of CA certificates or remove it."));
        }

        var insecure = false;
        if (Trimmed(settings, VaultSettingKeys.TlsInsecureSkipVerify) is { } insecureText)
        {
            if (!bool.TryParse(insecureText, out insecure))
            {
                errors.Add(new SettingError(VaultSettingKeys.TlsInsecureSkipVerify, $"tls.insecureSkipVerify must be true or false, not '{insecureText}'."));
            }
        }

        var serverName = Trimmed(settings, VaultSettingKeys.TlsServerName);
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

    private static TimeSpan ReadTimeout(ProviderSettings settings, List<SettingError> errors)
    {
        var fallback = TimeSpan.FromSeconds(10);
        if (Trimmed(settings, VaultSettingKeys.Timeout) is not { } text)
        {
            if (settings.Get(VaultSettingKeys.Timeout) is not null)
            {
                errors.Add(new SettingError(VaultSettingKeys.Timeout, "timeout is empty; use a duration such as 10s or remove it."));
            }

            return fallback;
        }

        if (!TryParseDuration(text, out var timeout))
        {
            errors.Add(new SettingError(VaultSettingKeys.Timeout, $"timeout '{text}' is not a duration; use e.g. 10s, 500ms or 1m."));
            return fallback;
        }

        if (timeout <= TimeSpan.Zero || timeout > MaxTimeout)
        {
            errors.Add(new SettingError(VaultSettingKeys.Timeout, $"timeout '{text}' must be more than 0 and at most {MaxTimeout.TotalMinutes:0} minutes."));
            return fallback;
        }

        return timeout;
    }

    private static VaultEventsMode ReadEvents(ProviderSettings settings, List<SettingError> errors)
    {
        var text = Trimmed(settings, VaultSettingKeys.Events);
        switch (text?.ToLowerInvariant())
        {
            case null or "auto":
                return VaultEventsMode.Auto;
            case "on":
                return VaultEventsMode.On;
            case "off":
                return VaultEventsMode.Off;
            default:
                errors.Add(new SettingError(VaultSettingKeys.Events, $"events '{text}' is not supported; use auto, on or off."));
                return VaultEventsMode.Auto;
        }
    }

    private static string? Alias(ProviderSettings settings, string key, string alias, List<SettingError> errors)
    {
        var value = Trimmed(settings, key);
        var aliasValue = Trimmed(settings, alias);
        if (value is not null && aliasValue is not null)
        {
            errors.Add(new SettingError(alias, $"{alias} and {key} mean the same; set only {key}."));
        }

        return value ?? aliasValue;
    }

    private static string? Trimmed(ProviderSettings settings, string key) =>
        settings.Get(key)?.Trim() is { Length: > 0 } value ? value : null;
}
