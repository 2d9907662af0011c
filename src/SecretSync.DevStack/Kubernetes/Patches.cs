using System.Globalization;
using System.Text.Json.Nodes;

namespace SecretSync.DevStack;

/// <summary>The PATCH body types: JSON merge patch, strategic merge patch (map semantics) and JSON patch.</summary>
internal static class Patches
{
    /// <summary>RFC 7386 merge: objects merge recursively, <c>null</c> removes a key, anything else replaces.</summary>
    /// <returns>The merged node: <paramref name="target"/> itself, changed in place, when both are objects.</returns>
    /// <remarks>
    /// With <paramref name="strategic"/>, <c>$</c>-prefixed directive keys are honoured or dropped:
    /// <c>$patch: delete</c> removes the map, <c>$patch: replace</c> replaces it, the rest (such as
    /// <c>$setElementOrder</c>) are ignored. Lists are replaced whole, which is what kubectl's patches of
    /// metadata maps, <c>data</c> and <c>stringData</c> need.
    /// </remarks>
    public static JsonNode? Merge(JsonNode? target, JsonNode? patch, bool strategic)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        if (strategic && patchObject["$patch"] is JsonValue directive)
        {
            switch ((string?)directive)
            {
                case "delete":
                    return null;
                case "replace":
                    var replacement = (JsonObject)patchObject.DeepClone();
                    replacement.Remove("$patch");
                    return replacement;
            }
        }

        // The target is the caller's private copy, so it is merged in place.
        var result = target as JsonObject ?? new JsonObject();
        foreach (var (key, value) in patchObject)
        {
            if (strategic && key.StartsWith('$'))
            {
                continue;
            }

            if (value is null)
            {
                result.Remove(key);
                continue;
            }

            var existing = result[key];
            var merged = Merge(existing, value, strategic);
            if (merged is null)
            {
                result.Remove(key);
            }
            else if (!ReferenceEquals(merged, existing))
            {
                result[key] = merged;
            }
        }

        return result;
    }

    /// <summary>Applies an RFC 6902 operation array.</summary>
    /// <exception cref="KubernetesApiException">400 for a malformed patch, 422 for one that cannot apply (including a failed <c>test</c>).</exception>
    public static JsonObject Apply(JsonObject document, JsonNode? operations)
    {
        if (operations is not JsonArray list)
        {
            throw KubernetesApiException.BadRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
        }

        JsonNode root = document;
        foreach (var entry in list)
        {
            if (entry is not JsonObject operation || (string?)operation["op"] is not { } op || (string?)operation["path"] is not { } path)
            {
                throw KubernetesApiException.BadRequest("json: invalid JSON patch operation: each needs \"op\" and \"path\"");
            }

            switch (op)
            {
                case "add":
                    root = Add(root, path, Required(operation, "value", op).DeepClone());
                    break;
                case "remove":
                    Remove(root, path);
                    break;
                case "replace":
                    Remove(root, path);
                    root = Add(root, path, Required(operation, "value", op).DeepClone());
                    break;
                case "move":
                    var moved = Find(root, From(operation, op), op).DeepClone();
                    Remove(root, From(operation, op));
                    root = Add(root, path, moved);
                    break;
                case "copy":
                    root = Add(root, path, Find(root, From(operation, op), op).DeepClone());
                    break;
                case "test":
                    var expected = operation.ContainsKey("value") ? operation["value"] : null;
                    var actual = TryFind(root, path, out var found) ? found : throw KubernetesApiException.PatchFailed($"testing value {path} failed: test failed");
                    if (!JsonNode.DeepEquals(actual, expected))
                    {
                        throw KubernetesApiException.PatchFailed($"testing value {path} failed: test failed");
                    }

                    break;
                default:
                    throw KubernetesApiException.BadRequest($"Unexpected kind: {op}");
            }
        }

        return root as JsonObject ?? throw KubernetesApiException.PatchFailed("the patched document is not an object");
    }

    private static JsonNode Required(JsonObject operation, string member, string op) =>
        operation.ContainsKey(member) && operation[member] is { } value
            ? value
            : throw KubernetesApiException.PatchFailed($"{op} operation does not apply: doc is missing {member}");

    private static string From(JsonObject operation, string op) =>
        (string?)operation["from"] ?? throw KubernetesApiException.PatchFailed($"{op} operation does not apply: doc is missing from path");

    private static string[] Split(string pointer)
    {
        if (pointer.Length == 0)
        {
            return [];
        }

        if (pointer[0] != '/')
        {
            throw KubernetesApiException.PatchFailed($"JSON pointer must start with '/': {pointer}");
        }

        return [.. pointer[1..].Split('/').Select(token => token.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal))];
    }

    private static bool TryFind(JsonNode root, string pointer, out JsonNode? found)
    {
        JsonNode? node = root;
        foreach (var token in Split(pointer))
        {
            switch (node)
            {
                case JsonObject obj when obj.ContainsKey(token):
                    node = obj[token];
                    break;
                case JsonArray array when int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < array.Count:
                    node = array[index];
                    break;
                default:
                    found = null;
                    return false;
            }
        }

        found = node;
        return true;
    }

    private static JsonNode Find(JsonNode root, string pointer, string op) =>
        TryFind(root, pointer, out var found) && found is not null
            ? found
            : throw KubernetesApiException.PatchFailed($"{op} operation does not apply: doc is missing path: \"{pointer}\"");

    private static JsonNode Add(JsonNode root, string pointer, JsonNode value)
    {
        var tokens = Split(pointer);
        if (tokens.Length == 0)
        {
            return value;
        }

        var parent = Find(root, Parent(pointer), "add");
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject obj:
                obj[last] = value;
                break;
            case JsonArray array when last == "-":
                array.Add(value);
                break;
            case JsonArray array when int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index <= array.Count:
                array.Insert(index, value);
                break;
            default:
                throw KubernetesApiException.PatchFailed($"add operation does not apply: doc is missing path: \"{pointer}\"");
        }

        return root;
    }

    private static void Remove(JsonNode root, string pointer)
    {
        var tokens = Split(pointer);
        var parent = tokens.Length == 0 ? null : Find(root, Parent(pointer), "remove");
        var last = tokens.Length == 0 ? "" : tokens[^1];
        switch (parent)
        {
            case JsonObject obj when obj.ContainsKey(last):
                obj.Remove(last);
                break;
            case JsonArray array when int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < array.Count:
                array.RemoveAt(index);
                break;
            default:
                throw KubernetesApiException.PatchFailed($"remove operation does not apply: doc is missing path: \"{pointer}\"");
        }
    }

    private static string Parent(string pointer) => pointer[..pointer.LastIndexOf('/')];
}
