using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace SecretSync.DevStack.Gcp;

/// <summary>A request the emulator refuses, in Google's error shape (gcp-secret-manager.md §3).</summary>
internal sealed class GoogleApiException(int code, string status, string message) : Exception(message)
{
    public int Code { get; } = code;

    public string Status { get; } = status;

    public static GoogleApiException NotFound(string message) => new(404, "NOT_FOUND", message);

    public static GoogleApiException InvalidArgument(string message) => new(400, "INVALID_ARGUMENT", message);

    public static GoogleApiException FailedPrecondition(string message) => new(400, "FAILED_PRECONDITION", message);
}

/// <summary>JSON and wire helpers: proto3 JSON (int64 as strings, bytes as base64, RFC 3339 times), CRC32C, Google errors.</summary>
internal static class GcpWire
{
    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <summary>CRC-32C (Castagnoli), as <c>dataCrc32c</c> carries it. The DevStack keeps its own copy: it shares no code with the adapter.</summary>
    public static uint Crc32C(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return ~crc;
    }

    /// <summary>RFC 3339 in UTC with 0, 3, 6 or 9 fractional digits, as protobuf's JSON mapping writes timestamps.</summary>
    public static string Time(DateTimeOffset time)
    {
        var utc = time.UtcDateTime;
        var nanos = (utc.Ticks % TimeSpan.TicksPerSecond) * 100;
        var head = utc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        if (nanos == 0)
        {
            return head + "Z";
        }

        var digits = nanos.ToString("D9", CultureInfo.InvariantCulture);
        var fraction = nanos % 1_000_000 == 0 ? digits[..3] : nanos % 1_000 == 0 ? digits[..6] : digits;
        return $"{head}.{fraction}Z";
    }

    public static string Etag(long generation) => $"\"{generation:x14}\"";

    /// <summary>Writes Google's error body: <c>{"error":{"code":…,"message":…,"status":…}}</c>.</summary>
    public static Task WriteErrorAsync(HttpContext context, int code, string status, string message)
    {
        context.Response.StatusCode = code;
        if (code == 401)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"https://accounts.google.com/\"";
        }

        return WriteJsonAsync(context, code, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartObject("error");
            writer.WriteNumber("code", code);
            writer.WriteString("message", message);
            writer.WriteString("status", status);
            writer.WriteEndObject();
            writer.WriteEndObject();
        });
    }

    public static async Task WriteJsonAsync(HttpContext context, int status, Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            write(writer);
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=UTF-8";
        context.Response.ContentLength = buffer.Length;
        await context.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted);
    }

    public static async Task<JsonElement?> ReadBodyAsync(HttpContext context, int maxBytes)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        if (buffer.Length == 0)
        {
            return null;
        }

        if (buffer.Length > maxBytes)
        {
            throw GoogleApiException.InvalidArgument("Request payload size exceeds the limit.");
        }

        try
        {
            using var doc = JsonDocument.Parse(buffer.ToArray());
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw GoogleApiException.InvalidArgument("Invalid JSON payload received. Expected an object.");
            }

            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw GoogleApiException.InvalidArgument("Invalid JSON payload received.");
        }
    }

    public static string ReasonOf(int code) => code switch
    {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        409 => "ABORTED",
        412 => "FAILED_PRECONDITION",
        429 => "RESOURCE_EXHAUSTED",
        500 => "INTERNAL",
        501 => "UNIMPLEMENTED",
        503 => "UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        _ => "UNKNOWN",
    };

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var entry = i;
            for (var bit = 0; bit < 8; bit++)
            {
                entry = (entry & 1) != 0 ? (entry >> 1) ^ 0x82F63B78u : entry >> 1;
            }

            table[i] = entry;
        }

        return table;
    }
}
