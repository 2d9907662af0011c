using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using SecretSync.DevStack.Hosting;

namespace SecretSync.DevStack.Vault;

/// <summary>What a request path names.</summary>
internal enum RouteKind
{
    NotApi,
    Unknown,
    Health,
    EventsSubscribe,
    LookupSelf,
    RenewSelf,
    RevokeSelf,
    AppRoleLogin,
    KubernetesLogin,
    KvConfig,
    KvData,
    KvDelete,
    KvUndelete,
    KvDestroy,
    KvMetadata,
    KvSubkeys,
    KvInvalid,
}

/// <summary>A parsed request: what it names, the effective operation, the mount and key path.</summary>
/// <param name="Kind">The endpoint.</param>
/// <param name="Operation">GET, LIST, POST (for PUT too), PATCH, DELETE, HEAD, or another method as sent.</param>
/// <param name="Path">The path after <c>/v1/</c>, as policies see it.</param>
/// <param name="Mount">The KV mount, for KV routes.</param>
/// <param name="Key">The key path inside the mount, or the event type for subscriptions.</param>
internal readonly record struct VaultRoute(RouteKind Kind, string Operation, string Path, KvMount? Mount, string Key);

/// <summary>The Vault HTTP API (reference vault.md) on top of <see cref="EmulatorHost"/>.</summary>
internal sealed class VaultProtocol : IEmulatorProtocol
{
    private const long MaxRequestBytes = 32 * 1024 * 1024;
    private readonly Dictionary<string, KvMount> _mounts;
    private readonly VaultAuth _auth;
    private readonly VaultEventBus _events;
    private readonly TimeProvider _time;
    private readonly string _serverVersion;
    private readonly string _clusterId = Guid.NewGuid().ToString();
    private volatile bool _sealed;
    private volatile bool _eventsEnabled;

    public VaultProtocol(VaultEmulatorOptions options, VaultAuth auth, VaultEventBus events, IEnumerable<KvMount> mounts)
    {
        _auth = auth;
        _events = events;
        _time = options.Time;
        _serverVersion = options.ServerVersion;
        _mounts = mounts.ToDictionary(m => m.Name, StringComparer.Ordinal);
        _eventsEnabled = options.EventsEnabled;
    }

    /// <summary>The host's fault injector, set once the host runs; event sockets end when it drops streams.</summary>
    public FaultInjector? Faults { get; set; }

    public bool Sealed
    {
        get => _sealed;
        set
        {
            _sealed = value;
            if (value)
            {
                // A sealed Vault serves nothing, so open event sockets go down with it.
                Faults?.DropStreams();
            }
        }
    }

    public bool Standby { get; set; }

    public bool EventsEnabled
    {
        get => _eventsEnabled;
        set
        {
            _eventsEnabled = value;
            if (!value)
            {
                // Switching the feature off mid-run ends open subscriptions, as an upgrade to community Vault would.
                Faults?.DropStreams();
            }
        }
    }

    public string VerbOf(HttpRequest request)
    {
        var route = Parse(request);
        return (route.Kind, route.Operation) switch
        {
            (RouteKind.KvData, "GET") => "read",
            (RouteKind.KvData, "POST") => "write",
            (RouteKind.KvData, "PATCH") => "patch",
            (RouteKind.KvData, "DELETE") => "delete",
            (RouteKind.KvMetadata, "LIST") => "list",
            (RouteKind.KvMetadata, "GET") => "metadata-read",
            (RouteKind.KvMetadata, "POST" or "PATCH") => "metadata-write",
            (RouteKind.KvMetadata, "DELETE") => "metadata-delete",
            (RouteKind.KvDelete, _) => "delete",
            (RouteKind.KvUndelete, _) => "undelete",
            (RouteKind.KvDestroy, _) => "destroy",
            (RouteKind.KvSubkeys, _) => "subkeys",
            (RouteKind.KvConfig, "GET") => "config-read",
            (RouteKind.KvConfig, _) => "config-write",
            (RouteKind.AppRoleLogin or RouteKind.KubernetesLogin, _) => "login",
            (RouteKind.LookupSelf, _) => "lookup-self",
            (RouteKind.RenewSelf, _) => "renew-self",
            (RouteKind.RevokeSelf, _) => "revoke-self",
            (RouteKind.Health, _) => "health",
            (RouteKind.EventsSubscribe, _) => "events",
            _ => "other",
        };
    }

