namespace SecretSync.DevStack;

/// <summary>What a request path addresses.</summary>
internal enum RouteType
{
    Unknown,
    Version,
    Health,
    ApiVersions,
    GroupList,
    Group,
    ResourceList,
    OpenApiIndex,
    OpenApiDocument,
    Resource,
}

/// <summary>A parsed request: the resource, namespace, name and Kubernetes verb, or a non-resource document.</summary>
/// <remarks><c>Namespace</c> is empty for cluster-scoped objects and null for an all-namespaces collection.</remarks>
internal sealed record ApiRoute(RouteType Type, string Verb, ResourceKind? Kind = null, string? Namespace = null, string? Name = null, string? Subresource = null, string? Group = null)
{
    public static ApiRoute Parse(string method, string path, bool watchParameter)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var get = method == "GET" ? "get" : method.ToLowerInvariant();
        switch (parts)
        {
            case ["version"]:
                return new(RouteType.Version, get);
            case ["healthz" or "livez" or "readyz", ..]:
                return new(RouteType.Health, get);
            case ["api"]:
                return new(RouteType.ApiVersions, get);
            case ["apis"]:
                return new(RouteType.GroupList, get);
            case ["apis", var group]:
                return new(RouteType.Group, get, Group: group);
            case ["api", "v1"]:
                return new(RouteType.ResourceList, get, Group: "");
            case ["apis", var group, "v1"]:
                return new(RouteType.ResourceList, get, Group: group);
            case ["openapi", "v3"]:
                return new(RouteType.OpenApiIndex, get);
            case ["openapi", "v3", ..]:
                return Discovery.OpenApiGroup(string.Join('/', parts[2..])) is { } openApiGroup
                    ? new(RouteType.OpenApiDocument, get, Group: openApiGroup)
                    : new(RouteType.Unknown, get);
            case ["api", "v1", .. var rest]:
                return Resource(method, "", rest, watchParameter);
            case ["apis", var group, "v1", .. var rest]:
                return Resource(method, group, rest, watchParameter);
            default:
                return new(RouteType.Unknown, get);
        }
    }

    private static ApiRoute Resource(string method, string group, string[] rest, bool watchParameter)
    {
        var unknown = new ApiRoute(RouteType.Unknown, method == "GET" ? "get" : method.ToLowerInvariant());
        var legacyWatch = rest is ["watch", _, ..];
        if (legacyWatch)
        {
            rest = rest[1..];
        }

        ResourceKind? kind;
        string? ns, name = null, subresource = null;
        if (rest is ["namespaces", _, var plural, ..] && !(rest.Length == 3 && plural is "status" or "finalize"))
        {
            if (rest.Length > 5)
            {
                return unknown;
            }

            ns = rest[1];
            kind = ResourceCatalog.Find(group, "v1", plural);
            if (kind is null || !kind.Namespaced)
            {
                return unknown;
            }

            name = rest.Length > 3 ? rest[3] : null;
            subresource = rest.Length > 4 ? rest[4] : null;
        }
        else
        {
            if (rest.Length is 0 or > 3)
            {
                return unknown;
            }

            kind = ResourceCatalog.Find(group, "v1", rest[0]);
            if (kind is null)
            {
                return unknown;
            }

            name = rest.Length > 1 ? rest[1] : null;
            subresource = rest.Length > 2 ? rest[2] : null;
            if (kind.Namespaced)
            {
                if (name is not null)
                {
                    return unknown;
                }

                ns = null;
            }
            else
            {
                ns = "";
            }
        }

        var verb = method switch
        {
            "GET" when name is not null => legacyWatch ? "watch" : "get",
            "GET" => watchParameter || legacyWatch ? "watch" : "list",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => name is null ? "deletecollection" : "delete",
            _ => method.ToLowerInvariant(),
        };
        return new ApiRoute(RouteType.Resource, verb, kind, ns, name, subresource, group);
    }
}
