using System.Globalization;
using System.Text;

namespace SecretSync.Core.Configuration;

/// <summary>The one duration grammar of configuration files, provider settings and command-line options, and its human output.</summary>
/// <remarks>
/// <para>
/// A duration is one or more components, each a non-negative decimal number and a unit, written without spaces:
/// <c>500ms</c>, <c>30s</c>, <c>5m</c>, <c>1h30m</c>, <c>1.5h</c>, <c>7d</c>. Units are <c>ns</c>, <c>us</c> (or <c>µs</c>),
/// <c>ms</c>, <c>s</c>, <c>m</c>, <c>h</c> and <c>d</c> (24 hours), case-sensitive; components add up. This is Go's
/// <c>time.ParseDuration</c> (as Kubernetes and Vault write durations) plus <c>d</c>, without signs.
/// </para>
/// <para>
/// A bare number has no unit and is refused, except <c>0</c>, which is zero in every unit. The refusal says what to
/// write instead (see <see cref="Hint"/>): <c>10</c> was once read as seconds by some settings, and must now be <c>10s</c>.
/// Surrounding white space is ignored. Whether zero is allowed, and the range, is up to each setting.
/// </para>
/// </remarks>
public static class Duration
{
    /// <summary>Examples of the grammar, for messages.</summary>
    public const string Examples = "500ms, 30s, 5m, 1h30m or 7d";

    private static readonly Dictionary<string, double> TicksPerUnit = new(StringComparer.Ordinal)
    {
        ["ns"] = 0.01,
        ["us"] = 10,
        ["µs"] = 10,
        ["ms"] = TimeSpan.TicksPerMillisecond,
        ["s"] = TimeSpan.TicksPerSecond,
        ["m"] = TimeSpan.TicksPerMinute,
        ["h"] = TimeSpan.TicksPerHour,
        ["d"] = TimeSpan.TicksPerDay,
    };

    /// <summary>Parses a duration written in the grammar above.</summary>
    /// <param name="text">The text; surrounding white space is ignored.</param>
    /// <param name="value">The duration, or zero when the text is not one.</param>
    /// <returns><see langword="true"/> when <paramref name="text"/> is a duration.</returns>
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var rest = text.AsSpan().Trim();
        if (rest is "0")
        {
            return true;
        }

        if (rest.IsEmpty)
        {
            return false;
        }

        double ticks = 0;
        while (!rest.IsEmpty)
        {
            var numberLength = rest.IndexOfAnyExcept("0123456789.");
            if (numberLength <= 0)
            {
                return false;
            }

            var unitLength = rest[numberLength..].IndexOfAny("0123456789.");
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

    /// <summary>What to write instead of a text that is not a duration, to follow "<c>'text' is not a duration; </c>".</summary>
    /// <param name="text">The refused text.</param>
    /// <returns>For a bare number, the same number with a unit (<c>a number needs a unit, e.g. 10s</c>); otherwise examples.</returns>
    public static string Hint(string? text)
    {
        var trimmed = text?.Trim() ?? "";
        return double.TryParse(trimmed, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out _)
            ? $"a number needs a unit, e.g. {trimmed}s"
            : $"write e.g. {Examples}";
    }

    /// <summary>Writes a duration for a message, as a setting would: whole hours, minutes and seconds from a minute up,
    /// seconds with one decimal from one second, whole milliseconds below.</summary>
    /// <param name="span">The duration.</param>
    /// <returns>Text such as <c>1h</c>, <c>2m30s</c>, <c>1.5s</c> or <c>500ms</c>, which <see cref="TryParse"/> reads back.</returns>
    public static string Format(TimeSpan span)
    {
        if (span.TotalMinutes < 1)
        {
            return span.TotalSeconds >= 1
                ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.#}s")
                : string.Create(CultureInfo.InvariantCulture, $"{span.TotalMilliseconds:0}ms");
        }

        var whole = TimeSpan.FromSeconds(Math.Round(span.TotalSeconds));
        var text = new StringBuilder();
        if ((long)whole.TotalHours is > 0 and var hours)
        {
            text.Append(CultureInfo.InvariantCulture, $"{hours}h");
        }

        if (whole.Minutes > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"{whole.Minutes}m");
        }

        if (whole.Seconds > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"{whole.Seconds}s");
        }

        return text.ToString();
    }

    /// <summary>A time-to-live for a message: <see cref="Format"/>, or <c>no expiry</c> when there is none.</summary>
    /// <param name="ttl">The TTL; <see langword="null"/> or zero when it does not expire.</param>
    /// <returns>Text such as <c>1h</c> or <c>no expiry</c>.</returns>
    public static string FormatTtl(TimeSpan? ttl) => ttl is { } span && span > TimeSpan.Zero ? Format(span) : "no expiry";
}
