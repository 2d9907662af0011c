using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using SecretSync.DevStack.Hosting;

namespace SecretSync.DevStack.Azure;

/// <summary>What a request path names.</summary>
internal enum KeyVaultRouteKind
{
    Unknown,
    Secrets,
    Secret,
    Versions,
    DeletedSecrets,
    DeletedSecret,
    Recover,
}

/// <summary>A parsed request path: the endpoint, the secret name and the version (empty for "current").</summary>
internal readonly record struct KeyVaultRoute(KeyVaultRouteKind Kind, string Name, string Version);

/// <summary>The Key Vault secrets data plane (reference azure-key-vault.md) on top of <see cref="EmulatorHost"/>.</summary>
/// <remarks>
/// Every request must carry <c>Authorization: Bearer &lt;token&gt;</c>; without it the answer is the 401 challenge the
/// SDKs' Key Vault policy expects (§4, peers.md §5), after which they resend with a token.
/// </remarks>
internal sealed class KeyVaultProtocol(AzureKeyVaultEmulatorOptions options, KeyVaultStore store) : IEmulatorProtocol
{
    /// <summary>The api-versions the emulator accepts (the SDKs' <c>ServiceVersion</c> values).</summary>
    public static readonly IReadOnlySet<string> ApiVersions = new HashSet<string>(StringComparer.Ordinal)
    {
        "7.0", "7.1", "7.2", "7.3", "7.4", "7.5", "7.6", "2025-07-01", "2026-04-01",
    };

    private const int MaxPageSize = 25;
    private const long MaxBodyBytes = 32 * 1024 * 1024;

    /// <summary>The <c>WWW-Authenticate</c> challenge (§4).</summary>
    public string Challenge => $"Bearer authorization=\"https://login.microsoftonline.com/{options.TenantId}\", resource=\"https://vault.azure.net\"";

    public string VerbOf(HttpRequest request)
    {
        var route = Parse(request.Path.Value ?? "/");
        return (route.Kind, request.Method.ToUpperInvariant()) switch
        {
            (KeyVaultRouteKind.Secrets, "GET") => "list",
            (KeyVaultRouteKind.Secret, "GET") => "get",
            (KeyVaultRouteKind.Secret, "PUT") => "set",
            (KeyVaultRouteKind.Secret, "PATCH") => "update",
            (KeyVaultRouteKind.Secret, "DELETE") => "delete",
            (KeyVaultRouteKind.Versions, "GET") => "list-versions",
            (KeyVaultRouteKind.DeletedSecrets, "GET") => "list-deleted",
            (KeyVaultRouteKind.DeletedSecret, "GET") => "get-deleted",
            (KeyVaultRouteKind.DeletedSecret, "DELETE") => "purge",
            (KeyVaultRouteKind.Recover, "POST") => "recover",
            _ => "other",
        };
    }

    public Task WriteFaultAsync(HttpContext context, int statusCode, TimeSpan? retryAfter)
    {
        var reply = statusCode switch
        {
            401 => Unauthorized("AKV10000: Request is missing a Bearer or PoP token."),
            403 => KeyVaultJson.Error(403, "Forbidden",
                "The user, group or application does not have secrets get permission on key vault. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287",
                "AccessDenied"),
            // The code is unconfirmed in the reference (§3); "Throttled" is what the SDKs' samples show.
            429 => KeyVaultJson.Error(429, "Throttled", "Request was not processed because too many requests were received. Reason: A1"),
            500 => KeyVaultJson.Error(500, "InternalServerError", "An unexpected error occurred."),
            503 => KeyVaultJson.Error(503, "ServiceUnavailable", "The service is temporarily unavailable."),
            _ => KeyVaultJson.Error(statusCode, "Error", $"Injected fault {statusCode}."),
        };
        return WriteAsync(context, reply);
    }

    public async Task HandleAsync(HttpContext context)
    {
        var reply = await DispatchAsync(context);
        await WriteAsync(context, reply);
    }

