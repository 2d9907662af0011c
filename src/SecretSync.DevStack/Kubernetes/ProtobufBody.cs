using System.Text;
using System.Text.Json.Nodes;

namespace SecretSync.DevStack;

/// <summary>Decodes the protobuf request bodies kubectl sends for built-in types into the JSON the store works on.</summary>
/// <remarks>
/// kubectl 1.32+ creates namespaces and secrets with <c>Content-Type: application/vnd.kubernetes.protobuf</c>:
/// the bytes <c>k8s\0</c>, then a <c>runtime.Unknown</c> envelope (typeMeta = 1, raw = 2) whose raw bytes are
/// the object in the field numbers of k8s.io/api's generated.proto. Only the kinds and fields a client sends
/// on create/update are decoded (Namespace, Secret, ConfigMap, DeleteOptions); server-set metadata is skipped.
/// </remarks>
internal static class ProtobufBody
{
    public const string MediaType = "application/vnd.kubernetes.protobuf";

    private static ReadOnlySpan<byte> Magic => "k8s\0"u8;

    /// <exception cref="KubernetesApiException">400 for malformed bytes, 415 for a kind the emulator cannot decode.</exception>
    public static JsonObject Decode(ReadOnlySpan<byte> body)
    {
        if (!body.StartsWith(Magic))
        {
            throw KubernetesApiException.BadRequest("provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]");
        }

        string apiVersion = "", kind = "";
        ReadOnlySpan<byte> raw = default;
        var envelope = new Reader(body[Magic.Length..]);
        while (envelope.Next(out var field, out var value))
        {
            switch (field)
            {
                case 1:
                    var typeMeta = new Reader(value.Bytes);
                    while (typeMeta.Next(out var typeField, out var typeValue))
                    {
                        if (typeField == 1)
                        {
                            apiVersion = typeValue.Text;
                        }
                        else if (typeField == 2)
                        {
                            kind = typeValue.Text;
                        }
                    }

                    break;
                case 2:
                    raw = value.Bytes;
                    break;
            }
        }

        var result = new JsonObject();
        if (kind != "DeleteOptions")
        {
            result["apiVersion"] = apiVersion;
            result["kind"] = kind;
        }

        var reader = new Reader(raw);
        switch (kind)
        {
            case "Namespace":
                while (reader.Next(out var field, out var value))
                {
                    if (field == 1)
                    {
                        result["metadata"] = ObjectMeta(value.Bytes);
                    }
                    else if (field == 2)
                    {
                        result["spec"] = new JsonObject { ["finalizers"] = Strings(value.Bytes, 1) };
                    }
                }

                break;
            case "Secret":
                while (reader.Next(out var field, out var value))
                {
                    switch (field)
                    {
                        case 1: result["metadata"] = ObjectMeta(value.Bytes); break;
                        case 2: MapEntry(Child(result, "data"), value.Bytes, base64: true); break;
                        case 3: result["type"] = value.Text; break;
                        case 4: MapEntry(Child(result, "stringData"), value.Bytes, base64: false); break;
                        case 5: result["immutable"] = value.Number != 0; break;
                    }
                }

                break;
            case "ConfigMap":
                while (reader.Next(out var field, out var value))
                {
                    switch (field)
                    {
                        case 1: result["metadata"] = ObjectMeta(value.Bytes); break;
                        case 2: MapEntry(Child(result, "data"), value.Bytes, base64: false); break;
                        case 3: MapEntry(Child(result, "binaryData"), value.Bytes, base64: true); break;
                        case 4: result["immutable"] = value.Number != 0; break;
                    }
                }

                break;
            case "DeleteOptions":
                while (reader.Next(out var field, out var value))
                {
                    switch (field)
                    {
                        case 1: result["gracePeriodSeconds"] = value.Number; break;
                        case 2:
                            var preconditions = new JsonObject();
                            var inner = new Reader(value.Bytes);
                            while (inner.Next(out var preField, out var preValue))
                            {
                                preconditions[preField == 1 ? "uid" : "resourceVersion"] = preValue.Text;
                            }

                            result["preconditions"] = preconditions;
                            break;
                        case 4: result["propagationPolicy"] = value.Text; break;
                        case 5: (result["dryRun"] as JsonArray ?? (JsonArray)(result["dryRun"] = new JsonArray())).Add(value.Text); break;
                    }
                }

                break;
            default:
                throw KubernetesApiException.UnsupportedMediaType($"{MediaType} ({apiVersion} {kind}); send application/json");
        }

        return result;
    }

