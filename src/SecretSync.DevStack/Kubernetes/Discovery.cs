using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace SecretSync.DevStack;

/// <summary>The documents kubectl reads before it acts: version, API groups, resource lists and minimal OpenAPI v3.</summary>
/// <remarks>
/// Aggregated discovery (<c>Accept: …as=APIGroupDiscoveryList</c>) is answered with the legacy documents
/// as plain <c>application/json</c>; clients then fall back to per-group-version discovery.
/// </remarks>
internal static class Discovery
{
    private static readonly string[] Verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    public static JsonObject Version(string minor)
    {
        var digits = new string([.. minor.TakeWhile(char.IsAsciiDigit)]);
        return new JsonObject
        {
            ["major"] = "1",
            ["minor"] = minor,
            ["gitVersion"] = $"v1.{(digits.Length == 0 ? "0" : digits)}.0",
            ["gitCommit"] = "0000000000000000000000000000000000000000",
            ["gitTreeState"] = "clean",
            ["buildDate"] = "2026-01-01T00:00:00Z",
            ["goVersion"] = "go1.23.0",
            ["compiler"] = "gc",
            ["platform"] = "linux/amd64",
        };
    }

    public static JsonObject ApiVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    public static JsonObject GroupList()
    {
        var groups = new JsonArray();
        foreach (var group in ResourceCatalog.Groups)
        {
            groups.Add(Group(group));
        }

        return new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups };
    }

    public static JsonObject? GroupDocument(string group) =>
        ResourceCatalog.Groups.Contains(group) ? Group(group).Also(g => { g["kind"] = "APIGroup"; g["apiVersion"] = "v1"; }) : null;

    public static JsonObject? ResourceList(string group, string version)
    {
        var kinds = ResourceCatalog.All.Where(kind => kind.Group == group && kind.Version == version).ToList();
        if (kinds.Count == 0)
        {
            return null;
        }

        var resources = new JsonArray();
        foreach (var kind in kinds)
        {
            var resource = new JsonObject
            {
                ["name"] = kind.Plural,
                ["singularName"] = kind.Singular,
                ["namespaced"] = kind.Namespaced,
                ["kind"] = kind.Kind,
                ["verbs"] = new JsonArray([.. Verbs.Select(v => (JsonNode)v)]),
            };
            if (kind.ShortNames.Length > 0)
            {
                resource["shortNames"] = new JsonArray([.. kind.ShortNames.Select(s => (JsonNode)s)]);
            }

            resources.Add(resource);
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = resources,
        };
    }

    /// <summary><c>/openapi/v3</c>: where each group-version's document is.</summary>
    public static JsonObject OpenApiIndex()
    {
        var paths = new JsonObject();
        foreach (var (group, key) in GroupVersions())
        {
            var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(OpenApiDocument(group)!.ToJsonString())));
            paths[key] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{key}?hash={hash}" };
        }

        return new JsonObject { ["paths"] = paths };
    }

    /// <summary>
    /// A minimal OpenAPI 3 document: every path with its operations, the <c>fieldValidation</c> parameter and
    /// <c>x-kubernetes-group-version-kind</c>, which is what lets kubectl 1.33 hand validation to the server.
    /// </summary>
    public static JsonObject? OpenApiDocument(string group)
    {
        var kinds = ResourceCatalog.All.Where(kind => kind.Group == group).ToList();
        if (kinds.Count == 0)
        {
            return null;
        }

        var paths = new JsonObject();
        foreach (var kind in kinds)
        {
            var root = group.Length == 0 ? "/api/v1" : $"/apis/{group}/v1";
            var collection = kind.Namespaced ? $"{root}/namespaces/{{namespace}}/{kind.Plural}" : $"{root}/{kind.Plural}";
            paths[collection] = new JsonObject
            {
                ["get"] = Operation(kind, "list", "list"),
                ["post"] = Operation(kind, "create", "post"),
                ["delete"] = Operation(kind, "deletecollection", "deletecollection"),
                ["parameters"] = PathParameters(kind.Namespaced, withName: false),
            };
            paths[$"{collection}/{{name}}"] = new JsonObject
            {
                ["get"] = Operation(kind, "read", "get"),
                ["put"] = Operation(kind, "replace", "put"),
                ["patch"] = Operation(kind, "patch", "patch"),
                ["delete"] = Operation(kind, "delete", "delete"),
                ["parameters"] = PathParameters(kind.Namespaced, withName: true),
            };
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = "v1.32.0" },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = new JsonObject() },
        };
    }

    /// <summary>The group for <paramref name="key"/> like <c>api/v1</c> or <c>apis/apps/v1</c>; null if unknown.</summary>
    public static string? OpenApiGroup(string key) => GroupVersions().Where(gv => gv.Key == key).Select(gv => gv.Group).FirstOrDefault();

    private static IEnumerable<(string Group, string Key)> GroupVersions() =>
        [("", "api/v1"), .. ResourceCatalog.Groups.Select(g => (g, $"apis/{g}/v1"))];

    private static JsonObject Group(string group)
    {
        var version = new JsonObject { ["groupVersion"] = $"{group}/v1", ["version"] = "v1" };
        return new JsonObject
        {
            ["name"] = group,
            ["versions"] = new JsonArray(version),
            ["preferredVersion"] = version.DeepClone(),
        };
    }

    private static JsonObject Operation(ResourceKind kind, string action, string verb)
    {
        var parameters = new JsonArray();
        foreach (var name in (string[])["dryRun", "fieldManager", "fieldValidation", "pretty"])
        {
            parameters.Add(new JsonObject { ["name"] = name, ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string" } });
        }

        return new JsonObject
        {
            ["operationId"] = $"{action}{kind.Kind}",
            ["parameters"] = parameters,
            ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK" } },
            ["x-kubernetes-action"] = verb,
            ["x-kubernetes-group-version-kind"] = new JsonObject { ["group"] = kind.Group, ["version"] = kind.Version, ["kind"] = kind.Kind },
        };
    }

    private static JsonArray PathParameters(bool namespaced, bool withName)
    {
        var parameters = new JsonArray();
        if (withName)
        {
            parameters.Add(new JsonObject { ["name"] = "name", ["in"] = "path", ["required"] = true, ["schema"] = new JsonObject { ["type"] = "string" } });
        }

        if (namespaced)
        {
            parameters.Add(new JsonObject { ["name"] = "namespace", ["in"] = "path", ["required"] = true, ["schema"] = new JsonObject { ["type"] = "string" } });
        }

        return parameters;
    }

    private static JsonObject Also(this JsonObject node, Action<JsonObject> change)
    {
        change(node);
        return node;
    }
}
