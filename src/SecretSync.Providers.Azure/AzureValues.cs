using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace SecretSync.Providers.Azure;

/// <summary>A secret's single string value to Secret keys and back.</summary>
/// <remarks>
/// With <see cref="AzureValueFormat.Json"/>, a value that parses as a JSON object gives one key per property (strings as
/// their text, other JSON values as their JSON text); any other value is the single key <c>value</c>.
/// </remarks>
internal static class AzureValues
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Dictionary<string, byte[]> Decode(string value, AzureValueFormat format)
    {
        if (format == AzureValueFormat.Json && value.AsSpan().TrimStart().StartsWith("{", StringComparison.Ordinal))
        {
            try
            {
                using var doc = JsonDocument.Parse(value);
                if (doc.RootElement.ValueKind == JsonValueKind.Object)
                {
                    var keys = new Dictionary<string, byte[]>(StringComparer.Ordinal);
                    foreach (var property in doc.RootElement.EnumerateObject())
                    {
                        keys[property.Name] = property.Value.ValueKind == JsonValueKind.String
                            ? Encoding.UTF8.GetBytes(property.Value.GetString()!)
                            : Encoding.UTF8.GetBytes(property.Value.GetRawText());
                    }

                    return keys;
                }
            }
            catch (JsonException)
            {
                // Text that merely starts with a brace: one key.
            }
        }

        return new Dictionary<string, byte[]>(StringComparer.Ordinal) { [AzureOptions.SingleValueKey] = Encoding.UTF8.GetBytes(value) };
    }

    /// <summary>The value to store: the text itself for the single key <c>value</c> (with <see cref="AzureValueFormat.Text"/>, or when it is not a JSON object), else a JSON object.</summary>
    public static string Encode(IReadOnlyDictionary<string, string> values, AzureValueFormat format)
    {
        if (values.Count == 1 && values.TryGetValue(AzureOptions.SingleValueKey, out var single) &&
            (format == AzureValueFormat.Text || Decode(single, format).Keys.SequenceEqual([AzureOptions.SingleValueKey])))
        {
            return single;
        }

        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, WriterOptions))
        {
            writer.WriteStartObject();
            foreach (var (key, value) in values.OrderBy(v => v.Key, StringComparer.Ordinal))
            {
                writer.WriteString(key, value);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
