using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SecretSync.Kubernetes.Models;

/// <summary>Reads RFC 3339 and writes Kubernetes <c>MicroTime</c>: UTC with exactly 6 fractional digits (kubernetes.md §1, Lease).</summary>
internal sealed class MicroTimeConverter : JsonConverter<DateTimeOffset?>
{
    /// <inheritdoc />
    public override bool HandleNull => true;

    /// <inheritdoc />
    public override DateTimeOffset? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        TimeFormat.Read(ref reader);

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, DateTimeOffset? value, JsonSerializerOptions options) =>
        TimeFormat.Write(writer, value, "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'");
}

/// <summary>Reads RFC 3339 and writes Kubernetes <c>Time</c>: UTC, second precision (kubernetes.md §1).</summary>
internal sealed class KubernetesTimeConverter : JsonConverter<DateTimeOffset?>
{
    /// <inheritdoc />
    public override bool HandleNull => true;

    /// <inheritdoc />
    public override DateTimeOffset? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        TimeFormat.Read(ref reader);

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, DateTimeOffset? value, JsonSerializerOptions options) =>
        TimeFormat.Write(writer, value, "yyyy-MM-dd'T'HH:mm:ss'Z'");
}

internal static class TimeFormat
{
    public static DateTimeOffset? Read(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        var text = reader.GetString();
        return string.IsNullOrEmpty(text)
            ? null
            : DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
    }

    public static void Write(Utf8JsonWriter writer, DateTimeOffset? value, string format)
    {
        if (value is { } time)
        {
            writer.WriteStringValue(time.UtcDateTime.ToString(format, CultureInfo.InvariantCulture));
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
