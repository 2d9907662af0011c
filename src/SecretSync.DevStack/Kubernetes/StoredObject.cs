using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SecretSync.DevStack;

/// <summary>One committed version of an object: immutable bytes plus what selectors and indexes need.</summary>
/// <remarks>
/// The JSON is kept without <c>kind</c>/<c>apiVersion</c>, which is how list items appear on the wire;
/// single objects and watch events get <see cref="ResourceKind.TypeMetaPrefix"/> in front. Nothing here is
/// mutated after construction, so readers need no lock.
/// </remarks>
internal sealed class StoredObject
{
    public static readonly JsonSerializerOptions Json = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>();

    private StoredObject(ResourceKind kind, string ns, string name, long resourceVersion, byte[] item, IReadOnlyDictionary<string, string> labels, Dictionary<string, string> fields)
    {
        Kind = kind;
        Namespace = ns;
        Name = name;
        ResourceVersion = resourceVersion;
        ResourceVersionText = resourceVersion.ToString(CultureInfo.InvariantCulture);
        Item = item;
        Labels = labels;
        Fields = fields;
    }

    public ResourceKind Kind { get; }

    /// <summary>Empty for cluster-scoped objects.</summary>
    public string Namespace { get; }

    public string Name { get; }

    public long ResourceVersion { get; }

    public string ResourceVersionText { get; }

    /// <summary>UTF-8 JSON of the object without kind/apiVersion.</summary>
    public byte[] Item { get; }

    public IReadOnlyDictionary<string, string> Labels { get; }

    /// <summary>Values of the resource's selectable fields.</summary>
    public IReadOnlyDictionary<string, string> Fields { get; }

    public string Uid { get; private init; } = "";

    public bool HasDeletionTimestamp { get; private init; }

    public bool HasFinalizers { get; private init; }

    /// <summary>Namespaces only: <c>status.phase</c> is Terminating.</summary>
    public bool Terminating => Fields.TryGetValue("status.phase", out var phase) && phase == "Terminating";

    /// <summary>Snapshots <paramref name="item"/> (which must carry no kind/apiVersion) as a committed version.</summary>
    public static StoredObject From(ResourceKind kind, JsonObject item, long resourceVersion)
    {
        var metadata = item["metadata"] as JsonObject ?? throw new InvalidOperationException("An object without metadata reached the store.");
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            item.WriteTo(writer);
        }

        var labels = NoLabels;
        if (metadata["labels"] is JsonObject { Count: > 0 } labelNodes)
        {
            var copy = new Dictionary<string, string>(labelNodes.Count, StringComparer.Ordinal);
            foreach (var (key, value) in labelNodes)
            {
                copy[key] = value?.GetValue<string>() ?? "";
            }

            labels = copy;
        }

        var fields = new Dictionary<string, string>(kind.SelectableFields.Length, StringComparer.Ordinal);
        foreach (var field in kind.SelectableFields)
        {
            fields[field] = FieldValue(kind, item, field);
        }

        return new StoredObject(kind, (string?)metadata["namespace"] ?? "", (string)metadata["name"]!, resourceVersion, buffer.WrittenSpan.ToArray(), labels, fields)
        {
            Uid = (string?)metadata["uid"] ?? "",
            HasDeletionTimestamp = metadata["deletionTimestamp"] is not null,
            HasFinalizers = metadata["finalizers"] is JsonArray { Count: > 0 },
        };
    }

    /// <summary>The full object (with kind and apiVersion) as a new, mutable node.</summary>
    public JsonObject ToJsonObject()
    {
        var item = JsonNode.Parse(Item)!.AsObject();
        var full = new JsonObject { ["kind"] = Kind.Kind, ["apiVersion"] = Kind.ApiVersion };
        foreach (var name in item.Select(property => property.Key).ToList())
        {
            var value = item[name];
            item.Remove(name);
            full[name] = value;
        }

        return full;
    }

    /// <summary>The stored item as a new, mutable node without kind/apiVersion.</summary>
    public JsonObject ToItemNode() => JsonNode.Parse(Item)!.AsObject();

    public string ToJsonString()
    {
        var buffer = new ArrayBufferWriter<byte>(Item.Length + Kind.TypeMetaPrefix.Length);
        WriteFull(buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Writes the full object: kind and apiVersion first, then the stored item.</summary>
    public void WriteFull(IBufferWriter<byte> output)
    {
        output.Write(Kind.TypeMetaPrefix);
        output.Write(Item.AsSpan(1));
    }

    private static string FieldValue(ResourceKind kind, JsonObject item, string field)
    {
        if (kind.IsSecret && field == "type")
        {
            return (string?)item["type"] ?? "Opaque";
        }

        // Events select on the reporting component through "source".
        if (field == "source")
        {
            return (string?)item["source"]?["component"] ?? "";
        }

        JsonNode? node = item;
        foreach (var part in field.Split('.'))
        {
            node = node is JsonObject obj ? obj[part] : null;
        }

        return node is JsonValue value && value.TryGetValue<string>(out var text) ? text : node?.ToJsonString() ?? "";
    }
}
