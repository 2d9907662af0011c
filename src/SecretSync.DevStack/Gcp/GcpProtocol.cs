using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using SecretSync.DevStack.Hosting;

namespace SecretSync.DevStack.Gcp;

/// <summary>What a request path names.</summary>
internal enum GcpRouteKind
{
    Unknown,
    Secrets,
    Secret,
    SecretAction,
    Versions,
    Version,
    VersionAction,
    Token,
    MetadataToken,
}

/// <summary>A parsed request path: <c>/v1/projects/{project}/secrets/{secret}/versions/{version}:{action}</c>.</summary>
internal readonly record struct GcpRoute(GcpRouteKind Kind, string Project, string Secret, string Version, string Action);

/// <summary>Secret Manager's REST v1 (gcp-secret-manager.md) plus Google's token endpoint and the metadata server's token path.</summary>
internal sealed class GcpProtocol : IEmulatorProtocol
{
    private const int MaxBodyBytes = 1024 * 1024;
    private const int MaxPageSize = 25_000;
    private static readonly string[] VersionFields = ["name", "state", "create_time"];
    private static readonly string[] SecretFields = ["name", "labels", "create_time"];

    private readonly GcpSecretManagerEmulatorOptions _options;
    private readonly GcpSecretStore _store;
    private readonly ConcurrentDictionary<string, byte> _tokens = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RSA> _serviceAccounts = new(StringComparer.Ordinal);

    public GcpProtocol(GcpSecretManagerEmulatorOptions options, GcpSecretStore store)
    {
        _options = options;
        _store = store;
        _tokens[options.AccessToken] = 0;
    }

    /// <summary>The emulator's own address, for the token URI in service-account keys.</summary>
    public Uri? BaseAddress { get; set; }

    public string IssueToken()
    {
        var token = "ya29.devstack-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(12)).ToLowerInvariant();
        _tokens[token] = 0;
        return token;
    }

    public bool RevokeToken(string token) => _tokens.TryRemove(token, out _);

