using System.Text.RegularExpressions;

namespace SecretSync.Providers.Azure;

/// <summary>Source paths to Key Vault secret names: <c>/</c> becomes <c>-</c>, so <c>payments/db</c> reads the secret <c>payments-db</c>.</summary>
/// <remarks>Names are 1–127 characters of <c>[0-9a-zA-Z-]</c> and compare case-insensitively (azure-key-vault.md §1).</remarks>
internal static partial class AzureNames
{
    public static StringComparer Comparer => StringComparer.OrdinalIgnoreCase;

    public static bool TryMap(string path, out string name, out string problem)
    {
        name = (path ?? "").Trim().Trim('/').Replace('/', '-');
        if (NamePattern().IsMatch(name))
        {
            problem = "";
            return true;
        }

        problem = $"'{path}' is not a Key Vault secret name: use 1-127 characters of 0-9, a-z, A-Z and '-' ('/' is read as '-').";
        return false;
    }

    /// <summary>Version ids are 32 hexadecimal characters.</summary>
    public static bool IsVersion(string version) => VersionPattern().IsMatch(version);

    [GeneratedRegex("^[0-9a-zA-Z-]{1,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[0-9a-fA-F]{32}$", RegexOptions.CultureInvariant)]
    private static partial Regex VersionPattern();
}
