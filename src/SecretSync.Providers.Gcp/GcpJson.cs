using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using SecretSync.Providers.Common;

namespace SecretSync.Providers.Gcp;

/// <summary>The state of a secret version (gcp-secret-manager.md §2 SecretVersion).</summary>
internal enum VersionState
{
    Unspecified = 0,
    Enabled = 1,
    Disabled = 2,
    Destroyed = 3,
}

/// <summary>A secret version's metadata, without its payload.</summary>
internal sealed record VersionInfo(long Number, VersionState State, DateTimeOffset? CreateTime)
{
    public string Id => Number.ToString(CultureInfo.InvariantCulture);
}

/// <summary>One page of <c>versions.list</c>.</summary>
internal sealed record VersionPage(IReadOnlyList<VersionInfo> Versions, string? NextPageToken);

/// <summary>Google's JSON error (google.rpc.Status), gcp-secret-manager.md §3.</summary>
internal readonly record struct GoogleError(int Code, string Status, string Message);

/// <summary>Reads the parts of Secret Manager's REST JSON the adapter relies on (proto3 JSON mapping: int64 as strings, bytes as base64).</summary>
internal static class GcpJson
{
    /// <summary>The <c>error</c> object of a body, or <see langword="null"/> when the body is not Google's error shape.</summary>
    public static GoogleError? Error(ReadOnlyMemory<byte> body)
    {
        using var doc = JsonValues.TryParse(body);
        if (doc is null || doc.RootElement.ValueKind != JsonValueKind.Object ||
            !doc.RootElement.TryGetProperty("error", out var error) || error.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var code = JsonValues.Integer(error, "code", NumberStyles.AllowLeadingSign) ?? 0;
        var status = JsonValues.String(error, "status") ?? "";
        var message = JsonValues.String(error, "message") ?? "";
        if (message.Length > 300)
        {
            message = message[..300] + "…";
        }

        return new GoogleError((int)code, status, message);
    }

    /// <summary>A version state written as its enum name or, with <c>enum-encoding=int</c>, its number.</summary>
    public static VersionState State(JsonElement version)
    {
        if (!version.TryGetProperty("state", out var state))
        {
            return VersionState.Unspecified;
        }

        return state.ValueKind switch
        {
            JsonValueKind.String => state.GetString() switch
            {
                "ENABLED" => VersionState.Enabled,
                "DISABLED" => VersionState.Disabled,
                "DESTROYED" => VersionState.Destroyed,
                _ => VersionState.Unspecified,
            },
            JsonValueKind.Number when state.TryGetInt32(out var n) && n is >= 0 and <= 3 => (VersionState)n,
            _ => VersionState.Unspecified,
        };
    }

    /// <summary>A SecretVersion object; null when it lacks a version name.</summary>
    public static VersionInfo? Version(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object && GcpNames.VersionNumberOf(JsonValues.String(element, "name")) is { } number
            ? new VersionInfo(number, State(element), JsonValues.Time(JsonValues.String(element, "createTime")))
            : null;

    /// <summary>A <c>versions.list</c> answer; null when it is not the documented shape.</summary>
    public static VersionPage? VersionPage(ReadOnlyMemory<byte> body)
    {
        using var doc = JsonValues.TryParse(body);
        if (doc is null || doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var versions = new List<VersionInfo>();
        if (!doc.RootElement.TryGetProperty("versions", out var array))
        {
            // An empty list is evidence of absence, so it must be exactly that: no member but the paging ones.
            return doc.RootElement.EnumerateObject().All(p => p.NameEquals("nextPageToken") || p.NameEquals("totalSize"))
                ? new VersionPage(versions, null)
                : null;
        }
        else
        {
            if (array.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            foreach (var element in array.EnumerateArray())
            {
                if (Version(element) is not { } info)
                {
                    return null;
                }

                versions.Add(info);
            }
        }

        var token = JsonValues.String(doc.RootElement, "nextPageToken");
        return new VersionPage(versions, string.IsNullOrEmpty(token) ? null : token);
    }

    /// <summary>Splits a payload: a JSON object becomes its keys (strings as UTF-8, other values as compact JSON); null otherwise.</summary>
    public static Dictionary<string, byte[]>? SplitObject(byte[] payload)
    {
        if (payload.Length == 0 || payload[0] is not (byte)'{' && !char.IsWhiteSpace((char)payload[0]))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(payload);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            return JsonValues.ObjectValues(doc.RootElement);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A JSON object of string values, for a new version's payload.</summary>
    public static byte[] ObjectOf(IReadOnlyDictionary<string, string> values)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            foreach (var (key, value) in values.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                writer.WriteString(key, value);
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The <c>addVersion</c> request body with the payload and its CRC32C (gcp-secret-manager.md §1).</summary>
    public static byte[] AddVersionBody(byte[] payload)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("payload");
            writer.WriteBase64String("data", payload);
            writer.WriteString("dataCrc32c", Crc32C.Compute(payload).ToString(CultureInfo.InvariantCulture));
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The <c>secrets.create</c> body: automatic replication, the only policy the adapter creates.</summary>
    public static byte[] CreateSecretBody() => Encoding.UTF8.GetBytes("{\"replication\":{\"automatic\":{}},\"labels\":{\"managed-by\":\"secretsync\"}}");

}
