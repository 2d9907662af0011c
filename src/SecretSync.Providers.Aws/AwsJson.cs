using System.Text;
using System.Text.Json;
using SecretSync.Core.Providers;
using SecretSync.Providers.Common;

namespace SecretSync.Providers.Aws;

/// <summary>Reading and writing the JSON 1.1 bodies of Secrets Manager (aws-secrets-manager.md §1, §3).</summary>
internal static class AwsJson
{
    /// <summary>The key a secret's whole value is returned under when it is not a JSON object, or is binary.</summary>
    public const string ValueKey = "value";

    /// <summary>An epoch-seconds timestamp (possibly fractional), as every Secrets Manager date is (§1).</summary>
    public static DateTimeOffset? Time(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.Number
            || !value.TryGetDouble(out var seconds) || !double.IsFinite(seconds) || seconds < 0 || seconds > 253_402_300_799)
        {
            return null;
        }

        return DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(seconds * 1000));
    }

    public static JsonElement? Array(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array ? value : null;

    /// <summary>The elements of an array member; none when it is missing or not an array.</summary>
    public static IEnumerable<JsonElement> Items(JsonElement element, string name) =>
        Array(element, name) is { } array ? array.EnumerateArray() : [];

    /// <summary>True when a version-to-stages map is missing (a secret without versions) or an object of string lists.</summary>
    /// <remarks>Anything else is a malformed answer, never a sign that no version is current.</remarks>
    public static bool IsStageMap(JsonElement entry, string mapName) =>
        !entry.TryGetProperty(mapName, out var map)
        || (map.ValueKind == JsonValueKind.Object
            && map.EnumerateObject().All(v => v.Value.ValueKind == JsonValueKind.Array && v.Value.EnumerateArray().All(s => s.ValueKind == JsonValueKind.String)));

    /// <summary>True when the map lists versions and none of them carries <paramref name="stage"/>.</summary>
    public static bool HasVersionsWithout(JsonElement entry, string mapName, string stage) =>
        entry.TryGetProperty(mapName, out var map) && map.ValueKind == JsonValueKind.Object && map.EnumerateObject().Any()
        && !map.EnumerateObject().Any(v => v.Value.ValueKind == JsonValueKind.Array && v.Value.EnumerateArray().Any(s => s.ValueKind == JsonValueKind.String && s.ValueEquals(stage)));

    /// <summary>The version carrying <c>AWSCURRENT</c> in a version-to-stages map (<c>SecretVersionsToStages</c> / <c>VersionIdsToStages</c>).</summary>
    public static string? CurrentVersion(JsonElement entry, string mapName)
    {
        if (entry.ValueKind != JsonValueKind.Object || !entry.TryGetProperty(mapName, out var map) || map.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var version in map.EnumerateObject())
        {
            if (version.Value.ValueKind == JsonValueKind.Array &&
                version.Value.EnumerateArray().Any(s => s.ValueKind == JsonValueKind.String && s.ValueEquals("AWSCURRENT")))
            {
                return version.Name;
            }
        }

        return null;
    }

    /// <summary>Turns one secret value (GetSecretValue answer or BatchGetSecretValue entry) into a payload.</summary>
    /// <remarks>
    /// A <c>SecretString</c> holding a JSON object gives one key per member: strings as their text, other JSON
    /// values (numbers, booleans, null, nested objects or arrays) as their JSON text. Any other <c>SecretString</c>
    /// (plain text, a JSON string, number or array) is one key, <see cref="ValueKey"/>, holding the string as stored.
    /// A <c>SecretBinary</c> is one key, <see cref="ValueKey"/>, holding the decoded bytes.
    /// </remarks>
    public static ReadResult Payload(JsonElement entry, string what)
    {
        if (JsonValues.String(entry, "VersionId") is not { Length: > 0 } versionId)
        {
            return Invalid($"Secrets Manager's answer for {what} lacks VersionId.");
        }

        // CreatedDate on a value is the version's creation time (§3 GetSecretValue).
        var created = Time(entry, "CreatedDate") ?? DateTimeOffset.UnixEpoch;
        var version = new SourceVersion(versionId, created);
        if (JsonValues.String(entry, "SecretString") is { } text)
        {
            return new ReadResult.Found(new SecretPayload(version, Split(text)));
        }

        if (JsonValues.String(entry, "SecretBinary") is { } base64)
        {
            try
            {
                return new ReadResult.Found(new SecretPayload(version, new Dictionary<string, byte[]>(StringComparer.Ordinal)
                {
                    [ValueKey] = Convert.FromBase64String(base64),
                }));
            }
            catch (FormatException)
            {
                return Invalid($"Secrets Manager's SecretBinary for {what} is not base64.");
            }
        }

        return Invalid($"Secrets Manager's answer for {what} has neither SecretString nor SecretBinary.");
    }

    private static Dictionary<string, byte[]> Split(string text)
    {
        var values = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var trimmed = text.AsSpan().TrimStart();
        if (!trimmed.IsEmpty && trimmed[0] == '{')
        {
            try
            {
                using var doc = JsonDocument.Parse(text);
                if (doc.RootElement.ValueKind == JsonValueKind.Object)
                {
                    foreach (var member in doc.RootElement.EnumerateObject())
                    {
                        values[member.Name] = member.Value.ValueKind == JsonValueKind.String
                            ? Encoding.UTF8.GetBytes(member.Value.GetString()!)
                            : Encoding.UTF8.GetBytes(member.Value.GetRawText());
                    }

                    return values;
                }
            }
            catch (JsonException)
            {
                // Text that merely starts with a brace is a plain value.
            }
        }

        values[ValueKey] = Encoding.UTF8.GetBytes(text);
        return values;
    }

    private static ReadResult.Failed Invalid(string message) => new(new ProviderFailure(FailureKind.InvalidResponse, message));
}
