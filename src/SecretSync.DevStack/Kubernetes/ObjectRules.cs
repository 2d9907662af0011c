using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace SecretSync.DevStack;

/// <summary>What the API server's decoding, defaulting and validation do to an object on each write.</summary>
internal static partial class ObjectRules
{
    public const int MaxSecretBytes = 1024 * 1024;

    private const string GenerateNameAlphabet = "bcdfghjklmnpqrstvwxz2456789";
    private const string SubdomainMessage =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    private const string LabelMessage =
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    private const string KeyMessage =
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";
    private const string ImmutableMessage = "field is immutable when `immutable` is set";

    /// <summary>RFC 3339 with second precision, as metadata timestamps are written.</summary>
    public static string Timestamp(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Checks kind/apiVersion against the endpoint and removes them (the store keeps items without them).</summary>
    public static void StripTypeMeta(ResourceKind kind, JsonObject body)
    {
        if (body["apiVersion"] is JsonValue apiVersion && (string?)apiVersion is { Length: > 0 } sentVersion && sentVersion != kind.ApiVersion)
        {
            throw KubernetesApiException.BadRequest($"the API version in the data ({sentVersion}) does not match the expected API version ({kind.ApiVersion})");
        }

        if (body["kind"] is JsonValue kindNode && (string?)kindNode is { Length: > 0 } sentKind && sentKind != kind.Kind)
        {
            throw KubernetesApiException.BadRequest($"the kind in the data ({sentKind}) does not match the expected kind ({kind.Kind})");
        }

        body.Remove("apiVersion");
        body.Remove("kind");
    }

    /// <summary>Defaults and validates a new object; returns the item to store (without resourceVersion).</summary>
    public static JsonObject PrepareCreate(ResourceKind kind, string ns, JsonObject body, DateTimeOffset now, Func<string, bool> nameTaken)
    {
        StripTypeMeta(kind, body);
        var metadata = Metadata(body);
        CheckNamespace(kind, ns, metadata);
        var name = (string?)metadata["name"];
        if (string.IsNullOrEmpty(name))
        {
            var prefix = (string?)metadata["generateName"];
            if (string.IsNullOrEmpty(prefix))
            {
                throw KubernetesApiException.Invalid(kind, "", [FieldError.Required("metadata.name", "name or generateName is required")]);
            }

            do
            {
                var suffix = new StringBuilder(prefix.Length + 5).Append(prefix);
                for (var i = 0; i < 5; i++)
                {
                    suffix.Append(GenerateNameAlphabet[Random.Shared.Next(GenerateNameAlphabet.Length)]);
                }

                name = suffix.ToString();
            }
            while (nameTaken(name));
            metadata["name"] = name;
        }

        ValidateName(kind, name);
        metadata["uid"] = Guid.NewGuid().ToString();
        metadata["creationTimestamp"] = Timestamp(now);
        foreach (var serverSet in (string[])["resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields", "selfLink", "generation"])
        {
            metadata.Remove(serverSet);
        }

        if (kind.HasSpecAndStatus)
        {
            metadata["generation"] = 1;
        }

        // Holds its place in the property order; the commit writes the real value.
        metadata["resourceVersion"] = "";

        if (kind.IsNamespace)
        {
            body["spec"] = new JsonObject { ["finalizers"] = new JsonArray("kubernetes") };
            body["status"] = new JsonObject { ["phase"] = "Active" };
        }

        return Normalize(kind, body, previous: null);
    }

    /// <summary>Carries server-owned fields over from <paramref name="current"/> and validates the update.</summary>
    /// <remarks>Also hands back the current object as parsed here (<c>previous</c>), for the caller's no-change check.</remarks>
    public static JsonObject PrepareUpdate(ResourceKind kind, StoredObject current, JsonObject body, out JsonObject previous)
    {
        StripTypeMeta(kind, body);
        var metadata = Metadata(body);
        CheckNamespace(kind, current.Namespace, metadata);
        var sentName = (string?)metadata["name"];
        if (!string.IsNullOrEmpty(sentName) && sentName != current.Name)
        {
            throw KubernetesApiException.BadRequest($"the name of the object ({sentName}) does not match the name on the URL ({current.Name})");
        }

        previous = current.ToItemNode();
        var previousMeta = (JsonObject)previous["metadata"]!;
        metadata["name"] = current.Name;
        foreach (var serverSet in (string[])["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation"])
        {
            metadata.Remove(serverSet);
            if (previousMeta[serverSet] is { } kept)
            {
                metadata[serverSet] = kept.DeepClone();
            }
        }

        metadata.Remove("managedFields");
        metadata.Remove("selfLink");
        if (previousMeta["deletionTimestamp"] is not null && metadata["finalizers"] is JsonArray finalizers
            && previousMeta["finalizers"] is JsonArray before && finalizers.Any(f => !before.Any(b => JsonNode.DeepEquals(b, f))))
        {
            throw KubernetesApiException.Invalid(kind, current.Name,
                [FieldError.Forbidden("metadata.finalizers", "no new finalizers can be added if the object is being deleted")]);
        }

        if (kind.HasSpecAndStatus || kind.IsNamespace)
        {
            // The main resource never writes status; that is the status subresource's job.
            body.Remove("status");
            if (previous["status"] is { } status)
            {
                body["status"] = status.DeepClone();
            }
        }

        if (kind.HasSpecAndStatus && !JsonNode.DeepEquals(body["spec"], previous["spec"]))
        {
            metadata["generation"] = ((long?)previousMeta["generation"] ?? 0) + 1;
        }

        return Normalize(kind, body, previous);
    }

    public static JsonObject Metadata(JsonObject body)
    {
        var node = body["metadata"];
        if (node is null)
        {
            node = new JsonObject();
            body["metadata"] = node;
        }

        if (node is not JsonObject metadata)
        {
            throw KubernetesApiException.BadRequest("json: cannot unmarshal " + Describe(node) + " into Go struct field .metadata of type v1.ObjectMeta");
        }

        foreach (var map in (string[])["labels", "annotations"])
        {
            if (metadata[map] is null)
            {
                continue;
            }

            if (metadata[map] is not JsonObject entries || entries.Any(e => e.Value is not JsonValue v || v.GetValueKind() != JsonValueKind.String))
            {
                throw KubernetesApiException.BadRequest($"json: cannot unmarshal non-string value into Go struct field ObjectMeta.metadata.{map} of type string");
            }
        }

        return metadata;
    }

    private static void CheckNamespace(ResourceKind kind, string ns, JsonObject metadata)
    {
        var sent = (string?)metadata["namespace"];
        if (kind.Namespaced)
        {
            if (!string.IsNullOrEmpty(sent) && sent != ns)
            {
                throw KubernetesApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }

            metadata["namespace"] = ns;
        }
        else
        {
            metadata.Remove("namespace");
        }
    }

    private static void ValidateName(ResourceKind kind, string name)
    {
        var valid = kind.IsNamespace
            ? name.Length <= 63 && DnsLabel().IsMatch(name)
            : name.Length <= 253 && DnsSubdomain().IsMatch(name);
        if (!valid)
        {
            throw KubernetesApiException.Invalid(kind, name, [FieldError.Invalid("metadata.name", name, kind.IsNamespace ? LabelMessage : SubdomainMessage)]);
        }
    }

    /// <summary>Kind-specific defaulting and validation, then metadata-first property order.</summary>
    private static JsonObject Normalize(ResourceKind kind, JsonObject body, JsonObject? previous)
    {
        var name = (string)body["metadata"]!["name"]!;
        if (kind.IsSecret)
        {
            NormalizeSecret(kind, name, body, previous);
        }
        else if (kind.IsConfigMap)
        {
            NormalizeConfigMap(kind, name, body, previous);
        }
        else if (kind.IsNamespace)
        {
            var metadata = (JsonObject)body["metadata"]!;
            if (metadata["labels"] is not JsonObject labels)
            {
                labels = [];
                metadata["labels"] = labels;
            }

            labels["kubernetes.io/metadata.name"] = name;
        }

        return MetadataFirst(body);
    }

    private static void NormalizeSecret(ResourceKind kind, string name, JsonObject body, JsonObject? previous)
    {
        var data = body["data"] switch
        {
            null => new JsonObject(),
            JsonObject map => map,
            var other => throw KubernetesApiException.BadRequest("json: cannot unmarshal " + Describe(other) + " into Go struct field Secret.data of type map[string][]uint8"),
        };
        var errors = new List<FieldError>();
        long total = 0;
        foreach (var (key, value) in data.ToList())
        {
            if (value is not JsonValue text || text.GetValueKind() != JsonValueKind.String)
            {
                throw KubernetesApiException.BadRequest($"json: cannot unmarshal {Describe(value)} into Go struct field Secret.data of type []uint8");
            }

            var decoded = DecodedLength((string)text!);
            if (decoded < 0)
            {
                throw KubernetesApiException.BadRequest($"illegal base64 data at input byte {-decoded - 1}");
            }

            total += decoded;
            if (!ConfigKey().IsMatch(key))
            {
                errors.Add(FieldError.Invalid($"data[{key}]", key, KeyMessage));
            }
        }

        if (body["stringData"] is JsonObject plain)
        {
            foreach (var (key, value) in plain.ToList())
            {
                if (value is not JsonValue text || text.GetValueKind() != JsonValueKind.String)
                {
                    throw KubernetesApiException.BadRequest($"json: cannot unmarshal {Describe(value)} into Go struct field Secret.stringData of type string");
                }

                if (!ConfigKey().IsMatch(key))
                {
                    errors.Add(FieldError.Invalid($"stringData[{key}]", key, KeyMessage));
                    continue;
                }

                if (data[key] is JsonValue replaced)
                {
                    total -= DecodedLength((string)replaced!);
                }

                var bytes = Encoding.UTF8.GetBytes((string)text!);
                total += bytes.Length;
                data[key] = Convert.ToBase64String(bytes);
            }
        }
        else if (body["stringData"] is { } badPlain)
        {
            throw KubernetesApiException.BadRequest("json: cannot unmarshal " + Describe(badPlain) + " into Go struct field Secret.stringData of type map[string]string");
        }

        body.Remove("stringData");
        if (total > MaxSecretBytes)
        {
            errors.Add(FieldError.TooLong("data", MaxSecretBytes));
        }

        var type = (string?)body["type"];
        if (string.IsNullOrEmpty(type))
        {
            type = "Opaque";
        }

        body.Remove("type");
        body.Remove("data");
        if (data.Count > 0)
        {
            body["data"] = data;
        }

        body["type"] = type;
        if (type == "kubernetes.io/tls")
        {
            foreach (var required in (string[])["tls.crt", "tls.key"])
            {
                if (data[required] is null)
                {
                    errors.Add(FieldError.Required($"data[{required}]", ""));
                }
            }
        }
        else if (type == "kubernetes.io/dockerconfigjson" && data[".dockerconfigjson"] is null)
        {
            errors.Add(FieldError.Required("data[.dockerconfigjson]", ""));
        }

        if (previous is not null)
        {
            var previousType = (string?)previous["type"] ?? "Opaque";
            if (previousType != type)
            {
                errors.Add(FieldError.Invalid("type", type, "field is immutable"));
            }

            CheckImmutable(body, previous, errors, "data");
        }

        if (errors.Count > 0)
        {
            throw KubernetesApiException.Invalid(kind, name, errors);
        }
    }

    private static void NormalizeConfigMap(ResourceKind kind, string name, JsonObject body, JsonObject? previous)
    {
        var errors = new List<FieldError>();
        long total = 0;
        foreach (var map in (string[])["data", "binaryData"])
        {
            if (body[map] is null)
            {
                continue;
            }

            if (body[map] is not JsonObject entries || entries.Any(e => e.Value is not JsonValue v || v.GetValueKind() != JsonValueKind.String))
            {
                throw KubernetesApiException.BadRequest($"json: cannot unmarshal non-string value into Go struct field ConfigMap.{map}");
            }

            foreach (var (key, value) in entries)
            {
                if (!ConfigKey().IsMatch(key))
                {
                    errors.Add(FieldError.Invalid($"{map}[{key}]", key, KeyMessage));
                }

                total += key.Length + ((string)value!).Length;
            }
        }

        if (total > MaxSecretBytes)
        {
            errors.Add(new FieldError("", "FieldValueTooLong", $"Too long: must have at most {MaxSecretBytes} bytes"));
        }

        if (previous is not null)
        {
            CheckImmutable(body, previous, errors, "data", "binaryData");
        }

        if (errors.Count > 0)
        {
            throw KubernetesApiException.Invalid(kind, name, errors);
        }
    }

    private static void CheckImmutable(JsonObject body, JsonObject previous, List<FieldError> errors, params string[] fields)
    {
        if (previous["immutable"] is not JsonValue wasImmutable || wasImmutable.GetValueKind() != JsonValueKind.True)
        {
            return;
        }

        foreach (var field in fields)
        {
            if (!JsonNode.DeepEquals(body[field], previous[field]))
            {
                errors.Add(FieldError.Forbidden(field, ImmutableMessage));
            }
        }

        if (body["immutable"] is not JsonValue isImmutable || isImmutable.GetValueKind() != JsonValueKind.True)
        {
            errors.Add(FieldError.Forbidden("immutable", ImmutableMessage));
        }
    }

    /// <summary>Decoded byte count of standard padded base64, or -(offset+1) of the first bad byte.</summary>
    private static long DecodedLength(string text)
    {
        if (text.Length % 4 != 0)
        {
            return -(text.Length / 4 * 4) - 1;
        }

        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var ok = char.IsAsciiLetterOrDigit(c) || c is '+' or '/' || (c == '=' && i >= text.Length - 2 && (i == text.Length - 1 || text[^1] == '='));
            if (!ok)
            {
                return -i - 1;
            }
        }

        var padding = text.EndsWith("==", StringComparison.Ordinal) ? 2 : text.EndsWith('=') ? 1 : 0;
        return (text.Length / 4 * 3) - padding;
    }