    private static JsonObject ObjectMeta(ReadOnlySpan<byte> bytes)
    {
        var metadata = new JsonObject();
        var reader = new Reader(bytes);
        while (reader.Next(out var field, out var value))
        {
            switch (field)
            {
                case 1: metadata["name"] = value.Text; break;
                case 2: metadata["generateName"] = value.Text; break;
                case 3: metadata["namespace"] = value.Text; break;
                case 5: metadata["uid"] = value.Text; break;
                case 6: metadata["resourceVersion"] = value.Text; break;
                case 11: MapEntry(Child(metadata, "labels"), value.Bytes, base64: false); break;
                case 12: MapEntry(Child(metadata, "annotations"), value.Bytes, base64: false); break;
                case 13: (metadata["ownerReferences"] as JsonArray ?? (JsonArray)(metadata["ownerReferences"] = new JsonArray())).Add(OwnerReference(value.Bytes)); break;
                case 14: (metadata["finalizers"] as JsonArray ?? (JsonArray)(metadata["finalizers"] = new JsonArray())).Add(value.Text); break;
            }
        }

        return metadata;
    }

    private static JsonObject OwnerReference(ReadOnlySpan<byte> bytes)
    {
        var reference = new JsonObject();
        var reader = new Reader(bytes);
        while (reader.Next(out var field, out var value))
        {
            switch (field)
            {
                case 1: reference["kind"] = value.Text; break;
                case 3: reference["name"] = value.Text; break;
                case 4: reference["uid"] = value.Text; break;
                case 5: reference["apiVersion"] = value.Text; break;
                case 6: reference["controller"] = value.Number != 0; break;
                case 7: reference["blockOwnerDeletion"] = value.Number != 0; break;
            }
        }

        return reference;
    }

    private static JsonArray Strings(ReadOnlySpan<byte> bytes, int wanted)
    {
        var list = new JsonArray();
        var reader = new Reader(bytes);
        while (reader.Next(out var field, out var value))
        {
            if (field == wanted)
            {
                list.Add(value.Text);
            }
        }

        return list;
    }

    private static JsonObject Child(JsonObject parent, string name)
    {
        if (parent[name] is not JsonObject child)
        {
            child = new JsonObject();
            parent[name] = child;
        }

        return child;
    }

    private static void MapEntry(JsonObject map, ReadOnlySpan<byte> entry, bool base64)
    {
        string key = "", text = "";
        var reader = new Reader(entry);
        while (reader.Next(out var field, out var value))
        {
            if (field == 1)
            {
                key = value.Text;
            }
            else if (field == 2)
            {
                text = base64 ? Convert.ToBase64String(value.Bytes) : value.Text;
            }
        }

        map[key] = text;
    }

    /// <summary>One field's payload: a varint or a length-delimited byte range.</summary>
    private readonly ref struct Value(ReadOnlySpan<byte> bytes, long number)
    {
        public ReadOnlySpan<byte> Bytes { get; } = bytes;

        public long Number { get; } = number;

        public string Text => Encoding.UTF8.GetString(Bytes);
    }

    /// <summary>Walks the fields of one protobuf message.</summary>
    private ref struct Reader(ReadOnlySpan<byte> message)
    {
        private ReadOnlySpan<byte> _rest = message;

        public bool Next(out int field, out Value value)
        {
            if (_rest.IsEmpty)
            {
                field = 0;
                value = default;
                return false;
            }

            var tag = Varint();
            field = (int)(tag >> 3);
            switch (tag & 7)
            {
                case 0:
                    value = new Value(default, (long)Varint());
                    break;
                case 1:
                    value = new Value(Take(8), 0);
                    break;
                case 2:
                    value = new Value(Take((int)Varint()), 0);
                    break;
                case 5:
                    value = new Value(Take(4), 0);
                    break;
                default:
                    throw KubernetesApiException.BadRequest($"unsupported protobuf wire type {tag & 7}");
            }

            return true;
        }

        private ulong Varint()
        {
            ulong result = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                if (_rest.IsEmpty)
                {
                    break;
                }

                var b = _rest[0];
                _rest = _rest[1..];
                result |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    return result;
                }
            }

            throw KubernetesApiException.BadRequest("truncated protobuf varint");
        }

        private ReadOnlySpan<byte> Take(int count)
        {
            if (count < 0 || count > _rest.Length)
            {
                throw KubernetesApiException.BadRequest("truncated protobuf message");
            }

            var taken = _rest[..count];
            _rest = _rest[count..];
            return taken;
        }
    }
}
