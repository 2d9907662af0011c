using System.Text.Json;
using System.Text.Json.Nodes;
using SecretSync.Kubernetes.Models;

namespace SecretSync.Kubernetes.Client;

/// <summary>Filters and paging of a LIST (kubernetes.md §2, §4).</summary>
public sealed record ListOptions
{
    /// <summary>A label selector, e.g. <c>app.kubernetes.io/managed-by=secretsync,team in (a,b)</c>.</summary>
    public string? LabelSelector { get; init; }

    /// <summary>A field selector, e.g. <c>metadata.name=db</c> or <c>type=Opaque</c>.</summary>
    public string? FieldSelector { get; init; }

    /// <summary>The page size; null asks for everything in one answer.</summary>
    public int? Limit { get; init; }

    /// <summary>The continue token of the previous page.</summary>
    public string? Continue { get; init; }

    /// <summary>The version to read at; null is a consistent (quorum) read, <c>0</c> allows a cached read.</summary>
    public string? ResourceVersion { get; init; }
}

/// <summary>Where a WATCH starts and what it sees (kubernetes.md §3).</summary>
public sealed record WatchOptions
{
    /// <summary>The version to start after; null sends synthetic ADDED events for every existing object first.</summary>
    public string? ResourceVersion { get; init; }

    /// <summary>A label selector.</summary>
    public string? LabelSelector { get; init; }

    /// <summary>A field selector, e.g. <c>metadata.name=db</c> to watch one object.</summary>
    public string? FieldSelector { get; init; }

    /// <summary>Asks the server to send BOOKMARK checkpoints.</summary>
    /// <value>Defaults to true.</value>
    public bool AllowWatchBookmarks { get; init; } = true;

    /// <summary>How long the server keeps the stream open before ending it normally; null lets the server choose.</summary>
    public TimeSpan? Timeout { get; init; }
}

/// <summary>The kind of a PATCH body (kubernetes.md §4, "PATCH content types").</summary>
public enum PatchType
{
    /// <summary>RFC 7386 JSON merge patch: <c>null</c> deletes a key, lists are replaced whole.</summary>
    Merge,

    /// <summary>RFC 6902 JSON patch: an array of operations; <c>test</c> works as a precondition.</summary>
    Json,

    /// <summary>Strategic merge patch: a merge that follows the built-in types' list strategies.</summary>
    StrategicMerge,
}

/// <summary>A PATCH body with its type.</summary>
public sealed class KubernetesPatch
{
    private KubernetesPatch(PatchType type, JsonNode body)
    {
        Type = type;
        Body = body;
    }

    /// <summary>The patch kind, which selects the content type.</summary>
    public PatchType Type { get; }

    /// <summary>The patch document.</summary>
    public JsonNode Body { get; }

    /// <summary>An RFC 7386 merge patch, e.g. <c>{"metadata":{"labels":{"a":null}}}</c>.</summary>
    /// <param name="body">The patch object.</param>
    /// <returns>The patch.</returns>
    public static KubernetesPatch Merge(JsonObject body) => new(PatchType.Merge, body);

    /// <summary>An RFC 6902 JSON patch, e.g. <c>[{"op":"test","path":"/metadata/resourceVersion","value":"5"}]</c>.</summary>
    /// <param name="operations">The operations.</param>
    /// <returns>The patch.</returns>
    public static KubernetesPatch Json(JsonArray operations) => new(PatchType.Json, operations);

    /// <summary>A strategic merge patch.</summary>
    /// <param name="body">The patch object.</param>
    /// <returns>The patch.</returns>
    public static KubernetesPatch StrategicMerge(JsonObject body) => new(PatchType.StrategicMerge, body);

    internal string ContentType => Type switch
    {
        PatchType.Merge => "application/merge-patch+json",
        PatchType.Json => "application/json-patch+json",
        _ => "application/strategic-merge-patch+json",
    };

    internal byte[] Serialize() => JsonSerializer.SerializeToUtf8Bytes(Body, KubernetesJsonContext.Default.JsonNode);

    /// <summary>String values under <c>data</c>/<c>stringData</c> that a Secret patch carries, to keep out of messages.</summary>
    internal IReadOnlyCollection<string> SecretValues()
    {
        var values = new List<string>();
        if (Body is JsonArray operations)
        {
            foreach (var op in operations.OfType<JsonObject>())
            {
                if (op["path"]?.GetValue<string>() is { } path && (path.StartsWith("/data", StringComparison.Ordinal) || path.StartsWith("/stringData", StringComparison.Ordinal)))
                {
                    Collect(op["value"], values);
                }
            }
        }
        else if (Body is JsonObject patch)
        {
            Collect(patch["data"], values);
            Collect(patch["stringData"], values);
        }

        return values.Where(v => v.Length >= 3).Distinct(StringComparer.Ordinal).ToList();
    }

    private static void Collect(JsonNode? node, List<string> into)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var child in obj)
                {
                    Collect(child.Value, into);
                }

                break;
            case JsonValue value when value.TryGetValue<string>(out var text) && text.Length > 0:
                into.Add(text);
                SensitiveValues.AddDecoded(text, into);
                break;
        }
    }
}