    private static JsonObject MetadataFirst(JsonObject body)
    {
        var ordered = new JsonObject();
        var metadata = (JsonObject)body["metadata"]!;
        body.Remove("metadata");
        var orderedMeta = new JsonObject();

        // Go drops empty maps and lists (omitempty), so an emptied map is absent on the next read.
        foreach (var key in (string[])["labels", "annotations", "ownerReferences", "finalizers"])
        {
            if (metadata[key] is JsonObject { Count: 0 } or JsonArray { Count: 0 })
            {
                metadata.Remove(key);
            }
        }

        foreach (var key in (string[])["name", "generateName", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp",
                     "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers"])
        {
            if (metadata[key] is { } value)
            {
                metadata.Remove(key);
                orderedMeta[key] = value;
            }
        }

        foreach (var key in metadata.Select(p => p.Key).ToList())
        {
            var value = metadata[key];
            metadata.Remove(key);
            orderedMeta[key] = value;
        }

        ordered["metadata"] = orderedMeta;
        foreach (var key in body.Select(p => p.Key).ToList())
        {
            var value = body[key];
            body.Remove(key);
            ordered[key] = value;
        }

        return ordered;
    }

    private static string Describe(JsonNode? node) => node?.GetValueKind() switch
    {
        JsonValueKind.Array => "array",
        JsonValueKind.Object => "object",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "bool",
        _ => "null",
    };

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomain();

    [GeneratedRegex("^[-._a-zA-Z0-9]+$")]
    private static partial Regex ConfigKey();
}
