using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using SecretSync.Core.Audit;

namespace SecretSync.Audit.FileChain;

/// <summary>The on-disk shape of the chained audit file: segment names and the encoding of one record.</summary>
/// <remarks>
/// A keyed record is one line <c>{"seq":N,"prev":"&lt;hex&gt;","mac":"&lt;hex&gt;","event":{…}}\n</c>, where <c>event</c> is exactly
/// <see cref="AuditJson.SerializeToUtf8Bytes"/> of the event, <c>seq</c> counts keyed records from 1 with no gap, and <c>mac</c> is
/// the lower-case hex HMAC-SHA256 under the <see cref="ChainKey"/> of <c>seq</c> (8 bytes, big-endian), the 32 bytes of <c>prev</c>
/// and the bytes of <c>event</c> as they stand in the line. A legacy record, written before chains were keyed, is
/// <c>{"prev":"&lt;hex&gt;","hash":"&lt;hex&gt;","event":{…}}\n</c> with <c>hash</c> the plain SHA-256 of <c>prev</c> and
/// <c>event</c>. <c>prev</c> is the previous record's <c>mac</c> or <c>hash</c>; the first record of the chain links to
/// <see cref="Genesis"/> (64 zeros).
/// </remarks>
internal static partial class ChainFormat
{
    public const int HashBytes = 32;

    public const string SegmentPattern = "audit-*.jsonl";

    public static readonly byte[] Genesis = new byte[HashBytes];

    private static readonly byte[] SeqPrefix = "{\"seq\":"u8.ToArray();
    private static readonly byte[] KeyedPrevPrefix = ",\"prev\":\""u8.ToArray();
    private static readonly byte[] MacPrefix = "\",\"mac\":\""u8.ToArray();
    private static readonly byte[] PrevPrefix = "{\"prev\":\""u8.ToArray();
    private static readonly byte[] HashPrefix = "\",\"hash\":\""u8.ToArray();
    private static readonly byte[] EventPrefix = "\",\"event\":"u8.ToArray();
    private static readonly byte[] LineEnd = "}\n"u8.ToArray();

    /// <summary>The file name of segment <paramref name="number"/>: <c>audit-000001.jsonl</c>, more digits past 999999.</summary>
    public static string SegmentName(long number) => string.Create(CultureInfo.InvariantCulture, $"audit-{number:D6}.jsonl");

    /// <summary>The segment number in a file name, or null when the name is not a segment's.</summary>
    public static long? SegmentNumber(string path) =>
        SegmentNameRegex().Match(Path.GetFileName(path)) is { Success: true } match && long.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? number
            : null;

    /// <summary>The segments in <paramref name="folder"/>, oldest first.</summary>
    public static IReadOnlyList<Segment> ListSegments(string folder) =>
        [.. Directory.EnumerateFiles(folder, SegmentPattern)
            .Select(path => (Path: path, Number: SegmentNumber(path)))
            .Where(s => s.Number is not null)
            .Select(s => new Segment(s.Path, s.Number))
            .OrderBy(s => s.Number)];

