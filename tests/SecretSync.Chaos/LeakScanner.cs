using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace SecretSync.Chaos;

/// <summary>Finds seeded secret values in any text, as written or base64-encoded, without ever reporting the value itself.</summary>
/// <remarks>
/// Every value the schedule writes starts with a marker derived from the seed (<see cref="Marker"/>), so one search for the
/// marker finds every value at once, however many were written; base64 runs are decoded and searched the same way.
/// </remarks>
internal sealed partial class LeakScanner(int seed)
{
    private readonly List<string> _findings = [];

    /// <summary>The prefix of every seeded value.</summary>
    public string Marker { get; } = ChaosWorld.ValueMarker(seed);

    /// <summary>Texts scanned so far.</summary>
    public int Scanned { get; private set; }

    /// <summary>Where a seeded value was found, one line each (never the value).</summary>
    public IReadOnlyList<string> Findings
    {
        get
        {
            lock (_findings)
            {
                return [.. _findings];
            }
        }
    }

    public void Scan(string where, string text)
    {
        lock (_findings)
        {
            Scanned++;
            var plain = CountPlain(text);
            var encoded = Base64Runs().Matches(text).Count(m => Decodes(m.Value));
            if (plain + encoded > 0)
            {
                _findings.Add(string.Create(CultureInfo.InvariantCulture, $"{where}: {plain} seeded value(s) in plain text, {encoded} base64-encoded"));
            }
        }
    }

    /// <summary>The text with anything that looks like a seeded value replaced, for printing daemon output safely.</summary>
    public string Redact(string text) =>
        Base64Runs().Replace(text.Replace(Marker, "[REDACTED-SEEDED-VALUE]", StringComparison.Ordinal), m => Decodes(m.Value) ? "[REDACTED-BASE64]" : m.Value);

    private int CountPlain(string text)
    {
        var count = 0;
        for (var at = text.IndexOf(Marker, StringComparison.Ordinal); at >= 0; at = text.IndexOf(Marker, at + Marker.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private bool Decodes(string run)
    {
        // Try each alignment, so a value inside a longer base64 run is found whichever byte it starts at.
        for (var skip = 0; skip < 4 && run.Length - skip >= 8; skip++)
        {
            var body = run[skip..].TrimEnd('=');
            body = body[..(body.Length - (body.Length % 4 == 1 ? 1 : 0))];
            var padded = body.PadRight(body.Length + ((4 - (body.Length % 4)) % 4), '=');
            var bytes = new byte[padded.Length];
            if (Convert.TryFromBase64String(padded, bytes, out var written)
                && Encoding.UTF8.GetString(bytes, 0, written).Contains(Marker, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    [GeneratedRegex("[A-Za-z0-9+/]{12,}={0,2}")]
    private static partial Regex Base64Runs();
}
