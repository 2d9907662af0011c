using System.Globalization;
using System.Text.Json;
using SecretSync.Core.Providers;
using SecretSync.Providers.Common;

namespace SecretSync.Providers.Vault;

/// <summary>Reads the pieces of Vault's JSON bodies the adapter relies on (vault.md §1, §2).</summary>
internal static class VaultJson
{
    /// <summary>The <c>errors</c> array of an error body, or <see langword="null"/> when the body has none (§1 Errors).</summary>
    public static IReadOnlyList<string>? Errors(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("errors", out var errors) || errors.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        return [.. errors.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString() ?? "" : e.GetRawText())];
    }

    /// <summary>The errors of a body joined for a message, shortened; empty when there are none.</summary>
    public static string ErrorText(ReadOnlyMemory<byte> body)
    {
        using var doc = JsonValues.TryParse(body);
        if (doc is null || Errors(doc.RootElement) is not { Count: > 0 } errors)
        {
            return "";
        }

        var text = string.Join("; ", errors);
        return text.Length > 300 ? text[..300] + "…" : text;
    }

    /// <summary>The object at <c>data</c>, or <see langword="null"/>.</summary>
    public static JsonElement? Data(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object ? data : null;

    /// <summary>A property that is an object, or <see langword="null"/>.</summary>
    public static JsonElement? Object(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object ? value : null;

    /// <summary>A boolean property, or <see langword="null"/>.</summary>
    public static bool? Boolean(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? value.GetBoolean()
            : null;

    /// <summary>How Vault describes one version's state in its metadata (§2): live, deleted or destroyed.</summary>
    /// <remarks>A deletion time in the future (<c>delete_version_after</c>) still reads as live until it passes.</remarks>
    public static AbsenceKind? VersionState(JsonElement versionMetadata, DateTimeOffset now)
    {
        if (Boolean(versionMetadata, "destroyed") == true)
        {
            return AbsenceKind.Destroyed;
        }

        return JsonValues.Time(JsonValues.String(versionMetadata, "deletion_time")) is { } deleted && deleted <= now ? AbsenceKind.Deleted : null;
    }

    /// <summary>The newest version in a metadata <c>versions</c> map (keys are numbers as strings, §2) that is neither deleted nor destroyed.</summary>
    public static string? NewestLiveVersion(JsonElement metadata, DateTimeOffset now)
    {
        if (Object(metadata, "versions") is not { } versions)
        {
            return null;
        }

        long? newest = null;
        foreach (var version in versions.EnumerateObject())
        {
            if (long.TryParse(version.Name, NumberStyles.None, CultureInfo.InvariantCulture, out var number) &&
                version.Value.ValueKind == JsonValueKind.Object &&
                VersionState(version.Value, now) is null &&
                (newest is null || number > newest))
            {
                newest = number;
            }
        }

        return newest?.ToString(CultureInfo.InvariantCulture);
    }
}
