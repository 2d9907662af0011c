using System.Globalization;

namespace SecretSync.Core.Configuration;

/// <summary>Go/Kubernetes duration syntax: <c>500ms</c>, <c>30s</c>, <c>5m</c>, <c>1h30m</c>, <c>1.5h</c>.</summary>
internal static class Duration
{
    private static readonly Dictionary<string, double> TicksPerUnit = new(StringComparer.Ordinal)
    {
        ["ns"] = 0.01,
        ["us"] = 10,
        ["µs"] = 10,
        ["ms"] = TimeSpan.TicksPerMillisecond,
        ["s"] = TimeSpan.TicksPerSecond,
        ["m"] = TimeSpan.TicksPerMinute,
        ["h"] = TimeSpan.TicksPerHour,
    };

    /// <summary>Parses a non-negative duration; a bare number is accepted only for <c>0</c>, as in Go.</summary>
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (text == "0")
        {
            return true;
        }

        double ticks = 0;
        var rest = text.AsSpan();
        if (rest.IsEmpty)
        {
            return false;
        }

        while (!rest.IsEmpty)
        {
            var numberLength = rest.IndexOfAnyExcept("0123456789.");
            var unitLength = numberLength <= 0 ? -1 : rest[numberLength..].IndexOfAny("0123456789.");
            if (numberLength <= 0)
            {
                return false;
            }

            var unit = unitLength < 0 ? rest[numberLength..] : rest.Slice(numberLength, unitLength);
            if (!double.TryParse(rest[..numberLength], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number)
                || !TicksPerUnit.TryGetValue(unit.ToString(), out var perUnit))
            {
                return false;
            }

            ticks += number * perUnit;
            rest = rest[(numberLength + unit.Length)..];
        }

        if (ticks >= TimeSpan.MaxValue.Ticks)
        {
            return false;
        }

        value = TimeSpan.FromTicks((long)ticks);
        return true;
    }
}