    public async Task WriteFaultAsync(HttpContext context, int statusCode, TimeSpan? retryAfter)
    {
        var path = (context.Request.Path.Value ?? "/").TrimStart('/');
        path = path.StartsWith("v1/", StringComparison.Ordinal) ? path[3..] : path;
        var message = statusCode switch
        {
            503 => "Vault is sealed",
            429 => $"request path \"{path}\": rate limit quota exceeded",
            500 => "internal error",
            _ => Reason(statusCode),
        };
        await WriteAsync(context, VaultJson.Errors(statusCode, message));
    }

    public async Task HandleAsync(HttpContext context)
    {
        var route = Parse(context.Request);
        var reply = await DispatchAsync(context, route);
        if (reply is not null)
        {
            await WriteAsync(context, reply);
        }
    }

    internal VaultRoute Parse(HttpRequest request)
    {
        var method = request.Method.ToUpperInvariant();
        if (method == "PUT")
        {
            method = "POST";
        }

        // LIST may come as the custom verb or as GET ?list=true (node-vault's noCustomHTTPVerbs sends ?list=1; §1, peers.md §2a).
        if (method == "GET" && request.Query.TryGetValue("list", out var list) && VaultJson.TryParseBool(list.ToString(), out var isList) && isList)
        {
            method = "LIST";
        }

        var raw = request.Path.Value ?? "/";
        if (!raw.StartsWith("/v1/", StringComparison.Ordinal))
        {
            return new VaultRoute(RouteKind.NotApi, method, raw, null, "");
        }

        var path = raw[4..];
        switch (path)
        {
            case "sys/health":
                return new VaultRoute(RouteKind.Health, method, path, null, "");
            case "auth/token/lookup-self":
                return new VaultRoute(RouteKind.LookupSelf, method, path, null, "");
            case "auth/token/renew-self":
                return new VaultRoute(RouteKind.RenewSelf, method, path, null, "");
            case "auth/token/revoke-self":
                return new VaultRoute(RouteKind.RevokeSelf, method, path, null, "");
            case "auth/approle/login":
                return new VaultRoute(RouteKind.AppRoleLogin, method, path, null, "");
            case "auth/kubernetes/login":
                return new VaultRoute(RouteKind.KubernetesLogin, method, path, null, "");
        }

        if (path.StartsWith("sys/events/subscribe", StringComparison.Ordinal))
        {
            var type = path.Length > "sys/events/subscribe/".Length ? path["sys/events/subscribe/".Length..] : "";
            return new VaultRoute(RouteKind.EventsSubscribe, method, path, null, type);
        }

        foreach (var mount in _mounts.Values)
        {
            if (!path.StartsWith(mount.MountPath, StringComparison.Ordinal) && path != mount.Name)
            {
                continue;
            }

            var rest = path.Length > mount.MountPath.Length ? path[mount.MountPath.Length..] : "";
            var slash = rest.IndexOf('/');
            var head = slash < 0 ? rest : rest[..slash];
            var key = slash < 0 ? "" : rest[(slash + 1)..];
            var kind = head switch
            {
                "config" when slash < 0 => RouteKind.KvConfig,
                "data" => RouteKind.KvData,
                "delete" => RouteKind.KvDelete,
                "undelete" => RouteKind.KvUndelete,
                "destroy" => RouteKind.KvDestroy,
                "metadata" => RouteKind.KvMetadata,
                "subkeys" => RouteKind.KvSubkeys,
                _ => RouteKind.KvInvalid,
            };
            return new VaultRoute(kind, method, path, mount, key);
        }

        return new VaultRoute(RouteKind.Unknown, method, path, null, "");
    }

