using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace SecretSync.DevStack.Vault;

/// <summary>A Vault token and what it may do (reference vault.md §3).</summary>
internal sealed class VaultToken
{
    public required string Id { get; init; }

    public required string Accessor { get; init; }

    /// <summary>Sorted, as Vault reports them; <c>root</c> alone for the root token.</summary>
    public required IReadOnlyList<string> Policies { get; init; }

    public required DateTimeOffset IssueTime { get; init; }

    /// <summary>The TTL the token was created with; zero for a token that never expires.</summary>
    public required TimeSpan CreationTtl { get; init; }

    public DateTimeOffset? ExpireTime { get; set; }

    public required DateTimeOffset MaxExpireTime { get; init; }

    public required bool Renewable { get; init; }

    public required string Path { get; init; }

    public required string DisplayName { get; init; }

    public IReadOnlyDictionary<string, string>? Meta { get; init; }

    public required bool Orphan { get; init; }

    public string EntityId { get; init; } = "";

    public bool IsRoot => Policies.Contains("root");

    public bool IsExpired(DateTimeOffset now) => ExpireTime is { } expire && expire <= now;
}

/// <summary>Tokens, ACL policies, and the AppRole and Kubernetes auth methods.</summary>
internal sealed class VaultAuth
{
    private static readonly HashSet<string> KnownCapabilities = new(StringComparer.Ordinal)
    {
        "create", "read", "update", "patch", "delete", "list", "subscribe", "sudo", "deny",
    };

    private readonly Lock _gate = new();
    private readonly Dictionary<string, VaultToken> _tokens = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PolicyRule[]> _policies = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AppRole> _appRolesById = new(StringComparer.Ordinal);
    private readonly Dictionary<string, KubernetesRole> _kubernetesRoles = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _serviceAccountUids = new(StringComparer.Ordinal);
    private readonly byte[] _jwtKey = RandomNumberGenerator.GetBytes(32);
    private readonly TimeProvider _time;
    private readonly TimeSpan _maxTtl;

    public VaultAuth(string rootToken, TimeProvider time, TimeSpan maxTtl)
    {
        _time = time;
        _maxTtl = maxTtl;
        var now = time.GetUtcNow();
        _tokens[rootToken] = new VaultToken
        {
            Id = rootToken, Accessor = NewAccessor(), Policies = ["root"], IssueTime = now, CreationTtl = TimeSpan.Zero,
            MaxExpireTime = DateTimeOffset.MaxValue, Renewable = false, Path = "auth/token/root", DisplayName = "root", Orphan = true,
        };

        // Vault attaches the built-in default policy to every token; it lets a token look itself up, renew and revoke itself.
        _policies["default"] =
        [
            new("auth/token/lookup-self", ["read"]),
            new("auth/token/renew-self", ["update"]),
            new("auth/token/revoke-self", ["update"]),
        ];
    }

    // ---- tokens ----------------------------------------------------------------------------------------

    /// <summary>The live token with this id, or null when unknown, revoked or expired (then a request gets 403, §3).</summary>
    public VaultToken? Resolve(string? id)
    {
        if (string.IsNullOrEmpty(id))
        {
            return null;
        }

        lock (_gate)
        {
            if (!_tokens.TryGetValue(id, out var token))
            {
                return null;
            }

            if (token.IsExpired(_time.GetUtcNow()))
            {
                _tokens.Remove(id);
                return null;
            }

            return token;
        }
    }