    /// <summary>Splits <c>/secrets/{name}[/{version}|/versions]</c> and <c>/deletedsecrets/{name}[/recover]</c>.</summary>
    internal static KeyVaultRoute Parse(string path)
    {
        var segments = path.TrimStart('/').Split('/');
        return segments switch
        {
            ["secrets"] or ["secrets", ""] => new(KeyVaultRouteKind.Secrets, "", ""),
            ["secrets", var name] when name.Length > 0 => new(KeyVaultRouteKind.Secret, name, ""),
            // The SDKs ask for the current version with an empty version segment: /secrets/db/ (peers.md §5).
            ["secrets", var name, "versions"] when name.Length > 0 => new(KeyVaultRouteKind.Versions, name, ""),
            ["secrets", var name, var version] when name.Length > 0 => new(KeyVaultRouteKind.Secret, name, version),
            ["secrets", var name, "versions", ""] when name.Length > 0 => new(KeyVaultRouteKind.Versions, name, ""),
            ["deletedsecrets"] or ["deletedsecrets", ""] => new(KeyVaultRouteKind.DeletedSecrets, "", ""),
            ["deletedsecrets", var name] when name.Length > 0 => new(KeyVaultRouteKind.DeletedSecret, name, ""),
            ["deletedsecrets", var name, "recover"] when name.Length > 0 => new(KeyVaultRouteKind.Recover, name, ""),
            _ => new(KeyVaultRouteKind.Unknown, "", ""),
        };
    }

    /// <summary>Query parameters with their names and values percent-decoded (<c>api%2Dversion</c>, peers.md §5).</summary>
    internal static Dictionary<string, string> Query(string raw)
    {
        var query = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in raw.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=');
            var name = Decode(equals < 0 ? pair : pair[..equals]);
            var value = equals < 0 ? "" : Decode(pair[(equals + 1)..]);
            query.TryAdd(name, value);
        }

        return query;

