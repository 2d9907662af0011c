using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace SecretSync.DevStack.Vault;

/// <summary>A finished answer: status, JSON body (or none), and for writes the version created.</summary>
internal sealed record Reply(int Status, byte[]? Body, int Version = 0)
{
    public static Reply NoContent { get; } = new(204, null);
}

/// <summary>Vault's response shapes (reference vault.md §1) written straight to UTF-8.</summary>
internal static class VaultJson
{
    public const string ContentType = "application/json";

    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.Create(UnicodeRanges.All),
        SkipValidation = false,
    };

    /// <summary>The success envelope of §1: every field present, <c>data</c> or <c>auth</c> filled by the callers.</summary>
    public static Reply Envelope(
        int status,
        Action<Utf8JsonWriter>? data,
        Action<Utf8JsonWriter>? auth = null,
        IReadOnlyList<string>? warnings = null,
        string mountType = "")
    {
        return new Reply(status, Write(writer =>
        {
            writer.WriteStartObject();
            writer.WriteString("request_id", Guid.NewGuid().ToString());
            writer.WriteString("lease_id", "");
            writer.WriteBoolean("renewable", false);
            writer.WriteNumber("lease_duration", 0);
            writer.WritePropertyName("data");
            if (data is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                data(writer);
            }

            writer.WriteNull("wrap_info");
            writer.WritePropertyName("warnings");
            if (warnings is null || warnings.Count == 0)
            {
                writer.WriteNullValue();
            }
            else
            {
                writer.WriteStartArray();
                foreach (var warning in warnings)
                {
                    writer.WriteStringValue(warning);
                }

                writer.WriteEndArray();
            }

            writer.WritePropertyName("auth");
            if (auth is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                auth(writer);
            }

            writer.WriteString("mount_type", mountType);
            writer.WriteEndObject();
        }));
    }

    /// <summary>The error shape of §1: <c>{"errors":[...]}</c>.</summary>
    public static Reply Errors(int status, params string[] errors) => new(status, Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteStartArray("errors");
        foreach (var error in errors)
        {
            writer.WriteStringValue(error);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }));

    /// <summary>403 as Vault sends it for a missing, unknown, expired token or a policy refusal (§1, §3).</summary>
    public static Reply PermissionDenied() => Errors(403, "permission denied");

    /// <summary>404 with an empty <c>errors</c> array: missing key, never-existing version, empty list (§1, §2).</summary>
    public static Reply NotFound() => Errors(404);

    public static Reply UnsupportedOperation() => Errors(405, "unsupported operation");

    public static byte[] Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Re-encodes a JSON value with object keys in ordinal order, as Go's encoder writes maps.</summary>
    public static byte[] Canonical(JsonElement element) => Write(writer => WriteSorted(writer, element));

    public static void WriteSorted(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(property.Name);
                    WriteSorted(writer, property.Value);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    WriteSorted(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }

    /// <summary>Go's RFC 3339 with nanoseconds: UTC, trailing zeros of the fraction dropped (§2 <c>created_time</c>).</summary>
    public static string Time(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    /// <summary>An optional timestamp: <c>""</c> when unset, as <c>deletion_time</c> is (§2).</summary>
    public static string Time(DateTimeOffset? time) => time is { } value ? Time(value) : "";

    public static bool TryGetInt(JsonElement element, out long value)
    {
        value = 0;
        return element.ValueKind switch
        {
            JsonValueKind.Number => element.TryGetInt64(out value),
            JsonValueKind.String => long.TryParse(element.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out value),
            _ => false,
        };
    }

    public static bool TryGetBool(JsonElement element, out bool value)
    {
        value = false;
        switch (element.ValueKind)
        {
            case JsonValueKind.True:
                value = true;
                return true;
            case JsonValueKind.False:
                return true;
            case JsonValueKind.String:
                return TryParseBool(element.GetString(), out value);
            case JsonValueKind.Number when element.TryGetInt64(out var number):
                value = number != 0;
                return true;
            default:
                return false;
        }
    }

    /// <summary>Go's <c>strconv.ParseBool</c>, which Vault's framework applies to query and body booleans.</summary>
    public static bool TryParseBool(string? text, out bool value)
    {
        switch (text)
        {
            case "1" or "t" or "T" or "true" or "TRUE" or "True":
                value = true;
                return true;
            case "0" or "f" or "F" or "false" or "FALSE" or "False":
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }
}

/// <summary>Go duration strings, which Vault reads for TTLs and writes for <c>delete_version_after</c>.</summary>
internal static class GoDuration
{
    /// <summary>Formats like Go's <c>time.Duration.String()</c> for whole and fractional seconds (e.g. <c>3h25m19s</c>, <c>0s</c>).</summary>
    public static string Format(TimeSpan value)
    {
        if (value == TimeSpan.Zero)
        {
            return "0s";
        }

        var sign = value < TimeSpan.Zero ? "-" : "";
        value = value.Duration();
        var hours = (long)value.TotalHours;
        var minutes = value.Minutes;
        var seconds = (value - TimeSpan.FromHours(hours) - TimeSpan.FromMinutes(minutes)).TotalSeconds;
        var secondsText = seconds.ToString("0.#########", CultureInfo.InvariantCulture);
        return hours > 0 ? $"{sign}{hours}h{minutes}m{secondsText}s"
            : minutes > 0 ? $"{sign}{minutes}m{secondsText}s"
            : $"{sign}{secondsText}s";
    }

    /// <summary>Parses a JSON duration: a number of seconds, or a string of seconds or Go units (<c>1h30m</c>, <c>90s</c>, <c>2d</c>).</summary>
    public static bool TryParse(JsonElement element, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        return element.ValueKind switch
        {
            JsonValueKind.Number => element.TryGetInt64(out var seconds) && Seconds(seconds, out value),
            JsonValueKind.String => TryParse(element.GetString(), out value),
            _ => false,
        };
    }

    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var plain))
        {
            return Seconds(plain, out value);
        }

        var total = 0.0;
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
            {
                i++;
            }

            if (start == i || !double.TryParse(text.AsSpan(start, i - start), NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            var unitStart = i;
            while (i < text.Length && !char.IsAsciiDigit(text[i]) && text[i] != '.')
            {
                i++;
            }

            double? scale = text[unitStart..i] switch
            {
                "ns" => 1e-9,
                "us" or "µs" => 1e-6,
                "ms" => 1e-3,
                "s" => 1,
                "m" => 60,
                "h" => 3600,
                "d" => 86400,
                _ => null,
            };
            if (scale is null)
            {
                return false;
            }

            total += number * scale.Value;
        }

        value = TimeSpan.FromSeconds(total);
        return true;
    }

    private static bool Seconds(long seconds, out TimeSpan value)
    {
        value = TimeSpan.FromSeconds(seconds);
        return seconds >= 0;
    }
}