    private async Task<Reply?> DispatchAsync(HttpContext context, VaultRoute route)
    {
        switch (route.Kind)
        {
            case RouteKind.NotApi:
                return VaultJson.NotFound();
            case RouteKind.Health:
                return Health(context.Request, route);
        }

        if (_sealed)
        {
            return VaultJson.Errors(503, "Vault is sealed");
        }

        switch (route.Kind)
        {
            case RouteKind.AppRoleLogin or RouteKind.KubernetesLogin:
                if (route.Operation != "POST")
                {
                    return VaultJson.UnsupportedOperation();
                }

                var (loginBody, loginError) = await ReadBodyAsync(context.Request);
                return loginError ?? (route.Kind == RouteKind.AppRoleLogin ? _auth.LoginAppRole(loginBody) : _auth.LoginKubernetes(loginBody));
        }

        // Every other route needs a live token first (§1, §3); Vault answers 403 before it looks at the path.
        var token = _auth.Resolve(TokenOf(context.Request));
        if (token is null)
        {
            return VaultJson.PermissionDenied();
        }

        switch (route.Kind)
        {
            case RouteKind.Unknown:
                return NoHandler(route.Path);
            case RouteKind.EventsSubscribe:
                return await SubscribeAsync(context, route, token);
            case RouteKind.LookupSelf:
                return route.Operation is "GET" or "POST"
                    ? Allowed(token, route.Path, "read") ?? _auth.LookupSelf(token)
                    : VaultJson.UnsupportedOperation();
            case RouteKind.RenewSelf:
                if (route.Operation != "POST")
                {
                    return VaultJson.UnsupportedOperation();
                }

                var (renewBody, renewError) = await ReadBodyAsync(context.Request);
                return renewError ?? Allowed(token, route.Path, "update") ?? _auth.RenewSelf(token, RenewRequest.Increment(renewBody));
            case RouteKind.RevokeSelf:
                if (route.Operation != "POST")
                {
                    return VaultJson.UnsupportedOperation();
                }

                if (Allowed(token, route.Path, "update") is { } refused)
                {
                    return refused;
                }

                _auth.Revoke(token.Id);
                return Reply.NoContent;
            default:
                return await KvAsync(context, route, token);
        }
    }

    // ---- KV v2 (§2) ------------------------------------------------------------------------------------

    private async Task<Reply> KvAsync(HttpContext context, VaultRoute route, VaultToken token)
    {
        var mount = route.Mount!;
        var key = route.Key;
        var op = route.Operation;
        if (route.Kind == RouteKind.KvInvalid)
        {
            return VaultJson.Errors(404, "Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv get' for this operation.");
        }

        // Vault requires the merge-patch content type on every PATCH before the request reaches the engine (§2).
        if (op == "PATCH" && !IsMergePatch(context.Request))
        {
            return VaultJson.Errors(415, "PATCH requires Content-Type application/merge-patch+json");
        }

        JsonElement body = default;
        if (op is "POST" or "PATCH")
        {
            var (parsed, error) = await ReadBodyAsync(context.Request);
            if (error is not null)
            {
                return error;
            }

            body = parsed;
        }

        switch (route.Kind)
        {
            case RouteKind.KvConfig:
                return op switch
                {
                    "GET" => Allowed(token, route.Path, "read") ?? mount.ReadConfig(),
                    "POST" => Allowed(token, route.Path, "update") ?? (ParseChange(body, withCustom: false, out var change) ?? mount.WriteConfig(change)),
                    _ => VaultJson.UnsupportedOperation(),
                };

            case RouteKind.KvData:
                if (key.Length == 0 || key.EndsWith('/'))
                {
                    // data/ only matches paths that do not end in a slash.
                    return op is "POST" or "GET" or "PATCH" or "DELETE" ? VaultJson.NotFound() : VaultJson.UnsupportedOperation();
                }

                switch (op)
                {
                    case "GET":
                        if (!TryQueryInt(context.Request, "version", out var version))
                        {
                            return VaultJson.Errors(400, "error converting input for field \"version\": invalid syntax");
                        }

                        return Allowed(token, route.Path, "read") ?? mount.Read(key, version);
                    case "POST":
                        if (Allowed(token, route.Path, mount.Exists(key) ? "update" : "create") is { } refused)
                        {
                            return refused;
                        }

                        if (ParseCas(body, out var cas) is { } badCas)
                        {
                            return badCas;
                        }

                        if (!TryGetProperty(body, "data", out var data) || data.ValueKind == JsonValueKind.Null)
                        {
                            return VaultJson.Errors(400, "no data provided");
                        }

                        if (data.ValueKind != JsonValueKind.Object)
                        {
                            return VaultJson.Errors(400, "error converting input for field \"data\": data must be a JSON object");
                        }

                        return mount.Write(key, VaultJson.Canonical(data), cas);
                    case "PATCH":
                        if (Allowed(token, route.Path, "patch") is { } noPatch)
                        {
                            return noPatch;
                        }

                        if (ParseCas(body, out var patchCas) is { } badPatchCas)
                        {
                            return badPatchCas;
                        }

                        if (!TryGetProperty(body, "data", out var patch) || patch.ValueKind != JsonValueKind.Object)
                        {
                            return VaultJson.Errors(400, "no data provided");
                        }

                        return mount.Patch(key, patch, patchCas);
                    case "DELETE":
                        return Allowed(token, route.Path, "delete") ?? mount.DeleteLatest(key);
                    default:
                        return VaultJson.UnsupportedOperation();
                }

            case RouteKind.KvDelete or RouteKind.KvUndelete or RouteKind.KvDestroy:
                if (op != "POST")
                {
                    return VaultJson.UnsupportedOperation();
                }

                if (Allowed(token, route.Path, "update") is { } noUpdate)
                {
                    return noUpdate;
                }

                if (ParseVersions(body, out var versions) is { } badVersions)
                {
                    return badVersions;
                }

                return route.Kind switch
                {
                    RouteKind.KvDelete => mount.DeleteVersions(key, versions),
                    RouteKind.KvUndelete => mount.Undelete(key, versions),
                    _ => mount.Destroy(key, versions),
                };

            case RouteKind.KvMetadata:
                switch (op)
                {
                    case "LIST":
                        // Vault lists folders, so policies see the path with its trailing slash.
                        return Allowed(token, route.Path.TrimEnd('/') + "/", "list") ?? mount.List(key);
                    case "GET":
                        return Allowed(token, route.Path, "read") ?? mount.ReadMetadata(key);
                    case "POST":
                        return Allowed(token, route.Path, mount.Exists(key) ? "update" : "create")
                            ?? ParseChange(body, withCustom: true, out var write)
                            ?? mount.WriteMetadata(key, write, patch: false);
                    case "PATCH":
                        return Allowed(token, route.Path, "patch")
                            ?? ParseChange(body, withCustom: true, out var metadataPatch)
                            ?? mount.WriteMetadata(key, metadataPatch, patch: true);
                    case "DELETE":
                        return Allowed(token, route.Path, "delete") ?? mount.DeleteMetadata(key);
                    default:
                        return VaultJson.UnsupportedOperation();
                }

            case RouteKind.KvSubkeys:
                if (op != "GET")
                {
                    return VaultJson.UnsupportedOperation();
                }

                if (!TryQueryInt(context.Request, "version", out var subVersion) || !TryQueryInt(context.Request, "depth", out var depth) || depth < 0)
                {
                    return VaultJson.Errors(400, "invalid version or depth");
                }

                return Allowed(token, route.Path, "read") ?? mount.Subkeys(key, subVersion, depth);

            default:
                return NoHandler(route.Path);
        }
    }

