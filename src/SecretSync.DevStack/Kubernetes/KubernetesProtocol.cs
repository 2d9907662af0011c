using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using SecretSync.DevStack.Hosting;

namespace SecretSync.DevStack;

/// <summary>The Kubernetes REST surface on top of <see cref="ObjectStore"/>: routing, auth, verbs, watch streams and discovery.</summary>
internal sealed class KubernetesProtocol(ObjectStore store, KubernetesEmulatorOptions options) : IEmulatorProtocol
{
    private const string RouteKey = "secretsync.kubernetes.route";
    private static readonly byte[] Newline = "\n"u8.ToArray();
    private static readonly string FlowSchemaUid = Guid.NewGuid().ToString();
    private static readonly string PriorityLevelUid = Guid.NewGuid().ToString();
    private volatile string? _bearerToken = options.BearerToken;
    private volatile IReadOnlyList<KubernetesDenyRule> _denyRules = options.DenyRules;

    public string? BearerToken
    {
        get => _bearerToken;
        set => _bearerToken = value;
    }

    public IReadOnlyList<KubernetesDenyRule> DenyRules
    {
        get => _denyRules;
        set => _denyRules = value;
    }

    /// <summary>Set once the host is up; watches end when its streams are dropped.</summary>
    public FaultInjector? Faults { get; set; }

    public string VerbOf(HttpRequest request) => RouteOf(request).Verb;

    public Task WriteFaultAsync(HttpContext context, int statusCode, TimeSpan? retryAfter)
    {
        var (reason, message) = statusCode switch
        {
            400 => ("BadRequest", "the server rejected our request for an unknown reason"),
            401 => ("Unauthorized", "Unauthorized"),
            403 => ("Forbidden", "forbidden: injected fault"),
            404 => ("NotFound", "the server could not find the requested resource"),
            409 => ("Conflict", "the object has been modified; please apply your changes to the latest version and try again"),
            410 => ("Expired", "too old resource version"),
            429 => ("TooManyRequests", "Too many requests, please try again later."),
            500 => ("InternalError", "Internal error occurred: injected fault"),
            503 => ("ServiceUnavailable", "The server is currently unable to handle the request"),
            504 => ("Timeout", "The request did not complete in time"),
            _ => ("", $"the server responded with the status code {statusCode} but did not return more information"),
        };
        JsonObject? details = null;
        if (retryAfter is { } wait)
        {
            details = new JsonObject { ["retryAfterSeconds"] = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) };
        }

