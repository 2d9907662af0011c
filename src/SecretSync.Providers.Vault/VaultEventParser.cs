using System.Globalization;
using System.Text.Json;

namespace SecretSync.Providers.Vault;

/// <summary>One parsed KV v2 event: the source path relative to the mount, and the new version when the event says.</summary>
internal readonly record struct VaultChange(string Path, string? Version);

/// <summary>Reads Vault event notifications leniently (vault.md §5): snake_case or camelCase, with or without the mount in the path.</summary>
internal static class VaultEventParser
{
    // The kv-v2 operations that change what a read returns. metadata-write/patch and config-write do not.
    private static readonly HashSet<string> Relevant = new(StringComparer.Ordinal)
    {
        "data-write", "data-patch", "data-delete", "delete", "undelete", "destroy", "metadata-delete",
    };

    // Only a write or patch creates the version named by current_version.
    private static readonly HashSet<string> CarriesVersion = new(StringComparer.Ordinal) { "data-write", "data-patch" };

    private static readonly string[] OperationSegments = ["data", "metadata", "delete", "undelete", "destroy", "subkeys"];

    /// <summary>Parses one message.</summary>
    /// <param name="message">The JSON text of one WebSocket message.</param>
    /// <param name="mount">The configured KV mount, without slashes.</param>
    /// <param name="ns">The configured Vault namespace, which may prefix mount paths in events.</param>
    /// <param name="change">The change, when the event concerns a source in <paramref name="mount"/>.</param>
    /// <param name="skipped">Why the message was skipped otherwise (free of values: events carry none).</param>
    public static bool TryParse(ReadOnlySpan<byte> message, string mount, string? ns, out VaultChange change, out string skipped)
    {
        change = default;
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(message.ToArray());
        }
        catch (JsonException)
        {
            skipped = "not JSON";
            return false;
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                skipped = "not a JSON object";
                return false;
            }

            // CloudEvents envelope {data:{event,event_type,plugin_info}}, or the inner object on its own.
            var body = Find(root, "data") is { ValueKind: JsonValueKind.Object } data && Find(data, "event") is not null ? data : root;
            var evt = Find(body, "event");
            var metadata = evt is { ValueKind: JsonValueKind.Object } e ? Find(e, "metadata") : Find(body, "metadata");
            if (metadata is not { ValueKind: JsonValueKind.Object } meta)
            {
                skipped = "no event metadata";
                return false;
            }

            // The envelope's own "type" is the subscription pattern (often "*"); event_type is the real one.
            var type = Text(Find(body, "event_type")) ?? (Text(Find(root, "type")) is { } t && t.Contains('/', StringComparison.Ordinal) ? t : null);
            string operation;
            if (type is null)
            {
                // Lenient: an event without a type is taken as a change (empty operation), unless its metadata names one.
                operation = Text(Find(meta, "operation")) ?? "";
            }
            else if (type.StartsWith("kv-v2/", StringComparison.Ordinal))
            {
                operation = type["kv-v2/".Length..];
            }
            else
            {
                skipped = $"event type '{type}' is not kv-v2";
                return false;
            }

            if (operation.Length > 0 && !Relevant.Contains(operation))
            {
                skipped = $"kv-v2/{operation} does not change data";
                return false;
            }

            var mountPath = Text(Find(body, "plugin_info") is { ValueKind: JsonValueKind.Object } plugin ? Find(plugin, "mount_path") : null);
            var nsPrefix = ns?.Trim('/') is { Length: > 0 } n ? n + "/" : null;
            if (mountPath is not null && nsPrefix is not null && mountPath.Trim('/').StartsWith(nsPrefix, StringComparison.Ordinal))
            {
                mountPath = mountPath.Trim('/')[nsPrefix.Length..];
            }

            if (mountPath is not null && !string.Equals(mountPath.Trim('/'), mount, StringComparison.Ordinal))
            {
                skipped = $"event for another mount '{mountPath}'";
                return false;
            }

            var rawPath = Text(Find(meta, "data_path")) ?? Text(Find(meta, "path"));
            if (rawPath is not null && nsPrefix is not null && rawPath.TrimStart('/').StartsWith(nsPrefix + mount + "/", StringComparison.Ordinal))
            {
                rawPath = rawPath.TrimStart('/')[nsPrefix.Length..];
            }

            if (rawPath is null || !TryRelativePath(rawPath, mount, out var path))
            {
                skipped = rawPath is null ? "no path" : $"path '{rawPath}' is not in mount '{mount}'";
                return false;
            }

            var version = CarriesVersion.Contains(operation) || operation.Length == 0
                ? Text(Find(meta, "current_version")) ?? Text(Find(meta, "version"))
                : null;
            if (version is not null && (!long.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number <= 0))
            {
                version = null;
            }

            change = new VaultChange(path, version);
            skipped = "";
            return true;
        }
    }

    /// <summary>
    /// Maps <c>secret/data/a/b</c> (1.15 style) or <c>data/a/b</c> (1.13 style, relative to the mount) to <c>a/b</c>.
    /// </summary>
    private static bool TryRelativePath(string raw, string mount, out string path)
    {
        path = "";
        var trimmed = raw.Trim('/');
        var prefix = mount + "/";
        if (trimmed.StartsWith(prefix, StringComparison.Ordinal) && StripOperation(trimmed[prefix.Length..], out path))
        {
            return true;
        }

        // Relative form (data/a/b): another mount's full path (other/data/a) does not start with an operation segment.
        return StripOperation(trimmed, out path);
    }

    private static bool StripOperation(string path, out string rest)
    {
        rest = "";
        foreach (var segment in OperationSegments)
        {
            if (path.StartsWith(segment + "/", StringComparison.Ordinal))
            {
                rest = path[(segment.Length + 1)..].Trim('/');
                return rest.Length > 0;
            }
        }

        return false;
    }

    /// <summary>A property by name ignoring case, underscores and dashes: <c>event_type</c> = <c>eventType</c>.</summary>
    private static JsonElement? Find(JsonElement parent, string name)
    {
        if (parent.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var wanted = Normalize(name);
        foreach (var property in parent.EnumerateObject())
        {
            if (Normalize(property.Name) == wanted)
            {
                return property.Value;
            }
        }

        return null;
    }

    private static string Normalize(string name) =>
        new([.. name.Where(c => c is not ('_' or '-')).Select(char.ToLowerInvariant)]);

    private static string? Text(JsonElement? element) => element switch
    {
        { ValueKind: JsonValueKind.String } e => e.GetString(),
        { ValueKind: JsonValueKind.Number } e => e.GetRawText(),
        _ => null,
    };
}
