using System.Diagnostics.CodeAnalysis;

namespace SecretSync.Providers.Gcp;

/// <summary>A secret's resource name: the project and the secret id (gcp-secret-manager.md §1).</summary>
internal readonly record struct SecretName(string Project, string SecretId)
{
    /// <summary>The REST path below <c>/v1/</c>: <c>projects/{p}/secrets/{s}</c>.</summary>
    public string Resource => $"projects/{Project}/secrets/{SecretId}";

    /// <inheritdoc />
    public override string ToString() => Resource;
}

/// <summary>Turns source paths into secret resource names.</summary>
/// <remarks>
/// A source is a secret id (<c>payments-db</c>), a folder-style path whose <c>/</c> become <c>-</c>
/// (<c>payments/db</c> is the secret <c>payments-db</c>: secret ids cannot hold slashes), or a full
/// <c>projects/{project}/secrets/{id}</c> name for a secret in another project.
/// </remarks>
internal static class GcpNames
{
    private const int MaxSecretIdLength = 255;

    public static bool TryResolve(string? path, string defaultProject, [NotNullWhen(true)] out SecretName? name, out string problem)
    {
        name = null;
        problem = "";
        var trimmed = path?.Trim().Trim('/') ?? "";
        if (trimmed.Length == 0)
        {
            problem = "The source path is empty; name a secret id such as payments-db.";
            return false;
        }

        var project = defaultProject;
        var id = trimmed;
        if (trimmed.StartsWith("projects/", StringComparison.Ordinal))
        {
            var parts = trimmed.Split('/');
            if (parts.Length != 4 || parts[2] != "secrets" || parts[1].Length == 0 ||
                !parts[1].All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.' or ':'))
            {
                problem = $"The source '{trimmed}' is not a secret name of the form projects/PROJECT/secrets/SECRET_ID.";
                return false;
            }

            project = parts[1];
            id = parts[3];
        }
        else
        {
            id = trimmed.Replace('/', '-');
        }

        if (id.Length is 0 or > MaxSecretIdLength || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            problem = $"The source '{trimmed}' does not name a valid secret id (1-255 letters, digits, '-' or '_'; '/' maps to '-').";
            return false;
        }

        name = new SecretName(project, id);
        return true;
    }

    /// <summary>The version number at the end of a version resource name (<c>projects/123/secrets/s/versions/4</c>).</summary>
    public static long? VersionNumberOf(string? resourceName)
    {
        if (resourceName is null)
        {
            return null;
        }

        var slash = resourceName.LastIndexOf('/');
        return slash > 0 && resourceName.AsSpan(0, slash).EndsWith("/versions", StringComparison.Ordinal) &&
               long.TryParse(resourceName.AsSpan(slash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : null;
    }
}