    public VaultToken Create(
        IEnumerable<string> policies, TimeSpan? ttl, bool renewable, string path, string displayName,
        IReadOnlyDictionary<string, string>? meta, bool orphan, string entityId = "")
    {
        if (ttl is { } t && t <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ttl), ttl, "A token TTL must be positive; pass null for a token that never expires.");
        }

        var now = _time.GetUtcNow();
        var names = policies.ToList();
        var sorted = names.Contains("root") ? (IReadOnlyList<string>)["root"] : [.. names.Append("default").Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        var maxExpire = ttl is null ? DateTimeOffset.MaxValue : now + _maxTtl;
        var token = new VaultToken
        {
            Id = "hvs." + RandomString(24), Accessor = NewAccessor(), Policies = sorted, IssueTime = now,
            CreationTtl = ttl ?? TimeSpan.Zero, ExpireTime = ttl is { } life ? Min(now + life, maxExpire) : null, MaxExpireTime = maxExpire,
            Renewable = renewable && ttl is not null, Path = path, DisplayName = displayName, Meta = meta, Orphan = orphan, EntityId = entityId,
        };
        lock (_gate)
        {
            _tokens[token.Id] = token;
        }

        return token;
    }

    public bool Revoke(string id)
    {
        lock (_gate)
        {
            return _tokens.Remove(id);
        }
    }

    /// <summary>§3 lookup-self: <c>data</c> with the fields the reference lists; <c>ttl</c> counts down on the emulator's clock.</summary>
    public Reply LookupSelf(VaultToken token)
    {
        var now = _time.GetUtcNow();
        return VaultJson.Envelope(200, w =>
        {
            w.WriteStartObject();
            w.WriteString("accessor", token.Accessor);
            w.WriteNumber("creation_time", token.IssueTime.ToUnixTimeSeconds());
            w.WriteNumber("creation_ttl", (long)token.CreationTtl.TotalSeconds);
            w.WriteString("display_name", token.DisplayName);
            w.WriteString("entity_id", token.EntityId);
            if (token.ExpireTime is { } expire)
            {
                w.WriteString("expire_time", VaultJson.Time(expire));
            }
            else
            {
                w.WriteNull("expire_time");
            }

            w.WriteNumber("explicit_max_ttl", 0);
            w.WriteString("id", token.Id);
            w.WriteString("issue_time", VaultJson.Time(token.IssueTime));
            WriteMeta(w, "meta", token.Meta);
            w.WriteNumber("num_uses", 0);
            w.WriteBoolean("orphan", token.Orphan);
            w.WriteString("path", token.Path);
            WriteStrings(w, "policies", token.Policies);
            w.WriteBoolean("renewable", token.Renewable);
            w.WriteNumber("ttl", token.ExpireTime is { } e ? Math.Max(0, (long)(e - now).TotalSeconds) : 0);
            w.WriteString("type", "service");
            w.WriteEndObject();
        }, mountType: "token");
    }

    /// <summary>§3 renew-self: a new TTL of <paramref name="increment"/> (or the creation TTL) from now, capped at the max TTL.</summary>
    public Reply RenewSelf(VaultToken token, TimeSpan? increment)
    {
        if (!token.Renewable || token.ExpireTime is null)
        {
            return VaultJson.Errors(400, "lease is not renewable");
        }

        var now = _time.GetUtcNow();
        var wanted = increment is { } i && i > TimeSpan.Zero ? i : token.CreationTtl;
        var expire = now + wanted;
        List<string>? warnings = null;
        if (expire > token.MaxExpireTime)
        {
            expire = token.MaxExpireTime;
            warnings = [$"TTL of \"{GoDuration.Format(wanted)}\" exceeded the effective max_ttl of \"{GoDuration.Format(expire - now)}\"; TTL value is capped accordingly"];
        }

        lock (_gate)
        {
            token.ExpireTime = expire;
        }

        return VaultJson.Envelope(200, null, w => WriteAuth(w, token, now), warnings, mountType: "token");
    }

    // ---- policies --------------------------------------------------------------------------------------

    public void SetPolicy(string name, IEnumerable<(string PathPrefix, string[] Capabilities)> rules)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (name == "root")
        {
            throw new ArgumentException("The root policy is built in and cannot be changed.", nameof(name));
        }

        var parsed = new List<PolicyRule>();
        foreach (var (prefix, capabilities) in rules)
        {
            ArgumentNullException.ThrowIfNull(prefix);
            var unknown = capabilities.FirstOrDefault(c => !KnownCapabilities.Contains(c));
            if (unknown is not null)
            {
                throw new ArgumentException($"Unknown capability '{unknown}'; known: {string.Join(", ", KnownCapabilities)}.", nameof(rules));
            }

            // A trailing glob means "this prefix", which is how every rule here is read anyway.
            parsed.Add(new PolicyRule(prefix.TrimStart('/').TrimEnd('*'), [.. capabilities]));
        }

        lock (_gate)
        {
            _policies[name] = [.. parsed];
        }
    }

    /// <summary>Whether the token holds <paramref name="capability"/> on <paramref name="path"/>: the longest matching prefix across its policies decides, and <c>deny</c> wins there.</summary>
    public bool Allows(VaultToken token, string path, string capability)
    {
        if (token.IsRoot)
        {
            return true;
        }

        lock (_gate)
        {
            var best = -1;
            var capabilities = new HashSet<string>(StringComparer.Ordinal);
            foreach (var policy in token.Policies)
            {
                if (!_policies.TryGetValue(policy, out var rules))
                {
                    continue;
                }

                foreach (var rule in rules)
                {
                    if (!path.StartsWith(rule.Prefix, StringComparison.Ordinal) || rule.Prefix.Length < best)
                    {
                        continue;
                    }

                    if (rule.Prefix.Length > best)
                    {
                        best = rule.Prefix.Length;
                        capabilities.Clear();
                    }

                    capabilities.UnionWith(rule.Capabilities);
                }
            }

            return !capabilities.Contains("deny") && capabilities.Contains(capability);
        }
    }

    // ---- AppRole ---------------------------------------------------------------------------------------

    public (string RoleId, string SecretId) AddAppRole(string role, IEnumerable<string> policies, TimeSpan ttl)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(role);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);
        var appRole = new AppRole(role, Guid.NewGuid().ToString(), Guid.NewGuid().ToString(), [.. policies], ttl);
        lock (_gate)
        {
            _appRolesById[appRole.RoleId] = appRole;
        }

        return (appRole.RoleId, appRole.SecretId);
    }

    /// <summary>§3 AppRole login: <c>role_id</c> and <c>secret_id</c> in, the <c>auth</c> block out.</summary>
    public Reply LoginAppRole(JsonElement body)
    {
        var roleId = StringField(body, "role_id");
        var secretId = StringField(body, "secret_id");
        if (string.IsNullOrEmpty(roleId))
        {
            return VaultJson.Errors(400, "missing role_id");
        }

        AppRole? role;
        lock (_gate)
        {
            _appRolesById.TryGetValue(roleId, out role);
        }

        if (role is null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(secretId ?? ""), Encoding.UTF8.GetBytes(role.SecretId)))
        {
            return VaultJson.Errors(400, "invalid role or secret ID");
        }

        var meta = new Dictionary<string, string>(StringComparer.Ordinal) { ["role_name"] = role.Name };
        var token = Create(role.Policies, role.Ttl, renewable: true, "auth/approle/login", "approle", meta, orphan: true, entityId: EntityFor("approle/" + role.Name));
        return VaultJson.Envelope(200, null, w => WriteAuth(w, token, token.IssueTime), mountType: "approle");
    }

    // ---- Kubernetes ------------------------------------------------------------------------------------

    public string AddKubernetesRole(string role, string serviceAccount, string @namespace, IEnumerable<string> policies, TimeSpan ttl)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(role);
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceAccount);
        ArgumentException.ThrowIfNullOrWhiteSpace(@namespace);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);
        lock (_gate)
        {
            _kubernetesRoles[role] = new KubernetesRole(role, serviceAccount, @namespace, [.. policies], ttl);
        }

        return IssueServiceAccountJwt(serviceAccount, @namespace);
    }

    /// <summary>A JWT shaped like a legacy service-account token, signed with this emulator's key so login can recognise it.</summary>
    public string IssueServiceAccountJwt(string serviceAccount, string @namespace)
    {
        string uid;
        lock (_gate)
        {
            var name = @namespace + "/" + serviceAccount;
            if (!_serviceAccountUids.TryGetValue(name, out uid!))
            {
                _serviceAccountUids[name] = uid = Guid.NewGuid().ToString();
            }
        }

        var header = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["alg"] = "HS256", ["kid"] = "secretsync-devstack", ["typ"] = "JWT" }));
        var payload = Base64Url(JsonSerializer.SerializeToUtf8Bytes(new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["iss"] = "kubernetes/serviceaccount",
            ["kubernetes.io/serviceaccount/namespace"] = @namespace,
            ["kubernetes.io/serviceaccount/secret.name"] = serviceAccount + "-token-" + uid[..5],
            ["kubernetes.io/serviceaccount/service-account.name"] = serviceAccount,
            ["kubernetes.io/serviceaccount/service-account.uid"] = uid,
            ["sub"] = $"system:serviceaccount:{@namespace}:{serviceAccount}",
        }));
        var signature = Base64Url(HMACSHA256.HashData(_jwtKey, Encoding.ASCII.GetBytes(header + "." + payload)));
        return $"{header}.{payload}.{signature}";
    }

    /// <summary>§3 Kubernetes login: <c>role</c> and <c>jwt</c> in; the service account must be the role's bound one.</summary>
    public Reply LoginKubernetes(JsonElement body)
    {
        var roleName = StringField(body, "role");
        var jwt = StringField(body, "jwt");
        if (string.IsNullOrEmpty(roleName))
        {
            return VaultJson.Errors(400, "missing role");
        }

        if (string.IsNullOrEmpty(jwt))
        {
            return VaultJson.Errors(400, "missing jwt");
        }

        KubernetesRole? role;
        lock (_gate)
        {
            _kubernetesRoles.TryGetValue(roleName, out role);
        }

        if (role is null)
        {
            return VaultJson.Errors(400, $"invalid role name \"{roleName}\"");
        }

        if (ReadJwt(jwt) is not { } claims)
        {
            return VaultJson.PermissionDenied();
        }

        claims.TryGetValue("kubernetes.io/serviceaccount/service-account.name", out var serviceAccount);
        claims.TryGetValue("kubernetes.io/serviceaccount/namespace", out var ns);
        if (role.ServiceAccount != "*" && role.ServiceAccount != serviceAccount)
        {
            return VaultJson.Errors(403, "service account name not authorized");
        }

        if (role.Namespace != "*" && role.Namespace != ns)
        {
            return VaultJson.Errors(403, "namespace not authorized");
        }

        var meta = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["role"] = role.Name,
            ["service_account_name"] = serviceAccount ?? "",
            ["service_account_namespace"] = ns ?? "",
            ["service_account_secret_name"] = claims.GetValueOrDefault("kubernetes.io/serviceaccount/secret.name") ?? "",
            ["service_account_uid"] = claims.GetValueOrDefault("kubernetes.io/serviceaccount/service-account.uid") ?? "",
        };
        var token = Create(role.Policies, role.Ttl, renewable: true, "auth/kubernetes/login", $"kubernetes-{ns}-{serviceAccount}", meta,
            orphan: true, entityId: EntityFor($"kubernetes/{ns}/{serviceAccount}"));
        return VaultJson.Envelope(200, null, w => WriteAuth(w, token, token.IssueTime), mountType: "kubernetes");
    }

    // ---- shapes ----------------------------------------------------------------------------------------

    /// <summary>The <c>auth</c> block of §3: <c>lease_duration</c> is the token's TTL in seconds.</summary>
    private static void WriteAuth(Utf8JsonWriter w, VaultToken token, DateTimeOffset now)
    {
        w.WriteStartObject();
        w.WriteString("client_token", token.Id);
        w.WriteString("accessor", token.Accessor);
        WriteStrings(w, "policies", token.Policies);
        WriteStrings(w, "token_policies", token.Policies);
        WriteMeta(w, "metadata", token.Meta);
        w.WriteNumber("lease_duration", token.ExpireTime is { } e ? Math.Max(0, (long)(e - now).TotalSeconds) : 0);
        w.WriteBoolean("renewable", token.Renewable);
        w.WriteString("entity_id", token.EntityId);
        w.WriteString("token_type", "service");
        w.WriteBoolean("orphan", token.Orphan);
        w.WriteNull("mfa_requirement");
        w.WriteNumber("num_uses", 0);
        w.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var value in values)
        {
            w.WriteStringValue(value);
        }

        w.WriteEndArray();
    }

    private static void WriteMeta(Utf8JsonWriter w, string name, IReadOnlyDictionary<string, string>? meta)
    {
        if (meta is null)
        {
            w.WriteNull(name);
            return;
        }

        w.WriteStartObject(name);
        foreach (var (key, value) in meta.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            w.WriteString(key, value);
        }

        w.WriteEndObject();
    }

    private Dictionary<string, string>? ReadJwt(string jwt)
    {
        var parts = jwt.Split('.');
        if (parts.Length != 3)
        {
            return null;
        }

        var expected = HMACSHA256.HashData(_jwtKey, Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]));
        try
        {
            if (!CryptographicOperations.FixedTimeEquals(expected, FromBase64Url(parts[2])))
            {
                return null;
            }

            return JsonSerializer.Deserialize<Dictionary<string, string>>(FromBase64Url(parts[1]));
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return null;
        }
    }

    private string EntityFor(string alias)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(alias + Convert.ToBase64String(_jwtKey)));
        return new Guid(hash.AsSpan(0, 16)).ToString();
    }

    private static string? StringField(JsonElement body, string name) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static string NewAccessor() => RandomString(24);

    private static string RandomString(int length)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        return RandomNumberGenerator.GetString(alphabet, length);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        padded += (padded.Length % 4) switch { 2 => "==", 3 => "=", _ => "" };
        return Convert.FromBase64String(padded);
    }

    private sealed record PolicyRule(string Prefix, HashSet<string> Capabilities);

    private sealed record AppRole(string Name, string RoleId, string SecretId, IReadOnlyList<string> Policies, TimeSpan Ttl);

    private sealed record KubernetesRole(string Name, string ServiceAccount, string Namespace, IReadOnlyList<string> Policies, TimeSpan Ttl);
}

/// <summary>Parses the <c>increment</c> of a renew-self body (§3).</summary>
internal static class RenewRequest
{
    public static TimeSpan? Increment(JsonElement body) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty("increment", out var value) && GoDuration.TryParse(value, out var increment)
            ? increment
            : null;
}
