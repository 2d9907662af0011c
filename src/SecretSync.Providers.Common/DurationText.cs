using System.Globalization;

namespace SecretSync.Providers.Common;

/// <summary>Durations as settings and messages write them: <c>10s</c>, <c>500ms</c>, <c>1m30s</c>, <c>2h</c>, or a bare number of seconds.</summary>
public static class DurationText
{
    /// <summary>The usual parse limit: one day. Longer values are not durations, however they are written.</summary>
    public static readonly TimeSpan DefaultLimit = TimeSpan.FromDays(1);

    /// <summary>Parses a duration whose bare number and each component are at most <paramref name="limitMilliseconds"/>.</summary>
    /// <param name="text">The text; surrounding white space is ignored.</param>
    /// <param name="limitMilliseconds">The largest bare number (as milliseconds) or single component accepted; beyond it the text is not a duration.</param>
    /// <param name="duration">The duration, or zero when the text is not one.</param>
    /// <returns><see langword="true"/> when <paramref name="text"/> is a duration.</returns>
    /// <remarks>Units are <c>ms</c>, <c>s</c>, <c>m</c> and <c>h</c>, case-sensitive; components add up.</remarks>
    public static bool TryParse(string text, double limitMilliseconds, out TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(text);
        duration = TimeSpan.Zero;
        text = text.Trim();
        if (text.Length == 0)
        {
            return false;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            if (!double.IsFinite(seconds) || seconds < 0 || seconds > limitMilliseconds / 1000)
            {
                return false;
            }

            duration = TimeSpan.FromSeconds(seconds);
            return true;
        }

        var total = TimeSpan.Zero;
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.'))
            {
                i++;
            }

            if (i == start || !double.TryParse(text.AsSpan(start, i - start), NumberStyles.Float, CultureInfo.InvariantCulture, out var amount))
            {
                return false;
            }

            var unitStart = i;
            while (i < text.Length && char.IsAsciiLetter(text[i]))
            {
                i++;
            }

            double? factorMs = text[unitStart..i] switch
            {
                "ms" => 1,
                "s" => 1000,
                "m" => 60_000,
                "h" => 3_600_000,
                _ => null,
            };
            if (factorMs is null || amount * factorMs.Value > limitMilliseconds)
            {
                return false;
            }

            total += TimeSpan.FromMilliseconds(amount * factorMs.Value);
        }

        duration = total;
        return true;
    }

    /// <summary>Writes a duration for a message, as a setting would: whole hours, minutes and seconds from a minute up,
    /// seconds with one decimal from one second, whole milliseconds below.</summary>
    /// <param name="span">The duration.</param>
    /// <returns>Text such as <c>1h</c>, <c>2m30s</c>, <c>1.5s</c> or <c>500ms</c>.</returns>
    public static string Format(TimeSpan span)
    {
        if (span.TotalMinutes < 1)
        {
            return span.TotalSeconds >= 1 ? $"{span.TotalSeconds:0.#}s" : $"{span.TotalMilliseconds:0}ms";
        }

        var whole = TimeSpan.FromSeconds(Math.Round(span.TotalSeconds));
        var text = new System.Text.StringBuilder();
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

    /// <summary>A time-to-live for a message: <see cref="Format"/>, or "no expiry" when there is none.</summary>
    /// <param name="ttl">The TTL; null or zero when it does not expire.</param>
    /// <returns>Text such as <c>1h</c> or <c>no expiry</c>.</returns>
    public static string FormatTtl(TimeSpan? ttl) => ttl is { } span && span > TimeSpan.Zero ? Format(span) : "no expiry";
}