    /// <summary>SHA-256 of <paramref name="prev"/> followed by <paramref name="eventJson"/>.</summary>
    public static byte[] Hash(ReadOnlySpan<byte> prev, ReadOnlySpan<byte> eventJson)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(prev);
        hash.AppendData(eventJson);
        return hash.GetHashAndReset();
    }

    /// <summary>One whole line, newline included.</summary>
    public static byte[] EncodeLine(ReadOnlySpan<byte> prev, ReadOnlySpan<byte> hash, ReadOnlySpan<byte> eventJson)
    {
        var line = new byte[PrevPrefix.Length + (2 * HashBytes) + HashPrefix.Length + (2 * HashBytes) + EventPrefix.Length + eventJson.Length + LineEnd.Length];
        var at = 0;
        Append(line, ref at, PrevPrefix);
        at += WriteHex(prev, line.AsSpan(at));
        Append(line, ref at, HashPrefix);
        at += WriteHex(hash, line.AsSpan(at));
        Append(line, ref at, EventPrefix);
        Append(line, ref at, eventJson);
        Append(line, ref at, LineEnd);
        return line;
    }

    /// <summary>One whole keyed line, newline included.</summary>
    public static byte[] EncodeKeyedLine(long sequence, ReadOnlySpan<byte> prev, ReadOnlySpan<byte> mac, ReadOnlySpan<byte> eventJson)
    {
        var number = Encoding.ASCII.GetBytes(sequence.ToString(CultureInfo.InvariantCulture));
        var line = new byte[SeqPrefix.Length + number.Length + KeyedPrevPrefix.Length + (2 * HashBytes) + MacPrefix.Length + (2 * HashBytes) +
            EventPrefix.Length + eventJson.Length + LineEnd.Length];
        var at = 0;
        Append(line, ref at, SeqPrefix);
        Append(line, ref at, number);
        Append(line, ref at, KeyedPrevPrefix);
        at += WriteHex(prev, line.AsSpan(at));
        Append(line, ref at, MacPrefix);
        at += WriteHex(mac, line.AsSpan(at));
        Append(line, ref at, EventPrefix);
        Append(line, ref at, eventJson);
        Append(line, ref at, LineEnd);
        return line;
    }

    /// <summary>Reads one line (without its newline) back into a record; <paramref name="error"/> says why when it cannot.</summary>
    public static bool TryParse(ReadOnlyMemory<byte> line, out ChainRecord record, out string error)
    {
        record = default;
        byte[]? prev = null;
        byte[]? hash = null;
        byte[]? mac = null;
        long? sequence = null;
        ReadOnlyMemory<byte> eventJson = default;
        try
        {
            var reader = new Utf8JsonReader(line.Span, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = "not a JSON object";
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString();
                reader.Read();
                switch (name)
                {
                    case "prev" when prev is null:
                        prev = ReadHash(ref reader, "prev");
                        break;
                    case "hash" when hash is null && mac is null && sequence is null:
                        hash = ReadHash(ref reader, "hash");
                        break;
                    case "mac" when mac is null && hash is null:
                        mac = ReadHash(ref reader, "mac");
                        break;
                    case "seq" when sequence is null && hash is null:
                        sequence = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var number) && number > 0
                            ? number
                            : throw new FormatException("\"seq\" is not a positive integer");
                        break;
                    case "event" when eventJson.IsEmpty:
                        if (reader.TokenType != JsonTokenType.StartObject)
                        {
                            throw new FormatException("\"event\" is not an object");
                        }

                        var start = (int)reader.TokenStartIndex;
                        reader.Skip();
                        eventJson = line[start..(int)reader.BytesConsumed];
                        break;
                    default:
                        throw new FormatException($"unexpected or repeated field \"{name}\"");
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                throw new FormatException("trailing data after the record");
            }
        }
        catch (Exception ex) when (ex is JsonException or FormatException)
        {
            error = ex.Message;
            return false;
        }

        if ((sequence is null) != (mac is null))
        {
            error = $"missing field \"{(mac is null ? "mac" : "seq")}\"";
            return false;
        }

        hash ??= mac;
        if (prev is null || hash is null || eventJson.IsEmpty)
        {
            error = $"missing field \"{(prev is null ? "prev" : hash is null ? "hash" : "event")}\"";
            return false;
        }

        AuditEvent auditEvent;
        try
        {
            auditEvent = JsonSerializer.Deserialize(eventJson.Span, AuditJsonContext.Default.AuditEvent) ?? throw new JsonException("null event");
        }
        catch (JsonException ex)
        {
            error = $"\"event\" is not an audit event: {ex.Message}";
            return false;
        }

        record = new ChainRecord(prev, hash, eventJson, auditEvent, sequence);
        error = "";
        return true;
    }

    /// <summary>Lower-case hex, as written in records.</summary>
    public static string Hex(ReadOnlySpan<byte> hash) => Convert.ToHexStringLower(hash);

    private static byte[] ReadHash(ref Utf8JsonReader reader, string name)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new FormatException($"\"{name}\" is not a string");
        }

        var text = reader.GetString()!;
        if (text.Length != 2 * HashBytes || !text.All(IsLowerHex))
        {
            throw new FormatException($"\"{name}\" is not {2 * HashBytes} lower-case hex digits");
        }

        return Convert.FromHexString(text);
    }

    private static bool IsLowerHex(char c) => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f';

    private static void Append(byte[] line, ref int at, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(line.AsSpan(at));
        at += bytes.Length;
    }

    private static int WriteHex(ReadOnlySpan<byte> bytes, Span<byte> into)
    {
        return Encoding.ASCII.GetBytes(Convert.ToHexStringLower(bytes), into);
    }

    [GeneratedRegex(@"^audit-(\d{6,})\.jsonl$", RegexOptions.CultureInvariant)]
    private static partial Regex SegmentNameRegex();
}

/// <summary>One segment file of the chain; <paramref name="Number"/> is null for a file not named like a segment.</summary>
internal sealed record Segment(string Path, long? Number)
{
    public string Name => System.IO.Path.GetFileName(Path);
}

/// <summary>One parsed record: its link, its stored hash or MAC, the event bytes they cover, the event, and (keyed records) its chain sequence.</summary>
internal readonly record struct ChainRecord(byte[] Prev, byte[] Hash, ReadOnlyMemory<byte> EventJson, AuditEvent Event, long? Sequence = null)
{
    /// <summary>True for a record authenticated with a <see cref="ChainKey"/>; false for a legacy, plain SHA-256 record.</summary>
    public bool Keyed => Sequence is not null;

    /// <summary>True when a legacy record's stored hash is the hash of <see cref="Prev"/> and <see cref="EventJson"/>.</summary>
    public bool HashMatches => ChainFormat.Hash(Prev, EventJson.Span).AsSpan().SequenceEqual(Hash);

    /// <summary>True when a keyed record's MAC is the one <paramref name="key"/> gives its sequence, link and event.</summary>
    public bool MacMatches(ChainKey key) =>
        CryptographicOperations.FixedTimeEquals(key.Mac(Sequence!.Value, Prev, EventJson.Span), Hash);
}