    /// <summary>A service-account key file whose <c>token_uri</c> is this emulator; the token endpoint checks its JWTs' signatures.</summary>
    public string CreateServiceAccountKey(string accountId)
    {
        var rsa = RSA.Create(2048);
        var email = $"{accountId}@{_options.Project}.iam.gserviceaccount.com";
        var keyId = Convert.ToHexString(RandomNumberGenerator.GetBytes(20)).ToLowerInvariant();
        _serviceAccounts[email] = rsa;
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("type", "service_account");
            writer.WriteString("project_id", _options.Project);
            writer.WriteString("private_key_id", keyId);
            writer.WriteString("private_key", rsa.ExportPkcs8PrivateKeyPem() + "\n");
            writer.WriteString("client_email", email);
            writer.WriteString("client_id", "1" + RandomNumberGenerator.GetInt32(100_000_000, 999_999_999).ToString(CultureInfo.InvariantCulture));
            writer.WriteString("auth_uri", "https://accounts.google.com/o/oauth2/auth");
            writer.WriteString("token_uri", new Uri(BaseAddress!, "token").ToString());
            writer.WriteString("auth_provider_x509_cert_url", "https://www.googleapis.com/oauth2/v1/certs");
            writer.WriteString("universe_domain", "googleapis.com");
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public string VerbOf(HttpRequest request)
    {
        var route = Parse(request.Path.Value ?? "/");
        return (route.Kind, request.Method, route.Action) switch
        {
            (GcpRouteKind.Secrets, "GET", _) => "list-secrets",
            (GcpRouteKind.Secrets, "POST", _) => "create-secret",
            (GcpRouteKind.Secret, "GET", _) => "get-secret",
            (GcpRouteKind.Secret, "PATCH", _) => "update-secret",
            (GcpRouteKind.Secret, "DELETE", _) => "delete-secret",
            (GcpRouteKind.SecretAction, _, "addVersion") => "add-version",
            (GcpRouteKind.Versions, _, _) => "list-versions",
            (GcpRouteKind.Version, _, _) => "get-version",
            (GcpRouteKind.VersionAction, _, "access") => "access",
            (GcpRouteKind.VersionAction, _, "enable") => "enable",
            (GcpRouteKind.VersionAction, _, "disable") => "disable",
            (GcpRouteKind.VersionAction, _, "destroy") => "destroy",
            (GcpRouteKind.Token, _, _) => "token",
            (GcpRouteKind.MetadataToken, _, _) => "metadata-token",
            _ => "other",
        };
    }

    public Task WriteFaultAsync(HttpContext context, int statusCode, TimeSpan? retryAfter)
    {
        var message = statusCode switch
        {
            429 => $"Quota exceeded for quota metric 'Access requests' and limit 'Access requests per minute' of service 'secretmanager.googleapis.com' for consumer 'project_number:{_options.ProjectNumber}'.",
            403 => "Permission 'secretmanager.versions.access' denied for resource (or it may not exist).",
            401 => "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
            503 => "The service is currently unavailable.",
            500 => "Internal error encountered.",
            _ => "Injected fault.",
        };
        return GcpWire.WriteErrorAsync(context, statusCode, GcpWire.ReasonOf(statusCode), message);
    }

    public async Task HandleAsync(HttpContext context)
    {
        var route = Parse(context.Request.Path.Value ?? "/");
        try
        {
            switch (route.Kind)
            {
                case GcpRouteKind.Unknown:
                    // Google's front end answers unknown URLs with an HTML 404, not the JSON error (so it is no evidence of absence).
                    context.Response.StatusCode = 404;
                    context.Response.ContentType = "text/html; charset=UTF-8";
                    await context.Response.WriteAsync("<!DOCTYPE html><title>Error 404 (Not Found)</title><p>The requested URL was not found on this server.");
                    return;
                case GcpRouteKind.Token:
                    await HandleTokenAsync(context);
                    return;
                case GcpRouteKind.MetadataToken:
                    await HandleMetadataTokenAsync(context);
                    return;
            }

            if (!Authenticated(context.Request))
            {
                await GcpWire.WriteErrorAsync(context, 401, "UNAUTHENTICATED",
                    "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. " +
                    "See https://developers.google.com/identity/sign-in/web/devconsole-project.");
                return;
            }

            if (route.Project != _options.Project && route.Project != _options.ProjectNumber.ToString(CultureInfo.InvariantCulture))
            {
                await GcpWire.WriteErrorAsync(context, 403, "PERMISSION_DENIED",
                    $"Permission denied on resource project {route.Project} (or it may not exist).");
                return;
            }

            await DispatchAsync(context, route);
        }
        catch (GoogleApiException e)
        {
            await GcpWire.WriteErrorAsync(context, e.Code, e.Status, e.Message);
        }
    }

    internal static GcpRoute Parse(string path)
    {
        if (path == "/token")
        {
            return new GcpRoute(GcpRouteKind.Token, "", "", "", "");
        }

        if (path == "/computeMetadata/v1/instance/service-accounts/default/token")
        {
            return new GcpRoute(GcpRouteKind.MetadataToken, "", "", "", "");
        }

        var parts = path.Split('/');
        // ["", "v1", "projects", p, "secrets", s?, "versions"?, v?]
        if (parts.Length < 5 || parts[0] != "" || parts[1] != "v1" || parts[2] != "projects" || parts[3].Length == 0)
        {
            return default;
        }

        var project = parts[3];
        if (parts.Length == 5 && parts[4] == "secrets")
        {
            return new GcpRoute(GcpRouteKind.Secrets, project, "", "", "");
        }

        if (parts[4] != "secrets" || parts.Length is < 6 or > 8)
        {
            return default;
        }

        var (secret, secretAction) = SplitAction(parts[5]);
        if (parts.Length == 6)
        {
            return secret.Length == 0 ? default
                : new GcpRoute(secretAction is null ? GcpRouteKind.Secret : GcpRouteKind.SecretAction, project, secret, "", secretAction ?? "");
        }

        if (secretAction is not null || parts[6] != "versions")
        {
            return default;
        }

        if (parts.Length == 7)
        {
            return new GcpRoute(GcpRouteKind.Versions, project, secret, "", "");
        }

        var (version, action) = SplitAction(parts[7]);
        return version.Length == 0 ? default
            : new GcpRoute(action is null ? GcpRouteKind.Version : GcpRouteKind.VersionAction, project, secret, version, action ?? "");

        static (string Name, string? Action) SplitAction(string segment)
        {
            var colon = segment.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? (segment, null) : (segment[..colon], segment[(colon + 1)..]);
        }
    }

    private bool Authenticated(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && _tokens.ContainsKey(header["Bearer ".Length..].Trim());
    }

    private async Task DispatchAsync(HttpContext context, GcpRoute route)
    {
        var request = context.Request;
        var ints = EnumsAsInts(request);
        switch (route.Kind, request.Method, route.Action)
        {
            case (GcpRouteKind.Secrets, "GET", _):
                await ListSecretsAsync(context);
                break;
            case (GcpRouteKind.Secrets, "POST", _):
            {
                var id = request.Query["secretId"].ToString();
                var body = await GcpWire.ReadBodyAsync(context, MaxBodyBytes);
                var secret = _store.CreateSecret(id, GcpSecretStore.ReplicationOf(body), Map(body, "labels"), Map(body, "annotations"));
                await GcpWire.WriteJsonAsync(context, 200, w => WriteSecret(w, secret));
                break;
            }

            case (GcpRouteKind.Secret, "GET", _):
            {
                var secret = _store.GetSecret(route.Secret);
                await GcpWire.WriteJsonAsync(context, 200, w => WriteSecret(w, secret));
                break;
            }

            case (GcpRouteKind.Secret, "PATCH", _):
                await UpdateSecretAsync(context, route);
                break;
            case (GcpRouteKind.Secret, "DELETE", _):
                _store.DeleteSecret(route.Secret, request.Query["etag"].ToString());
                await GcpWire.WriteJsonAsync(context, 200, w =>
                {
                    w.WriteStartObject();
                    w.WriteEndObject();
                });
                break;
            case (GcpRouteKind.SecretAction, "POST", "addVersion"):
                await AddVersionAsync(context, route, ints);
                break;
            case (GcpRouteKind.Versions, "GET", _):
                await ListVersionsAsync(context, route, ints);
                break;
            case (GcpRouteKind.Version, "GET", _):
            {
                var (secret, version) = _store.GetVersion(route.Secret, route.Version, forAccess: false);
                await GcpWire.WriteJsonAsync(context, 200, w => WriteVersion(w, secret, version, ints));
                break;
            }

            case (GcpRouteKind.VersionAction, "GET", "access"):
            {
                var (secret, version) = _store.GetVersion(route.Secret, route.Version, forAccess: true);
                var data = version.Data ?? [];
                await GcpWire.WriteJsonAsync(context, 200, w =>
                {
                    w.WriteStartObject();
                    w.WriteString("name", _store.VersionName(secret.Id, version.Number));
                    w.WriteStartObject("payload");
                    w.WriteBase64String("data", data);
                    w.WriteString("dataCrc32c", GcpWire.Crc32C(data).ToString(CultureInfo.InvariantCulture));
                    w.WriteEndObject();
                    w.WriteEndObject();
                });
                break;
            }

            case (GcpRouteKind.VersionAction, "POST", "enable" or "disable" or "destroy"):
            {
                var body = await GcpWire.ReadBodyAsync(context, MaxBodyBytes);
                var etag = body is { } b && b.TryGetProperty("etag", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
                var state = route.Action switch
                {
                    "enable" => StoredState.Enabled,
                    "disable" => StoredState.Disabled,
                    _ => StoredState.Destroyed,
                };
                var version = _store.SetState(route.Secret, route.Version, state, etag);
                var secret = _store.GetSecret(route.Secret);
                await GcpWire.WriteJsonAsync(context, 200, w => WriteVersion(w, secret, version, ints));
                break;
            }

            case (GcpRouteKind.SecretAction or GcpRouteKind.VersionAction, _, _):
                throw GoogleApiException.NotFound($"Method not found: {route.Action}.");
            default:
                throw new GoogleApiException(405, "UNIMPLEMENTED", $"Method {request.Method} is not allowed on this resource.");
        }
    }

    private async Task ListSecretsAsync(HttpContext context)
    {
        var filter = GcpFilter.Parse(context.Request.Query["filter"].ToString(), SecretFields);
        var all = _store.ListSecrets().Where(s => filter.Matches(FieldsOf(s))).ToList();
        var (page, next) = Page(context.Request, all);
        await GcpWire.WriteJsonAsync(context, 200, w =>
        {
            w.WriteStartObject();
            if (page.Count > 0)
            {
                w.WriteStartArray("secrets");
                foreach (var secret in page)
                {
                    WriteSecret(w, secret);
                }

                w.WriteEndArray();
            }

            if (next is not null)
            {
                w.WriteString("nextPageToken", next);
            }

            w.WriteNumber("totalSize", all.Count);
            w.WriteEndObject();
        });
    }

    private async Task ListVersionsAsync(HttpContext context, GcpRoute route, bool ints)
    {
        var filter = GcpFilter.Parse(context.Request.Query["filter"].ToString(), VersionFields);
        var secret = _store.GetSecret(route.Secret);
        var all = _store.ListVersions(route.Secret).Where(v => filter.Matches(FieldsOf(secret, v))).ToList();
        var (page, next) = Page(context.Request, all);
        await GcpWire.WriteJsonAsync(context, 200, w =>
        {
            w.WriteStartObject();
            if (page.Count > 0)
            {
                w.WriteStartArray("versions");
                foreach (var version in page)
                {
                    WriteVersion(w, secret, version, ints);
                }

                w.WriteEndArray();
            }

            if (next is not null)
            {
                w.WriteString("nextPageToken", next);
            }

            w.WriteNumber("totalSize", all.Count);
            w.WriteEndObject();
        });
    }

    private async Task AddVersionAsync(HttpContext context, GcpRoute route, bool ints)
    {
        var body = await GcpWire.ReadBodyAsync(context, MaxBodyBytes)
            ?? throw GoogleApiException.InvalidArgument("Request contains an invalid argument: payload is required.");
        if (!body.TryGetProperty("payload", out var payload) || payload.ValueKind != JsonValueKind.Object)
        {
            throw GoogleApiException.InvalidArgument("Request contains an invalid argument: payload is required.");
        }

        byte[] data = [];
        if (payload.TryGetProperty("data", out var encoded))
        {
            if (encoded.ValueKind != JsonValueKind.String || !TryBase64(encoded.GetString()!, out data))
            {
                throw GoogleApiException.InvalidArgument("Invalid value at 'payload.data' (TYPE_BYTES): not valid base64.");
            }
        }

        long? crc = null;
        if (payload.TryGetProperty("dataCrc32c", out var sent))
        {
            crc = sent.ValueKind switch
            {
                JsonValueKind.String when long.TryParse(sent.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) => n,
                JsonValueKind.Number when sent.TryGetInt64(out var n) => n,
                _ => throw GoogleApiException.InvalidArgument("Invalid value at 'payload.data_crc32c' (TYPE_INT64)."),
            };
        }

        var version = _store.AddVersion(route.Secret, data, crc);
        var secret = _store.GetSecret(route.Secret);
        await GcpWire.WriteJsonAsync(context, 200, w => WriteVersion(w, secret, version, ints));
    }

    private async Task UpdateSecretAsync(HttpContext context, GcpRoute route)
    {
        var mask = context.Request.Query["updateMask"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (mask.Length == 0)
        {
            throw GoogleApiException.InvalidArgument("updateMask is required.");
        }

        var unknown = mask.FirstOrDefault(m => m is not ("labels" or "annotations" or "version_aliases" or "versionAliases"));
        if (unknown is not null)
        {
            throw GoogleApiException.InvalidArgument($"The update_mask path [{unknown}] is not supported by this emulator.");
        }

        var body = await GcpWire.ReadBodyAsync(context, MaxBodyBytes) ?? throw GoogleApiException.InvalidArgument("A Secret body is required.");
        var etag = body.TryGetProperty("etag", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
        var secret = _store.UpdateSecret(route.Secret, etag, s =>
        {
            foreach (var field in mask)
            {
                switch (field)
                {
                    case "labels":
                        s.Labels = new Dictionary<string, string>(Map(body, "labels") ?? new Dictionary<string, string>(), StringComparer.Ordinal);
                        break;
                    case "annotations":
                        s.Annotations = new Dictionary<string, string>(Map(body, "annotations") ?? new Dictionary<string, string>(), StringComparer.Ordinal);
                        break;
                    default:
                        s.Aliases = (Map(body, "versionAliases") ?? new Dictionary<string, string>())
                            .ToDictionary(p => p.Key, p => long.TryParse(p.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                                ? n
                                : throw GoogleApiException.InvalidArgument($"Alias [{p.Key}] must name a version number."), StringComparer.Ordinal);
                        break;
                }
            }
        });
        await GcpWire.WriteJsonAsync(context, 200, w => WriteSecret(w, secret));
    }

    private static (List<T> Page, string? Next) Page<T>(HttpRequest request, List<T> all)
    {
        var size = MaxPageSize;
        var sizeText = request.Query["pageSize"].ToString();
        if (sizeText.Length > 0)
        {
            if (!int.TryParse(sizeText, NumberStyles.None, CultureInfo.InvariantCulture, out size))
            {
                throw GoogleApiException.InvalidArgument($"Invalid value at 'page_size' (TYPE_INT32), \"{sizeText}\".");
            }

            size = size is 0 or > MaxPageSize ? MaxPageSize : size;
        }

        var offset = 0;
        var token = request.Query["pageToken"].ToString();
        if (token.Length > 0)
        {
            if (!TryBase64(token, out var raw) || !int.TryParse(Encoding.ASCII.GetString(raw).Replace("offset:", "", StringComparison.Ordinal), NumberStyles.None,
                    CultureInfo.InvariantCulture, out offset) || offset > all.Count)
            {
                throw GoogleApiException.InvalidArgument("The page token is invalid.");
            }
        }

        var page = all.Skip(offset).Take(size).ToList();
        var next = offset + page.Count < all.Count
            ? Convert.ToBase64String(Encoding.ASCII.GetBytes($"offset:{(offset + page.Count).ToString(CultureInfo.InvariantCulture)}"))
            : null;
        return (page, next);
    }

    private async Task HandleTokenAsync(HttpContext context)
    {
        if (context.Request.Method != "POST" || !context.Request.HasFormContentType)
        {
            await TokenErrorAsync(context, "invalid_request", "Token requests are form-encoded POSTs.");
            return;
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        if (form["grant_type"] != "urn:ietf:params:oauth:grant-type:jwt-bearer")
        {
            await TokenErrorAsync(context, "unsupported_grant_type", "Invalid grant_type.");
            return;
        }

        var parts = form["assertion"].ToString().Split('.');
        if (parts.Length != 3 || !TryBase64Url(parts[1], out var claimsBytes) || !TryBase64Url(parts[2], out var signature))
        {
            await TokenErrorAsync(context, "invalid_grant", "Invalid JWT: Token must be a short-lived token and in a reasonable timeframe.");
            return;
        }

        using var claims = JsonDocument.Parse(claimsBytes);
        var issuer = claims.RootElement.TryGetProperty("iss", out var iss) ? iss.GetString() ?? "" : "";
        var scope = claims.RootElement.TryGetProperty("scope", out var s) ? s.GetString() ?? "" : "";
        var expires = claims.RootElement.TryGetProperty("exp", out var exp) && exp.TryGetInt64(out var e) ? e : 0;
        if (!_serviceAccounts.TryGetValue(issuer, out var key) ||
            !key.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
        {
            await TokenErrorAsync(context, "invalid_grant", "Invalid JWT Signature.");
            return;
        }

        if (expires < _options.Time.GetUtcNow().ToUnixTimeSeconds())
        {
            await TokenErrorAsync(context, "invalid_grant", "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.");
            return;
        }

        if (!scope.Split(' ').Contains("https://www.googleapis.com/auth/cloud-platform"))
        {
            await TokenErrorAsync(context, "invalid_scope", "Invalid OAuth scope or ID token audience provided.");
            return;
        }

        await WriteTokenAsync(context);
    }

    private async Task HandleMetadataTokenAsync(HttpContext context)
    {
        // The metadata server refuses requests without the header, as a guard against SSRF.
        if (context.Request.Headers["Metadata-Flavor"] != "Google")
        {
            context.Response.StatusCode = 403;
            context.Response.ContentType = "text/html";
            await context.Response.WriteAsync("Missing required header: Metadata-Flavor");
            return;
        }

        context.Response.Headers["Metadata-Flavor"] = "Google";
        await WriteTokenAsync(context);
    }

    private Task WriteTokenAsync(HttpContext context)
    {
        var token = IssueToken();
        return GcpWire.WriteJsonAsync(context, 200, w =>
        {
            w.WriteStartObject();
            w.WriteString("access_token", token);
            w.WriteNumber("expires_in", 3599);
            w.WriteString("token_type", "Bearer");
            w.WriteEndObject();
        });
    }

    private static Task TokenErrorAsync(HttpContext context, string error, string description) =>
        GcpWire.WriteJsonAsync(context, 400, w =>
        {
            w.WriteStartObject();
            w.WriteString("error", error);
            w.WriteString("error_description", description);
            w.WriteEndObject();
        });

    private void WriteSecret(Utf8JsonWriter w, StoredSecret secret)
    {
        w.WriteStartObject();
        w.WriteString("name", _store.SecretName(secret.Id));
        w.WritePropertyName("replication");
        using (var replication = JsonDocument.Parse(secret.ReplicationJson))
        {
            replication.RootElement.WriteTo(w);
        }

        w.WriteString("createTime", GcpWire.Time(secret.CreateTime));
        WriteMap(w, "labels", secret.Labels);
        WriteMap(w, "annotations", secret.Annotations);
        if (secret.Aliases.Count > 0)
        {
            WriteMap(w, "versionAliases", secret.Aliases.ToDictionary(p => p.Key, p => p.Value.ToString(CultureInfo.InvariantCulture)));
        }

        w.WriteString("etag", GcpWire.Etag(secret.Generation));
        w.WriteEndObject();
    }

    private void WriteVersion(Utf8JsonWriter w, StoredSecret secret, StoredVersion version, bool enumsAsInts)
    {
        w.WriteStartObject();
        w.WriteString("name", _store.VersionName(secret.Id, version.Number));
        w.WriteString("createTime", GcpWire.Time(version.CreateTime));
        if (version.DestroyTime is { } destroyed)
        {
            w.WriteString("destroyTime", GcpWire.Time(destroyed));
        }

        if (enumsAsInts)
        {
            w.WriteNumber("state", (int)version.State);
        }
        else
        {
            w.WriteString("state", version.State.ToString().ToUpperInvariant());
        }

        w.WriteStartObject("replicationStatus");
        w.WriteStartObject("automatic");
        w.WriteEndObject();
        w.WriteEndObject();
        w.WriteString("etag", GcpWire.Etag(version.Generation));
        w.WriteBoolean("clientSpecifiedPayloadChecksum", version.ClientSpecifiedChecksum);
        w.WriteEndObject();
    }

    private static void WriteMap(Utf8JsonWriter w, string name, IReadOnlyDictionary<string, string> map)
    {
        if (map.Count == 0)
        {
            return;
        }

        w.WriteStartObject(name);
        foreach (var (key, value) in map.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            w.WriteString(key, value);
        }

        w.WriteEndObject();
    }

    private static Dictionary<string, string>? Map(JsonElement? body, string name)
    {
        if (body is not { } element || !element.TryGetProperty(name, out var map) || map.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        return map.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText(), StringComparer.Ordinal);
    }

    private Dictionary<string, string> FieldsOf(StoredSecret secret)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["name"] = _store.SecretName(secret.Id),
            ["create_time"] = GcpWire.Time(secret.CreateTime),
        };
        foreach (var (key, value) in secret.Labels)
        {
            fields["labels." + key] = value;
        }

        return fields;
    }

    private Dictionary<string, string> FieldsOf(StoredSecret secret, StoredVersion version) => new(StringComparer.Ordinal)
    {
        ["name"] = _store.VersionName(secret.Id, version.Number),
        ["state"] = version.State.ToString().ToUpperInvariant(),
        ["create_time"] = GcpWire.Time(version.CreateTime),
    };

    /// <summary>The Node client asks for <c>$alt=json;enum-encoding=int</c>; gcloud sends <c>alt=json</c> (peers.md §4).</summary>
    private static bool EnumsAsInts(HttpRequest request)
    {
        var alt = request.Query["$alt"].ToString() + ";" + request.Query["alt"].ToString();
        return alt.Contains("enum-encoding=int", StringComparison.OrdinalIgnoreCase);
    }

    private static bool TryBase64(string text, out byte[] bytes)
    {
        // proto3 JSON accepts standard and URL-safe base64, padded or not.
        var normalized = text.Replace('-', '+').Replace('_', '/');
        normalized = normalized.PadRight(normalized.Length + ((4 - (normalized.Length % 4)) % 4), '=');
        bytes = [];
        try
        {
            bytes = Convert.FromBase64String(normalized);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static bool TryBase64Url(string text, out byte[] bytes) => TryBase64(text, out bytes);
}