        static string Decode(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));
    }

    private async Task<KeyVaultReply> DispatchAsync(HttpContext context)
    {
        var request = context.Request;
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.Length == 0)
        {
            // The first request of every SDK client arrives without a token and without its body (§4).
            return Unauthorized("AKV10000: Request is missing a Bearer or PoP token.");
        }

        if (!authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ||
            !string.Equals(authorization["Bearer ".Length..].Trim(), options.AccessToken, StringComparison.Ordinal))
        {
            return Unauthorized("AKV10032: Invalid issuer. The token was not issued for this vault emulator.");
        }

        var query = Query(request.QueryString.Value ?? "");
        if (!query.TryGetValue("api-version", out var apiVersion) || apiVersion.Length == 0)
        {
            return KeyVaultJson.BadParameter("The api-version query parameter is required, e.g. api-version=7.6.");
        }

        if (!ApiVersions.Contains(apiVersion))
        {
            return KeyVaultJson.BadParameter($"The specified version ({apiVersion}) is not recognized. Consider using the latest supported version (2025-07-01).");
        }

        var route = Parse(request.Path.Value ?? "/");
        var origin = $"https://{request.Host.Value}";
        var method = request.Method.ToUpperInvariant();
        switch (route.Kind, method)
        {
            case (KeyVaultRouteKind.Secrets, "GET"):
                return ListSecrets(origin, request.Path.Value!, apiVersion, query);
            case (KeyVaultRouteKind.Secret, "GET"):
                return GetSecret(origin, route);
            case (KeyVaultRouteKind.Secret, "PUT") when route.Version.Length == 0:
                return await SetSecretAsync(context, origin, route);
            case (KeyVaultRouteKind.Secret, "PATCH"):
                return await UpdateSecretAsync(context, origin, route);
            case (KeyVaultRouteKind.Secret, "DELETE") when route.Version.Length == 0:
                return DeleteSecret(origin, route.Name);
            case (KeyVaultRouteKind.Versions, "GET"):
                return ListVersions(origin, request.Path.Value!, route.Name, apiVersion, query);
            case (KeyVaultRouteKind.DeletedSecrets, "GET"):
                return ListDeleted(origin, request.Path.Value!, apiVersion, query);
            case (KeyVaultRouteKind.DeletedSecret, "GET"):
                return store.GetDeleted(route.Name) is { } deleted
                    ? KeyVaultJson.Bundle(origin, deleted.Secret.Name, deleted.Secret.Current, withValue: false, store.RecoverableDays, deleted)
                    : KeyVaultJson.DeletedSecretNotFound(route.Name);
            case (KeyVaultRouteKind.DeletedSecret, "DELETE"):
                return store.Purge(route.Name) ? KeyVaultReply.NoContent : KeyVaultJson.DeletedSecretNotFound(route.Name);
            case (KeyVaultRouteKind.Recover, "POST"):
                return store.Recover(route.Name) is { } recovered
                    ? KeyVaultJson.Bundle(origin, recovered.Name, recovered.Current, withValue: false, store.RecoverableDays)
                    : KeyVaultJson.DeletedSecretNotFound(route.Name);
            case (KeyVaultRouteKind.Unknown, _):
                return KeyVaultJson.Error(404, "NotFound", $"The requested path {request.Path.Value} does not exist.");
            default:
                return KeyVaultJson.Error(405, "MethodNotAllowed", $"The method {method} is not allowed on {request.Path.Value}.");
        }
    }

    private KeyVaultReply GetSecret(string origin, KeyVaultRoute route)
    {
        var (secret, version, _) = store.Get(route.Name, route.Version);
        if (secret is null || version is null)
        {
            return KeyVaultJson.SecretNotFound(route.Version.Length == 0 ? route.Name : $"{route.Name}/{route.Version}");
        }

        if (!version.Enabled)
        {
            // §3: a GET of a disabled version, latest or explicit.
            return KeyVaultJson.Error(403, "Forbidden", "Operation get is not allowed on a disabled secret.", "SecretDisabled");
        }

        return KeyVaultJson.Bundle(origin, secret.Name, version, withValue: true, store.RecoverableDays);
    }

    private async Task<KeyVaultReply> SetSecretAsync(HttpContext context, string origin, KeyVaultRoute route)
    {
        if (!KeyVaultStore.IsValidName(route.Name))
        {
            return NameRefused(route.Name);
        }

        var (body, error) = await ReadBodyAsync(context.Request);
        if (error is not null)
        {
            return error;
        }

        using (body)
        {
            var root = body!.RootElement;
            if (!root.TryGetProperty("value", out var valueElement) || valueElement.ValueKind != JsonValueKind.String)
            {
                return KeyVaultJson.BadParameter("The request body must contain the property 'value' as a string.");
            }

            var value = valueElement.GetString()!;
            if (options.MaxValueLength is { } max && value.Length > max)
            {
                return KeyVaultJson.BadParameter($"The secret value exceeds the maximum length of {max} characters.");
            }

            if (ReadMetadata(root, out var contentType, out var enabled, out var nbf, out var exp, out var tags) is { } bad)
            {
                return bad;
            }

            var (secret, version, refusal) = store.Set(route.Name, value, contentType, enabled, nbf, exp, tags);
            return refusal switch
            {
                StoreRefusal.None => KeyVaultJson.Bundle(origin, secret!.Name, version!, withValue: true, store.RecoverableDays),
                StoreRefusal.DeletedButRecoverable => KeyVaultJson.Error(409, "Conflict",
                    $"Secret {route.Name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.",
                    "ObjectIsDeletedButRecoverable"),
                _ => NameRefused(route.Name),
            };
        }
    }

    private async Task<KeyVaultReply> UpdateSecretAsync(HttpContext context, string origin, KeyVaultRoute route)
    {
        var (body, error) = await ReadBodyAsync(context.Request);
        if (error is not null)
        {
            return error;
        }

        using (body)
        {
            if (ReadMetadata(body!.RootElement, out var contentType, out var enabled, out var nbf, out var exp, out var tags) is { } bad)
            {
                return bad;
            }

            var root = body.RootElement;
            var (secret, version, _) = store.Update(route.Name, route.Version, v =>
            {
                if (root.TryGetProperty("contentType", out _))
                {
                    v.ContentType = contentType;
                }

                if (enabled is { } e)
                {
                    v.Enabled = e;
                }

                if (nbf is not null)
                {
                    v.NotBefore = nbf;
                }

                if (exp is not null)
                {
                    v.Expires = exp;
                }

                if (tags is not null)
                {
                    v.Tags = tags;
                }
            });
            return secret is not null && version is not null
                ? KeyVaultJson.Bundle(origin, secret.Name, version, withValue: false, store.RecoverableDays)
                : KeyVaultJson.SecretNotFound(route.Version.Length == 0 ? route.Name : $"{route.Name}/{route.Version}");
        }
    }

    private KeyVaultReply DeleteSecret(string origin, string name)
    {
        var deleted = store.Delete(name);
        return deleted is null
            ? KeyVaultJson.SecretNotFound(name)
            : KeyVaultJson.Bundle(origin, deleted.Secret.Name, deleted.Secret.Current, withValue: false, store.RecoverableDays, deleted);
    }

    private KeyVaultReply ListSecrets(string origin, string path, string apiVersion, Dictionary<string, string> query) =>
        Paged(origin, path, apiVersion, query, store.List(), (w, item) =>
            KeyVaultJson.WriteProperties(w, $"{origin}/secrets/{item.Name}", item.Current, store.RecoverableDays));

    private KeyVaultReply ListVersions(string origin, string path, string name, string apiVersion, Dictionary<string, string> query)
    {
        if (store.Versions(name) is not { } versions)
        {
            return KeyVaultJson.SecretNotFound(name);
        }

        var secretName = store.Get(name, null).Secret?.Name ?? name;
        return Paged(origin, path, apiVersion, query, versions, (w, v) =>
            KeyVaultJson.WriteProperties(w, $"{origin}/secrets/{secretName}/{v.Id}", v, store.RecoverableDays));
    }

    private KeyVaultReply ListDeleted(string origin, string path, string apiVersion, Dictionary<string, string> query) =>
        Paged(origin, path, apiVersion, query, store.ListDeleted(), (w, d) =>
        {
            KeyVaultJson.WriteProperties(w, $"{origin}/secrets/{d.Secret.Name}", d.Secret.Current, store.RecoverableDays);
            KeyVaultJson.WriteDeletion(w, origin, d.Secret.Name, d);
        });

    /// <summary>One page of <paramref name="all"/>: <c>maxresults</c> (at most 25) from the <c>$skiptoken</c> offset, with an absolute nextLink (§2).</summary>
    private KeyVaultReply Paged<T>(string origin, string path, string apiVersion, Dictionary<string, string> query, IReadOnlyList<T> all, Action<Utf8JsonWriter, T> write)
    {
        var size = options.PageSize;
        if (query.TryGetValue("maxresults", out var max))
        {
            if (!int.TryParse(max, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size is < 1 or > MaxPageSize)
            {
                return KeyVaultJson.BadParameter($"maxresults must be an integer from 1 to {MaxPageSize}.");
            }
        }

        var offset = 0;
        if (query.TryGetValue("$skiptoken", out var token) && token.Length > 0 && !TryReadSkipToken(token, out offset))
        {
            return KeyVaultJson.BadParameter("The $skiptoken is not valid.");
        }

        var page = all.Skip(offset).Take(size).ToList();
        var next = offset + page.Count;
        string? nextLink = next < all.Count
            ? $"{origin}{path}?api-version={apiVersion}&$skiptoken={SkipToken(next)}&maxresults={size.ToString(CultureInfo.InvariantCulture)}"
            : null;
        return KeyVaultJson.Page(page, nextLink, write);
    }

    private static string SkipToken(int offset) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{{\"NextMarker\":\"{offset.ToString(CultureInfo.InvariantCulture)}\"}}"))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static bool TryReadSkipToken(string token, out int offset)
    {
        offset = 0;
        try
        {
            var padded = token.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - (padded.Length % 4)) % 4);
            using var doc = JsonDocument.Parse(Convert.FromBase64String(padded));
            return doc.RootElement.TryGetProperty("NextMarker", out var marker) &&
                int.TryParse(marker.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out offset);
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException)
        {
            return false;
        }
    }

    private static KeyVaultReply? ReadMetadata(
        JsonElement root, out string? contentType, out bool? enabled, out long? nbf, out long? exp, out Dictionary<string, string>? tags)
    {
        contentType = null;
        enabled = null;
        nbf = null;
        exp = null;
        tags = null;
        if (root.TryGetProperty("contentType", out var ct) && ct.ValueKind is not JsonValueKind.Null)
        {
            if (ct.ValueKind != JsonValueKind.String)
            {
                return KeyVaultJson.BadParameter("contentType must be a string.");
            }

            contentType = ct.GetString();
        }

        if (root.TryGetProperty("attributes", out var attributes) && attributes.ValueKind == JsonValueKind.Object)
        {
            if (attributes.TryGetProperty("enabled", out var e) && e.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                enabled = e.GetBoolean();
            }

            if (attributes.TryGetProperty("nbf", out var n) && n.ValueKind == JsonValueKind.Number)
            {
                nbf = n.GetInt64();
            }

            if (attributes.TryGetProperty("exp", out var x) && x.ValueKind == JsonValueKind.Number)
            {
                exp = x.GetInt64();
            }
        }

        if (root.TryGetProperty("tags", out var t) && t.ValueKind == JsonValueKind.Object)
        {
            tags = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var tag in t.EnumerateObject())
            {
                tags[tag.Name] = tag.Value.ValueKind == JsonValueKind.String ? tag.Value.GetString()! : tag.Value.GetRawText();
            }
        }

        return null;
    }

    private static async Task<(JsonDocument? Body, KeyVaultReply? Error)> ReadBodyAsync(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        if (buffer.Length == 0)
        {
            return (null, KeyVaultJson.BadParameter("The request body is empty; a JSON object is required."));
        }

        if (buffer.Length > MaxBodyBytes)
        {
            return (null, KeyVaultJson.BadParameter("The request body is too large."));
        }

        try
        {
            var doc = JsonDocument.Parse(buffer.ToArray());
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                doc.Dispose();
                return (null, KeyVaultJson.BadParameter("The request body must be a JSON object."));
            }

            return (doc, null);
        }
        catch (JsonException)
        {
            return (null, KeyVaultJson.BadParameter("The request body is not valid JSON."));
        }
    }

    private static KeyVaultReply NameRefused(string name) =>
        KeyVaultJson.BadParameter($"The secret name '{name}' is invalid: use 1-127 characters of 0-9, a-z, A-Z and '-'.");

    private KeyVaultReply Unauthorized(string message) =>
        KeyVaultJson.Error(401, "Unauthorized", message, headers: new Dictionary<string, string> { ["WWW-Authenticate"] = Challenge });

    private async Task WriteAsync(HttpContext context, KeyVaultReply reply)
    {
        var response = context.Response;
        response.StatusCode = reply.Status;
        response.Headers.CacheControl = "no-cache";
        response.Headers["x-ms-request-id"] = Guid.NewGuid().ToString();
        response.Headers["x-ms-keyvault-service-version"] = "1.9.0.0";
        // Attribute times and Date come from the same clock, so clients can tell a settled second (adapters do).
        response.Headers.Date = options.Time.GetUtcNow().ToString("R", CultureInfo.InvariantCulture);
        if (reply.Headers is { } headers)
        {
            foreach (var (name, value) in headers)
            {
                response.Headers[name] = value;
            }
        }

        if (reply.Body is { } body && reply.Status != 204)
        {
            response.ContentType = KeyVaultJson.ContentType;
            response.ContentLength = body.Length;
            await response.Body.WriteAsync(body, context.RequestAborted);
        }
        else
        {
            response.ContentLength = 0;
        }
    }
}
