using System.Globalization;
using System.Text;

namespace SecretSync.Core.Model;

/// <summary>The bundles one namespace asked for, and what in its annotation could not be honoured.</summary>
/// <param name="Names">Valid, distinct bundle names in the order written.</param>
/// <param name="Rejected">Tokens that are not bundle names, made printable and shortened for reporting.</param>
/// <param name="Truncated">The value was longer than the limits; the excess was ignored.</param>
public sealed record BundleRequest(IReadOnlyList<string> Names, IReadOnlyList<string> Rejected, bool Truncated)
{
    private const int MaxReportedTokens = 16;
    private const int MaxReportedTokenLength = 64;

    /// <summary>Nothing requested.</summary>
    public static BundleRequest None { get; } = new([], [], false);

    /// <summary>True when something in the annotation was rejected or ignored.</summary>
    public bool HasProblems => Rejected.Count > 0 || Truncated;

    /// <summary>What could not be honoured, for audit and Kubernetes events: the rejected tokens and whether the value was cut.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        if (Rejected.Count > 0)
        {
            text.Append("not bundle names (lowercase DNS-1123 labels): ").AppendJoin(", ", Rejected.Select(t => $"'{t}'"));
        }

        if (Truncated)
        {
            text.Append(text.Length > 0 ? "; " : "")
                .Append(CultureInfo.InvariantCulture, $"longer than {Annotations.MaxBundleNames} names or {Annotations.MaxBundlesLength} characters, the rest ignored");
        }

        return text.Length > 0 ? text.ToString() : $"{Names.Count} bundle names";
    }

    internal static BundleRequest Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return None;
        }

        var truncated = false;
        var text = value.AsSpan();
        if (text.Length > Annotations.MaxBundlesLength)
        {
            // Cut at a separator so a name split in half cannot turn into a different, valid name.
            text = text[..Math.Max(0, text[..(Annotations.MaxBundlesLength + 1)].LastIndexOf(','))];
            truncated = true;
        }

        var names = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var rejected = new List<string>();
        foreach (var range in text.Split(','))
        {
            var token = text[range].Trim();
            if (token.IsEmpty)
            {
                continue;
            }

            if (!KubernetesNames.IsDns1123Label(token))
            {
                if (rejected.Count < MaxReportedTokens)
                {
                    rejected.Add(Printable(token));
                }

                continue;
            }

            var name = token.ToString();
            if (seen.Contains(name))
            {
                continue;
            }

            if (names.Count == Annotations.MaxBundleNames)
            {
                truncated = true;
                break;
            }

            seen.Add(name);
            names.Add(name);
        }

        return new BundleRequest(names, rejected, truncated);
    }

    // Rejected tokens end up in audit and Kubernetes events: keep them short and free of control characters.
    private static string Printable(ReadOnlySpan<char> token)
    {
        var builder = new StringBuilder(Math.Min(token.Length, MaxReportedTokenLength + 1));
        foreach (var c in token[..Math.Min(token.Length, MaxReportedTokenLength)])
        {
            builder.Append(char.IsControl(c) || char.IsSurrogate(c) || char.IsWhiteSpace(c) && c != ' ' ? '?' : c);
        }

        return token.Length > MaxReportedTokenLength ? builder.Append('…').ToString() : builder.ToString();
    }
}