        return WriteJsonAsync(context, statusCode, KubernetesApiException.Status(statusCode, reason, message, details));
    }

    public async Task HandleAsync(HttpContext context)
    {
        ObjectStore.Client.Value = context.Request.Headers.UserAgent.ToString();
        var route = RouteOf(context.Request);
        var headers = context.Response.Headers;
        headers["Audit-Id"] = Guid.NewGuid().ToString();
        headers.CacheControl = "no-cache, private";
        headers["X-Kubernetes-Pf-Flowschema-Uid"] = FlowSchemaUid;
        headers["X-Kubernetes-Pf-Prioritylevel-Uid"] = PriorityLevelUid;
        try
        {
            await DispatchAsync(context, route);
        }
        catch (KubernetesApiException error) when (!context.Response.HasStarted)
        {
            await WriteJsonAsync(context, error.Code, error.ToStatus());
        }
        catch (Exception error) when (!context.Response.HasStarted && error is not OperationCanceledException)
        {
            // Even an emulator bug answers in the API's error shape, so clients report it instead of failing to decode.
            await WriteJsonAsync(context, 500, KubernetesApiException.Status(500, "InternalError", $"Internal error occurred: {error.Message}",
                new JsonObject { ["causes"] = new JsonArray(new JsonObject { ["message"] = error.ToString() }) }));
        }
    }

    private async Task DispatchAsync(HttpContext context, ApiRoute route)
    {
        switch (route.Type)
        {
            case RouteType.Version:
                await WriteJsonAsync(context, 200, Discovery.Version(options.ServerMinorVersion));
                return;
            case RouteType.Health:
                context.Response.ContentType = "text/plain; charset=utf-8";
                await context.Response.WriteAsync("ok");
                return;
        }

        var token = Authenticate(context.Request);
        switch (route.Type)
        {
            case RouteType.ApiVersions:
                await WriteJsonAsync(context, 200, Discovery.ApiVersions(context.Request.Host.Value ?? "127.0.0.1"));
                return;
            case RouteType.GroupList:
                await WriteJsonAsync(context, 200, Discovery.GroupList());
                return;
            case RouteType.Group:
                await WriteJsonAsync(context, 200, Discovery.GroupDocument(route.Group!) ?? throw KubernetesApiException.NoSuchRoute());
                return;
            case RouteType.ResourceList:
                await WriteJsonAsync(context, 200, Discovery.ResourceList(route.Group!, "v1") ?? throw KubernetesApiException.NoSuchRoute());
                return;
            case RouteType.OpenApiIndex:
                await WriteJsonAsync(context, 200, Discovery.OpenApiIndex());
                return;
            case RouteType.OpenApiDocument:
                await WriteJsonAsync(context, 200, Discovery.OpenApiDocument(route.Group!) ?? throw KubernetesApiException.NoSuchRoute());
                return;
            case RouteType.Resource:
                break;
            default:
                throw KubernetesApiException.NoSuchRoute();
        }

        Authorize(route, token);
        if (route.Subresource is not null)
        {
            throw KubernetesApiException.NoSuchRoute();
        }

        var kind = route.Kind!;
        var query = context.Request.Query;
        switch (route.Verb)
        {
            case "get":
                await WriteObjectAsync(context, 200, store.Get(kind, route.Namespace!, route.Name!) ?? throw KubernetesApiException.NotFound(kind, route.Name!));
                break;
            case "list":
                var page = store.List(kind, route.Namespace, LabelSelector.Parse(query["labelSelector"]), FieldSelector.Parse(query["fieldSelector"], kind),
                    Limit(query["limit"]), query["continue"], query["resourceVersion"], query["resourceVersionMatch"]);
                await WriteListAsync(context, kind, page);
                break;
            case "watch":
                await WatchAsync(context, route);
                break;
            case "create":
                if (route.Name is not null)
                {
                    throw KubernetesApiException.MethodNotSupported(kind);
                }

                var created = store.Create(kind, route.Namespace ?? "", await ReadObjectAsync(context), DryRun(query));
                await WriteObjectAsync(context, 201, created);
                break;
            case "update":
                await WriteObjectAsync(context, 200, store.Update(kind, route.Namespace!, route.Name!, await ReadObjectAsync(context), DryRun(query)));
                break;
            case "patch":
                await PatchAsync(context, route);
                break;
            case "delete":
                await DeleteAsync(context, route);
                break;
            case "deletecollection":
                var deleted = store.DeleteCollection(kind, route.Namespace, LabelSelector.Parse(query["labelSelector"]),
                    FieldSelector.Parse(query["fieldSelector"], kind), DryRun(query));
                await WriteListAsync(context, kind, new ListResult(deleted, store.CurrentResourceVersion, null));
                break;
            default:
                throw KubernetesApiException.MethodNotSupported(kind);
        }
    }

    private async Task PatchAsync(HttpContext context, ApiRoute route)
    {
        var kind = route.Kind!;
        var query = context.Request.Query;
        var mediaType = (context.Request.ContentType ?? "").Split(';')[0].Trim();
        var dryRun = DryRun(query);
        var body = await ReadBodyAsync(context);
        switch (mediaType)
        {
            case "application/json-patch+json":
                await WriteObjectAsync(context, 200, store.Patch(kind, route.Namespace!, route.Name!, full => Patches.Apply(full, body), dryRun));
                break;
            case "application/merge-patch+json" or "application/strategic-merge-patch+json":
                var strategic = mediaType.StartsWith("application/strategic", StringComparison.Ordinal);
                if (body is not JsonObject)
                {
                    throw KubernetesApiException.BadRequest("json: cannot unmarshal " + (body is JsonArray ? "array" : "value") + " into Go value of type map[string]interface {}");
                }

                await WriteObjectAsync(context, 200, store.Patch(kind, route.Namespace!, route.Name!, full => (JsonObject)Patches.Merge(full, body, strategic)!, dryRun));
                break;
            case "application/apply-patch+yaml":
                if (string.IsNullOrEmpty(query["fieldManager"]))
                {
                    throw new KubernetesApiException(422, "Invalid", "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch",
                        new JsonObject
                        {
                            ["group"] = "meta.k8s.io",
                            ["kind"] = "PatchOptions",
                            ["causes"] = new JsonArray(new JsonObject { ["reason"] = "FieldValueRequired", ["message"] = "Required value: is required for apply patch", ["field"] = "fieldManager" }),
                        });
                }

                if (body is not JsonObject intent)
                {
                    throw KubernetesApiException.BadRequest("error decoding YAML: the emulator accepts apply patches written as JSON only");
                }

                var (applied, created) = store.ServerSideApply(kind, route.Namespace!, route.Name!, intent, dryRun);
                await WriteObjectAsync(context, created ? 201 : 200, applied);
                break;
            default:
                throw KubernetesApiException.UnsupportedMediaType(mediaType);
        }
    }

    private async Task DeleteAsync(HttpContext context, ApiRoute route)
    {
        var kind = route.Kind!;
        var body = await ReadBodyAsync(context);
        string? uid = null, version = null;
        var dryRun = DryRun(context.Request.Query);
        if (body is JsonObject deleteOptions)
        {
            uid = (string?)deleteOptions["preconditions"]?["uid"];
            version = (string?)deleteOptions["preconditions"]?["resourceVersion"];
            dryRun |= deleteOptions["dryRun"] is JsonArray modes && modes.Any(m => (string?)m == "All");
        }
        else if (body is not null)
        {
            throw KubernetesApiException.BadRequest("json: cannot unmarshal into Go value of type v1.DeleteOptions");
        }

        var result = store.Delete(kind, route.Namespace!, route.Name!, new DeletePreconditions(uid, version), dryRun);
        if (result.Removed && !kind.IsNamespace)
        {
            var details = KubernetesApiException.DetailsFor(kind, route.Name!);
            details["uid"] = result.Object.Uid;
            await WriteJsonAsync(context, 200, new JsonObject
            {
                ["kind"] = "Status",
                ["apiVersion"] = "v1",
                ["metadata"] = new JsonObject(),
                ["status"] = "Success",
                ["details"] = details,
            });
            return;
        }

        await WriteObjectAsync(context, 200, result.Object);
    }

    private async Task WatchAsync(HttpContext context, ApiRoute route)
    {
        var kind = route.Kind!;
        var query = context.Request.Query;
        var labels = LabelSelector.Parse(query["labelSelector"]);
        var fields = FieldSelector.Parse(query["fieldSelector"], kind);
        var timeout = TimeSpan.FromMinutes(30);
        if (!string.IsNullOrEmpty(query["timeoutSeconds"]))
        {
            timeout = int.TryParse(query["timeoutSeconds"], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
                ? TimeSpan.FromSeconds(seconds)
                : throw KubernetesApiException.BadRequest($"timeoutSeconds: Invalid value: \"{query["timeoutSeconds"]}\"");
        }

        var bookmarks = IsTrue(query["allowWatchBookmarks"]);
        Watcher watcher;
        var response = context.Response;
        var output = response.BodyWriter;
        try
        {
            watcher = store.Watch(kind, route.Namespace, labels, fields, query["resourceVersion"]);
        }
        catch (KubernetesApiException error) when (error.Code == 410)
        {
            // The real server accepts the watch, then reports the expiry as the stream's only event.
            response.StatusCode = 200;
            response.ContentType = "application/json";
            WriteError(output, error);
            await output.FlushAsync(context.RequestAborted);
            return;
        }

        var streams = Faults?.StreamsToken ?? CancellationToken.None;
        using var deadline = new CancellationTokenSource(timeout, options.Time);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, streams, deadline.Token);
        var timer = bookmarks ? options.Time.CreateTimer(_ => store.Bookmark(watcher), null, options.BookmarkInterval, options.BookmarkInterval) : null;
        try
        {
            response.StatusCode = 200;
            response.ContentType = "application/json";
            await response.StartAsync(stop.Token);
            await output.FlushAsync(stop.Token);
            while (await watcher.Reader.WaitToReadAsync(stop.Token))
            {
                while (watcher.Reader.TryRead(out var item))
                {
                    WriteEvent(output, kind, item);
                }

                await output.FlushAsync(stop.Token);
            }
        }
        catch (OperationCanceledException)
        {
            if (streams.IsCancellationRequested)
            {
                // A dropped connection, not a clean end of stream.
                context.Abort();
            }
        }
        finally
        {
            timer?.Dispose();
            store.Unwatch(watcher);
        }
    }

    private static void WriteEvent(IBufferWriter<byte> output, ResourceKind kind, WatchItem item)
    {
        if (item.Type == "ERROR")
        {
            var version = item.ResourceVersion.ToString(CultureInfo.InvariantCulture);
            WriteError(output, KubernetesApiException.Expired($"The resourceVersion for the provided watch is too old. (compacted at {version})"));
            return;
        }

        Write(output, "{\"type\":\""u8);
        Write(output, Encoding.UTF8.GetBytes(item.Type));
        Write(output, "\",\"object\":"u8);
        if (item.Object is { } stored)
        {
            stored.WriteFull(output);
        }
        else
        {
            Write(output, kind.TypeMetaPrefix);
            Write(output, Encoding.UTF8.GetBytes($"\"metadata\":{{\"resourceVersion\":\"{item.ResourceVersion.ToString(CultureInfo.InvariantCulture)}\"}}}}"));
        }

        Write(output, "}"u8);
        Write(output, Newline);
    }

    private static void WriteError(IBufferWriter<byte> output, KubernetesApiException error)
    {
        Write(output, "{\"type\":\"ERROR\",\"object\":"u8);
        Write(output, JsonSerializer.SerializeToUtf8Bytes(error.ToStatus(), StoredObject.Json));
        Write(output, "}\n"u8);
    }

    private string? Authenticate(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        var presented = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;
        var required = _bearerToken;
        if (required is not null && presented != required)
        {
            throw new KubernetesApiException(401, "Unauthorized", "Unauthorized");
        }

        return presented;
    }

    private void Authorize(ApiRoute route, string? token)
    {
        var kind = route.Kind!;

        // RBAC sees a namespace object as living in itself.
        var scope = kind.IsNamespace ? route.Name : route.Namespace;
        foreach (var rule in _denyRules)
        {
            if ((rule.Verb == "*" || rule.Verb == route.Verb)
                && (rule.Resource == "*" || rule.Resource == kind.Plural || rule.Resource == kind.QualifiedResource)
                && (rule.Namespace is null || rule.Namespace == scope)
                && (rule.Token is null || rule.Token == token))
            {
                var subject = route.Name is null ? kind.QualifiedResource : $"{kind.QualifiedResource} \"{route.Name}\"";
                var where = string.IsNullOrEmpty(scope) ? "at the cluster scope" : $"in the namespace \"{scope}\"";
                var details = KubernetesApiException.DetailsFor(kind, route.Name ?? "");
                if (route.Name is null)
                {
                    details.Remove("name");
                }

                throw new KubernetesApiException(403, "Forbidden",
                    $"{subject} is forbidden: User \"{rule.User}\" cannot {route.Verb} resource \"{kind.Plural}\" in API group \"{kind.Group}\" {where}", details);
            }
        }
    }

    private static ApiRoute RouteOf(HttpRequest request)
    {
        if (request.HttpContext.Items.TryGetValue(RouteKey, out var cached) && cached is ApiRoute known)
        {
            return known;
        }

        var route = ApiRoute.Parse(request.Method, request.Path.Value ?? "/", IsTrue(request.Query["watch"]));
        request.HttpContext.Items[RouteKey] = route;
        return route;
    }

    private static bool IsTrue(string? value) => value is "1" or "true" or "True" or "TRUE" or "t" or "T";

    private static int Limit(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return 0;
        }

        return int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var limit) && limit >= 0
            ? limit
            : throw KubernetesApiException.BadRequest($"limit: Invalid value: \"{value}\"");
    }

    private static bool DryRun(IQueryCollection query)
    {
        var value = query["dryRun"].ToString();
        return value switch
        {
            "" => false,
            "All" => true,
            _ => throw KubernetesApiException.BadRequest($"dryRun: Unsupported value: \"{value}\": supported values: \"All\""),
        };
    }

    private static async Task<JsonNode?> ReadBodyAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        if (buffer.Length == 0)
        {
            return null;
        }

        if (context.Request.ContentType?.StartsWith(ProtobufBody.MediaType, StringComparison.Ordinal) == true)
        {
            return ProtobufBody.Decode(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        }

        try
        {
            return JsonNode.Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        }
        catch (JsonException error)
        {
            throw KubernetesApiException.BadRequest($"the body of the request could not be decoded as JSON: {error.Message}");
        }
    }

    private static async Task<JsonObject> ReadObjectAsync(HttpContext context) =>
        await ReadBodyAsync(context) switch
        {
            JsonObject body => body,
            null => throw KubernetesApiException.BadRequest("the body of the request is empty; an object was expected"),
            _ => throw KubernetesApiException.BadRequest("the body of the request must be a JSON object"),
        };

    private static async Task WriteObjectAsync(HttpContext context, int status, StoredObject stored)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = stored.Kind.TypeMetaPrefix.Length + stored.Item.Length - 1;
        stored.WriteFull(context.Response.BodyWriter);
        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    private static async Task WriteListAsync(HttpContext context, ResourceKind kind, ListResult page)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        var output = context.Response.BodyWriter;
        Write(output, kind.ListPrefix);
        Write(output, Encoding.UTF8.GetBytes(page.ResourceVersion.ToString(CultureInfo.InvariantCulture)));
        Write(output, "\""u8);
        if (page.Continue is { } next)
        {
            Write(output, ",\"continue\":\""u8);
            Write(output, Encoding.UTF8.GetBytes(next));
            Write(output, "\""u8);
        }

        Write(output, "},\"items\":["u8);
        for (var i = 0; i < page.Items.Count; i++)
        {
            if (i > 0)
            {
                Write(output, ","u8);
            }

            Write(output, page.Items[i].Item);
            if (i % 256 == 255)
            {
                await output.FlushAsync(context.RequestAborted);
            }
        }

        Write(output, "]}"u8);
        await output.FlushAsync(context.RequestAborted);
    }

    private static async Task WriteJsonAsync(HttpContext context, int status, JsonObject body)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(body, StoredObject.Json);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
    }

    private static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes) => output.Write(bytes);
}
