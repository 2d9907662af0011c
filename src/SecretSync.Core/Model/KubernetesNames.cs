namespace SecretSync.Core.Model;

/// <summary>Kubernetes naming rules, checked by hand so hostile input cannot cause regex backtracking.</summary>
internal static class KubernetesNames
{
    /// <summary>A DNS-1123 label: lowercase alphanumerics and '-', at most 63, starting and ending alphanumeric.</summary>
    public static bool IsDns1123Label(ReadOnlySpan<char> name) => name.Length is > 0 and <= 63 && IsLabelShape(name, allowUpper: false, allowDotUnderscore: false);

    /// <summary>A DNS-1123 subdomain: dot-separated labels, at most 253 in total.</summary>
    public static bool IsDns1123Subdomain(string name)
    {
        if (name.Length is 0 or > 253)
        {
            return false;
        }

        foreach (var range in name.AsSpan().Split('.'))
        {
            if (!IsLabelShape(name.AsSpan()[range], allowUpper: false, allowDotUnderscore: false))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A Secret or ConfigMap data key: <c>[-._a-zA-Z0-9]+</c>, at most 253, not <c>.</c> and not starting with <c>..</c>.</summary>
    public static bool IsSecretKey(string key) =>
        key.Length is > 0 and <= 253
        && key != "."
        && !key.StartsWith("..", StringComparison.Ordinal)
        && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_');

    /// <summary>A label key: an optional DNS-1123 subdomain prefix and '/', then a name of at most 63 characters.</summary>
    public static bool IsLabelKey(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        var name = slash < 0 ? key.AsSpan() : key.AsSpan(slash + 1);
        return (slash < 0 || IsDns1123Subdomain(key[..slash]))
            && name.Length is > 0 and <= 63
            && IsLabelShape(name, allowUpper: true, allowDotUnderscore: true);
    }

    /// <summary>A label value: empty, or at most 63 characters shaped like a label name.</summary>
    public static bool IsLabelValue(string value) =>
        value.Length == 0 || (value.Length <= 63 && IsLabelShape(value, allowUpper: true, allowDotUnderscore: true));

    private static bool IsLabelShape(ReadOnlySpan<char> s, bool allowUpper, bool allowDotUnderscore)
    {
        if (s.IsEmpty || !IsEdge(s[0], allowUpper) || !IsEdge(s[^1], allowUpper))
        {
            return false;
        }

        foreach (var c in s)
        {
            if (!IsEdge(c, allowUpper) && c != '-' && !(allowDotUnderscore && c is '.' or '_'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsEdge(char c, bool allowUpper) => char.IsAsciiDigit(c) || char.IsAsciiLetterLower(c) || (allowUpper && char.IsAsciiLetterUpper(c));
}
