using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace SecretSync.Providers.Common;

/// <summary>The JSON shapes several authorities share: lenient parsing, typed properties, RFC 3339 times, secret values and request bodies.</summary>
public static class JsonValues
{
    /// <summary>Parses a body, or returns <see langword="null"/> when it is empty, not UTF-8 or not JSON.</summary>
    /// <param name="body">The response body.</param>
    /// <returns>The document, which the caller disposes; or <see langword="null"/>.</returns>
    public static JsonDocument? TryParse(ReadOnlyMemory<byte> body)
    {
        // JsonDocument checks UTF-8 only when a string is read, and then throws; refuse such a body here instead.
        if (body.IsEmpty || !Utf8.IsValid(body.Span))
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

    /// <summary>A string property, or <see langword="null"/> when missing or not a string.</summary>
    /// <param name="parent">The object to look in; anything else has no properties.</param>
    /// <param name="name">The property name.</param>
    /// <returns>The string, or <see langword="null"/>.</returns>
    public static string? String(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    /// <summary>An integer property written as a JSON number or a numeric string.</summary>
    /// <param name="parent">The object to look in; anything else has no properties.</param>
    /// <param name="name">The property name.</param>
    /// <param name="styles">What a numeric string may hold besides digits.</param>
    /// <returns>The integer, or <see langword="null"/> when missing or not an integer.</returns>
    public static long? Integer(JsonElement parent, string name, NumberStyles styles = NumberStyles.Integer)
    {
        if (parent.ValueKind != JsonValueKind.Object || !parent.TryGetProperty(name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.Number when value.TryGetInt64(out var n) => n,
            JsonValueKind.String when long.TryParse(value.GetString(), styles, CultureInfo.InvariantCulture, out var n) => n,
            _ => null,
        };
    }

    /// <summary>A request body: one JSON object whose members <paramref name="write"/> writes.</summary>
    /// <param name="write">Writes the members.</param>
    /// <returns>The UTF-8 JSON; the caller clears it when it holds a secret.</returns>
    public static byte[] Body(Action<Utf8JsonWriter> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        return stream.ToArray();
    }

    /// <summary>Parses an RFC 3339 timestamp with up to nine fractional digits; empty means none.</summary>
    /// <param name="text">The timestamp.</param>
    /// <returns>The time in UTC, or <see langword="null"/> when empty or not a timestamp.</returns>
    public static DateTimeOffset? Time(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        // .NET parses at most 7 fractional digits; Vault and protobuf JSON write up to 9.
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

    /// <summary>Maps one secret value to bytes: a JSON string becomes its UTF-8 text, anything else its compact JSON.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The bytes.</returns>
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

    /// <summary>Maps each property of a JSON object to its <see cref="ValueBytes"/>.</summary>
    /// <param name="data">The object.</param>
    /// <returns>Key/value bytes, keys compared ordinally.</returns>
    public static Dictionary<string, byte[]> ObjectValues(JsonElement data)
    {
        var values = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var property in data.EnumerateObject())
        {
            values[property.Name] = ValueBytes(property.Value);
        }

        return values;
    }
}
