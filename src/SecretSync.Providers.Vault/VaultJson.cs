using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using SecretSync.Core.Providers;

namespace SecretSync.Providers.Vault;

/// <summary>Reads the pieces of Vault's JSON bodies the adapter relies on (vault.md §1, §2).</summary>
internal static class VaultJson
{
    /// <summary>Parses a body, or returns <see langword="null"/> when it is not JSON.</summary>
    public static JsonDocument? TryParse(ReadOnlyMemory<byte> body)
    {
        if (body.IsEmpty)
        {
            return null;
        }

        try
        {
            return JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The <c>errors</c> array of an error body, or <see langword="null"/> when the body has none (§1 Errors).</summary>
    public static IReadOnlyList<string>? Errors(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("errors", out var errors) || errors.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        return [.. errors.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString() ?? "" : e.GetRawText())];
    }

    /// <summary>The errors of a body joined for a message, shortened; empty when there are none.</summary>
    public static string ErrorText(ReadOnlyMemory<byte> body)
    {
        using var doc = TryParse(body);
        if (doc is null || Errors(doc.RootElement) is not { Count: > 0 } errors)
        {
            return "";
        }

        var text = string.Join("; ", errors);
        return text.Length > 300 ? text[..300] + "…" : text;
    }

    /// <summary>The object at <c>data</c>, or <see langword="null"/>.</summary>
    public static JsonElement? Data(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object ? data : null;

    /// <summary>A property that is an object, or <see langword="null"/>.</summary>
    public static JsonElement? Object(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object ? value : null;

    /// <summary>An integer property written as a number or a numeric string.</summary>
    public static long? Integer(JsonElement parent, string name)
    {
        if (parent.ValueKind != JsonValueKind.Object || !parent.TryGetProperty(name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetInt64(out var n) => n,
            JsonValueKind.String when long.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) => n,
            _ => null,
        };
    }

    /// <summary>A string property, or <see langword="null"/> when missing or not a string.</summary>
    public static string? String(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    /// <summary>A boolean property, or <see langword="null"/>.</summary>
    public static bool? Boolean(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? value.GetBoolean()
            : null;

    /// <summary>Parses Vault's RFC 3339 timestamps, which carry nanoseconds (§2 Read response); empty means none.</summary>
    public static DateTimeOffset? Time(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        // .NET parses at most 7 fractional digits; Vault writes 9.
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        if (dot > 0)
        {
            var end = dot + 1;
            while (end < text.Length && char.IsAsciiDigit(text[end]))
            {
                end++;
            }

            if (end - dot - 1 > 7)
            {
                text = string.Concat(text.AsSpan(0, dot + 8), text.AsSpan(end));
            }
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : null;
    }

    /// <summary>Maps one KV value to bytes: a JSON string becomes its UTF-8 text, anything else its compact JSON.</summary>
    public static byte[] ValueBytes(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            return Encoding.UTF8.GetBytes(value.GetString()!);
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false, SkipValidation = true }))
        {
            value.WriteTo(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Maps the <c>data.data</c> object of a KV v2 read to key/value bytes.</summary>
    public static Dictionary<string, byte[]> Values(JsonElement data)
    {
        var values = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var property in data.EnumerateObject())
        {
            values[property.Name] = ValueBytes(property.Value);
        }

        return values;
    }

    /// <summary>How Vault describes one version's state in its metadata (§2): live, deleted or destroyed.</summary>
    /// <remarks>A deletion time in the future (<c>delete_version_after</c>) still reads as live until it passes.</remarks>
    public static AbsenceKind? VersionState(JsonElement versionMetadata, DateTimeOffset now)
    {
        if (Boolean(versionMetadata, "destroyed") == true)
        {
            return AbsenceKind.Destroyed;
        }

        return Time(String(versionMetadata, "deletion_time")) is { } deleted && deleted <= now ? AbsenceKind.Deleted : null;
    }

    /// <summary>The newest version in a metadata <c>versions</c> map (keys are numbers as strings, §2) that is neither deleted nor destroyed.</summary>
    public static string? NewestLiveVersion(JsonElement metadata, DateTimeOffset now)
    {
        if (Object(metadata, "versions") is not { } versions)
        {
            return null;
        }

        long? newest = null;
        foreach (var version in versions.EnumerateObject())
        {
            if (long.TryParse(version.Name, NumberStyles.None, CultureInfo.InvariantCulture, out var number) &&
                version.Value.ValueKind == JsonValueKind.Object &&
                VersionState(version.Value, now) is null &&
                (newest is null || number > newest))
            {
                newest = number;
            }
        }

        return newest?.ToString(CultureInfo.InvariantCulture);
    }
}
