namespace SecretSync.Core.Configuration;

/// <summary>The shape every provider's source path must have, checked before any provider sees it.</summary>
internal static class SourcePaths
{
    /// <summary>What is wrong with <paramref name="path"/>, or <see langword="null"/> when it is well formed.</summary>
    public static string? Problem(string path)
    {
        if (path.Any(char.IsControl))
        {
            return "contains a control character";
        }

        if (path.Any(char.IsWhiteSpace))
        {
            return "contains white space; source paths are names such as payments/db";
        }

        if (path.IndexOfAny(['?', '#']) >= 0)
        {
            return "contains '?' or '#', which would change the request rather than name a secret";
        }

        if (path.StartsWith('/') || path.EndsWith('/'))
        {
            return "must not start or end with '/'; write it relative to the mount, e.g. payments/db";
        }

        if (path.Split('/').Any(segment => segment is "" or "." or ".."))
        {
            return "has an empty, '.' or '..' segment";
        }

        return null;
    }

    /// <summary>The path with control characters escaped, fit for a message.</summary>
    public static string Printable(string path) =>
        string.Concat(path.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
}
