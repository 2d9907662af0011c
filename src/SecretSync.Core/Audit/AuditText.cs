using System.Globalization;
using System.Text;

namespace SecretSync.Core.Audit;

/// <summary>Makes text from tenants (annotation values, names) safe to show in an audit trail.</summary>
/// <remarks>
/// Bidirectional controls (U+202A–U+202E, U+2066–U+2069, U+200E/U+200F, U+061C) can make a line read differently from what it
/// holds, and C0/C1 controls can move a terminal's cursor or forge line breaks. Each is written as a visible <c>\uXXXX</c>
/// (a backslash already in the text stays as it is), so every sink, a terminal and a JSON reader show the same thing.
/// </remarks>
public static class AuditText
{
    /// <summary>The text with every bidirectional and control character written as <c>\uXXXX</c>; null stays null.</summary>
    /// <param name="text">Text that may come from a tenant.</param>
    /// <returns>The escaped text, or <paramref name="text"/> itself when nothing needed escaping.</returns>
    public static string? Escape(string? text)
    {
        if (text is null || !text.Any(NeedsEscape))
        {
            return text;
        }

        var escaped = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (NeedsEscape(c))
            {
                escaped.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
            else
            {
                escaped.Append(c);
            }
        }

        return escaped.ToString();
    }

    /// <summary>Every text field of <paramref name="auditEvent"/> a tenant can influence, escaped.</summary>
    /// <param name="auditEvent">The event as recorded.</param>
    /// <returns>The event with escaped text, or the same instance when nothing needed escaping.</returns>
    public static AuditEvent Escape(AuditEvent auditEvent)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        var escaped = auditEvent with
        {
            Namespace = Escape(auditEvent.Namespace),
            Secret = Escape(auditEvent.Secret),
            Bundle = Escape(auditEvent.Bundle),
            Source = Escape(auditEvent.Source),
            SourceVersion = Escape(auditEvent.SourceVersion),
            PreviousVersion = Escape(auditEvent.PreviousVersion),
            Error = Escape(auditEvent.Error),
            Detail = Escape(auditEvent.Detail),
        };
        return escaped == auditEvent ? auditEvent : escaped;
    }

    private static bool NeedsEscape(char c) =>
        char.IsControl(c) || c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069' or '\u200E' or '\u200F' or '\u061C';
}
