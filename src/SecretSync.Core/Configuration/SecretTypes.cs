namespace SecretSync.Core.Configuration;

/// <summary>The Secret types a mapping may write.</summary>
internal static class SecretTypes
{
    private static readonly string[] BuiltIn =
    [
        "Opaque", "kubernetes.io/tls", "kubernetes.io/basic-auth", "kubernetes.io/ssh-auth",
        "kubernetes.io/dockerconfigjson", "kubernetes.io/dockercfg",
    ];

    /// <summary>What is wrong with <paramref name="type"/>, or <see langword="null"/> when the daemon may write it.</summary>
    /// <remarks>
    /// Built-in types are checked by name; a custom type must be domain-qualified (<c>example.com/kind</c>), as
    /// Kubernetes advises, so a misspelt built-in such as <c>tls</c> is not taken for one.
    /// </remarks>
    public static string? Problem(string type)
    {
        if (BuiltIn.Contains(type, StringComparer.Ordinal))
        {
            return null;
        }

        if (type == "kubernetes.io/service-account-token")
        {
            return "'kubernetes.io/service-account-token' is never written: the API server would mint a token into it";
        }

        var slash = type.IndexOf('/', StringComparison.Ordinal);
        var custom = slash > 0 && slash < type.Length - 1 && !type.StartsWith("kubernetes.io/", StringComparison.Ordinal)
            && type.AsSpan(0, slash).Contains('.') && !type.Any(c => char.IsWhiteSpace(c) || char.IsControl(c));
        return custom
            ? null
            : $"'{SourcePaths.Printable(type)}' is not a Secret type{Suggestions.Hint(type, BuiltIn)}; use one of {string.Join(", ", BuiltIn)}, or a domain-qualified custom type such as example.com/token";
    }
}