    // ---- sys/health (§4) -------------------------------------------------------------------------------

    private Reply Health(HttpRequest request, VaultRoute route)
    {
        if (route.Operation is not ("GET" or "HEAD"))
        {
            return VaultJson.UnsupportedOperation();
        }

        int? Code(string name, out Reply? error)
        {
            error = null;
            if (!request.Query.TryGetValue(name, out var text))
            {
                return null;
            }

            if (int.TryParse(text.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var code) && code is >= 100 and <= 999)
            {
                return code;
            }

            error = VaultJson.Errors(400, $"bad code value {text} for {name}");
            return null;
        }

        bool Flag(string name) => request.Query.TryGetValue(name, out var text) && (text.ToString().Length == 0 || (VaultJson.TryParseBool(text.ToString(), out var on) && on));

        var active = Code("activecode", out var e1);
        var standby = Code("standbycode", out var e2);
        var sealedCode = Code("sealedcode", out var e3);
        _ = Code("uninitcode", out var e4);
        _ = Code("drsecondarycode", out var e5);
        _ = Code("performancestandbycode", out var e6);
        if ((e1 ?? e2 ?? e3 ?? e4 ?? e5 ?? e6) is { } bad)
        {
            return bad;
        }

        var isSealed = _sealed;
        var isStandby = Standby && !isSealed;
        var status = isSealed ? sealedCode ?? 503
            : isStandby ? (Flag("standbyok") ? active ?? 200 : standby ?? 429)
            : active ?? 200;
        var body = VaultJson.Write(w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("initialized", true);
            w.WriteBoolean("sealed", isSealed);
            w.WriteBoolean("standby", isSealed || isStandby);
            w.WriteBoolean("performance_standby", false);
            w.WriteString("replication_performance_mode", isSealed ? "unknown" : "disabled");
            w.WriteString("replication_dr_mode", isSealed ? "unknown" : "disabled");
            w.WriteNumber("server_time_utc", _time.GetUtcNow().ToUnixTimeSeconds());
            w.WriteString("version", _serverVersion);
            if (!isSealed)
            {
                w.WriteString("cluster_name", "vault-cluster-devstack");
                w.WriteString("cluster_id", _clusterId);
            }

            w.WriteEndObject();
        });
        return new Reply(status, body);
    }

    // ---- events (§5) -----------------------------------------------------------------------------------

    private async Task<Reply?> SubscribeAsync(HttpContext context, VaultRoute route, VaultToken token)
    {
        if (!_eventsEnabled)
        {
            // Community Vault 1.16+ and OpenBao have no such route (§5).
            return NoHandler(route.Path);
        }

        if (route.Operation != "GET")
        {
            return VaultJson.UnsupportedOperation();
        }

        if (route.Key.Length == 0)
        {
            return VaultJson.Errors(400, "did not specify eventType to subscribe to");
        }

        if (Allowed(token, route.Path, "read") is { } refused)
        {
            return refused;
        }

        if (!(context.Request.Query.TryGetValue("json", out var json) && VaultJson.TryParseBool(json.ToString(), out var asJson) && asJson))
        {
            return VaultJson.Errors(400, "the emulator sends JSON events only: add json=true (protobuf frames are not emulated)");
        }

        if (!context.WebSockets.IsWebSocketRequest || Faults is not { } faults)
        {
            return VaultJson.Errors(400, "a WebSocket upgrade is required");
        }

        var dropped = faults.StreamsToken;
        var pattern = route.Key;
        using var subscription = _events.Subscribe(pattern, e => _auth.Allows(token, e.Path, "subscribe") || _auth.Allows(token, e.DataPath, "subscribe"));
        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(dropped, context.RequestAborted);
        var draining = DrainAsync(socket, stop);
        try
        {
            await foreach (var message in subscription.Queue.Reader.ReadAllAsync(stop.Token))
            {
                await socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
        }

        if (dropped.IsCancellationRequested)
        {
            // A dropped stream ends like a lost connection: no close handshake.
            context.Abort();
        }

        await draining;
        return null;
    }

    /// <summary>Reads and ignores what the client sends (§5); answers its close and ends the subscription.</summary>
    private static async Task DrainAsync(WebSocket socket, CancellationTokenSource stop)
    {
        var buffer = new byte[1024];
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var result = await socket.ReceiveAsync(buffer, stop.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
                    break;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
        }
        finally
        {
            await stop.CancelAsync();
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------------

    private Reply? Allowed(VaultToken token, string path, string capability) =>
        _auth.Allows(token, path, capability) ? null : VaultJson.PermissionDenied();

    private static Reply NoHandler(string path) => VaultJson.Errors(404, $"no handler for route \"{path}\". route entry not found.");

    private static string? TokenOf(HttpRequest request)
    {
        var header = request.Headers["X-Vault-Token"].ToString();
        if (header.Length > 0)
        {
            return header;
        }

        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : null;
    }

    private static bool IsMergePatch(HttpRequest request) =>
        request.ContentType is { } type && type.Split(';')[0].Trim().Equals("application/merge-patch+json", StringComparison.OrdinalIgnoreCase);

    private static async Task<(JsonElement Body, Reply? Error)> ReadBodyAsync(HttpRequest request)
    {
        if (request.ContentLength > MaxRequestBytes)
        {
            return (default, VaultJson.Errors(413, "http: request body too large"));
        }

        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        if (buffer.Length > MaxRequestBytes)
        {
            return (default, VaultJson.Errors(413, "http: request body too large"));
        }

        if (buffer.Length == 0)
        {
            return (default, null);
        }

        try
        {
            using var doc = JsonDocument.Parse(buffer.ToArray());
            return (doc.RootElement.Clone(), null);
        }
        catch (JsonException)
        {
            return (default, VaultJson.Errors(400, "error parsing JSON"));
        }
    }

    private static bool TryGetProperty(JsonElement body, string name, out JsonElement value)
    {
        value = default;
        return body.ValueKind == JsonValueKind.Object && body.TryGetProperty(name, out value);
    }

    private static bool TryQueryInt(HttpRequest request, string name, out int value)
    {
        value = 0;
        return !request.Query.TryGetValue(name, out var text) || text.ToString().Length == 0
            || int.TryParse(text.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out value);
    }

    /// <summary><c>options.cas</c> of §2; Vault decodes it weakly, so numeric strings count.</summary>
    private static Reply? ParseCas(JsonElement body, out long? cas)
    {
        cas = null;
        if (!TryGetProperty(body, "options", out var options) || options.ValueKind != JsonValueKind.Object
            || !options.TryGetProperty("cas", out var raw) || raw.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (!VaultJson.TryGetInt(raw, out var value))
        {
            return VaultJson.Errors(400, "error parsing check-and-set parameter");
        }

        cas = value;
        return null;
    }

    /// <summary>The <c>versions</c> list of delete/undelete/destroy: numbers, numeric strings, or a comma-separated string.</summary>
    private static Reply? ParseVersions(JsonElement body, out List<int> versions)
    {
        versions = [];
        if (!TryGetProperty(body, "versions", out var raw) || raw.ValueKind == JsonValueKind.Null)
        {
            return VaultJson.Errors(400, "no version number provided");
        }

        IEnumerable<JsonElement> items = raw.ValueKind == JsonValueKind.Array ? raw.EnumerateArray() : [raw];
        foreach (var item in items)
        {
            if (item.ValueKind == JsonValueKind.String && item.GetString()!.Contains(','))
            {
                foreach (var part in item.GetString()!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
                    {
                        return VaultJson.Errors(400, "error converting input for field \"versions\"");
                    }

                    versions.Add(n);
                }

                continue;
            }

            if (!VaultJson.TryGetInt(item, out var number) || number is < 0 or > int.MaxValue)
            {
                return VaultJson.Errors(400, "error converting input for field \"versions\"");
            }

            versions.Add((int)number);
        }

        return versions.Count == 0 ? VaultJson.Errors(400, "no version number provided") : null;
    }

    /// <summary>The fields of metadata writes/patches and engine config writes (§2).</summary>
    private static Reply? ParseChange(JsonElement body, bool withCustom, out MetadataChange change)
    {
        change = new MetadataChange();
        if (body.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (body.TryGetProperty("max_versions", out var max) && max.ValueKind != JsonValueKind.Null)
        {
            if (!VaultJson.TryGetInt(max, out var n) || n is < 0 or > int.MaxValue)
            {
                return VaultJson.Errors(400, "error converting input for field \"max_versions\"");
            }

            change = change with { MaxVersions = (int)n };
        }

        if (body.TryGetProperty("cas_required", out var casRequired) && casRequired.ValueKind != JsonValueKind.Null)
        {
            if (!VaultJson.TryGetBool(casRequired, out var required))
            {
                return VaultJson.Errors(400, "error converting input for field \"cas_required\"");
            }

            change = change with { CasRequired = required };
        }

        if (body.TryGetProperty("delete_version_after", out var after) && after.ValueKind != JsonValueKind.Null)
        {
            if (!GoDuration.TryParse(after, out var duration) || duration < TimeSpan.Zero)
            {
                return VaultJson.Errors(400, "error converting input for field \"delete_version_after\"");
            }

            change = change with { DeleteVersionAfter = duration };
        }

        if (withCustom && body.TryGetProperty("custom_metadata", out var custom) && custom.ValueKind != JsonValueKind.Null)
        {
            if (custom.ValueKind != JsonValueKind.Object)
            {
                return VaultJson.Errors(400, "custom_metadata validation failed: expected a map of strings");
            }

            var map = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var property in custom.EnumerateObject())
            {
                map[property.Name] = property.Value.ValueKind switch
                {
                    JsonValueKind.Null => null,
                    JsonValueKind.String => property.Value.GetString(),
                    JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => property.Value.GetRawText(),
                    _ => property.Value.GetRawText(),
                };
            }

            change = change with { CustomMetadata = map };
        }

        return null;
    }

    private static string Reason(int status) =>
        Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase.ToLowerInvariant() : "error";

    private static async Task WriteAsync(HttpContext context, Reply reply)
    {
        context.Response.StatusCode = reply.Status;
        context.Response.Headers.CacheControl = "no-store";
        // Like Go's server, a 204 or 304 (e.g. sys/health?activecode=204) carries no body.
        if (reply.Body is { } body && reply.Status is not (204 or 304))
        {
            // Exactly "application/json": hvac only reads `errors` when the header has no charset (adapters.py).
            context.Response.Headers.ContentType = VaultJson.ContentType;
            context.Response.ContentLength = body.Length;
            if (!HttpMethods.IsHead(context.Request.Method))
            {
                await context.Response.Body.WriteAsync(body, context.RequestAborted);
            }
        }
    }
}
