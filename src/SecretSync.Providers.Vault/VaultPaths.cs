namespace SecretSync.Providers.Vault;

/// <summary>Turns source paths into escaped KV v2 API paths.</summary>
internal static class VaultPaths
{
    /// <summary>Escapes each segment of a source path; refuses empty, <c>.</c> and <c>..</c> segments.</summary>
    public static bool TryEscape(string? path, out string escaped, out string problem)
    {
        escaped = "";
        problem = "";
        var trimmed = path?.Trim('/') ?? "";
        if (trimmed.Length == 0)
        {
            problem = "The source path is empty.";
            return false;
        }

        var segments = trimmed.Split('/');
        if (segments.Any(s => s is "" or "." or ".." || s.Any(char.IsControl)))
        {
            problem = $"The source path '{trimmed}' has an empty, '.', '..' or control-character segment.";
            return false;
        }

        escaped = string.Join('/', segments.Select(Uri.EscapeDataString));
        return true;
    }
}
