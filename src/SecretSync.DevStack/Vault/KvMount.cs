using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SecretSync.DevStack.Vault;

/// <summary>One version of a key (reference vault.md §2).</summary>
internal sealed class KvVersion
{
    public required DateTimeOffset Created { get; init; }

    public DateTimeOffset? Deletion { get; set; }

    public bool Destroyed { get; set; }

    /// <summary>The secret data as canonical JSON; null once destroyed.</summary>
    public byte[]? Data { get; set; }

    /// <summary>Deleted when the deletion time has come; a time equal to now counts, so a frozen test clock still sees a soft delete.</summary>
    public bool IsDeleted(DateTimeOffset now) => Deletion is { } deletion && deletion <= now;
}

/// <summary>A key's metadata and its versions (reference vault.md §2 "Metadata response").</summary>
internal sealed class KvKey(string path)
{
    public string Path { get; } = path;

    public int CurrentVersion { get; set; }

    public int OldestVersion { get; set; }

    public int MaxVersions { get; set; }

    public bool CasRequired { get; set; }

    public TimeSpan DeleteVersionAfter { get; set; }

    public DateTimeOffset? CreatedTime { get; set; }

    public DateTimeOffset? UpdatedTime { get; set; }

    public SortedDictionary<string, string>? CustomMetadata { get; set; }

    public Dictionary<int, KvVersion> Versions { get; } = [];
}

/// <summary>Changes to a key's metadata or to the engine config; null fields stay as they are.</summary>
internal sealed record MetadataChange(
    int? MaxVersions = null, bool? CasRequired = null, TimeSpan? DeleteVersionAfter = null, IReadOnlyDictionary<string, string?>? CustomMetadata = null)
{
    public bool IsEmpty => MaxVersions is null && CasRequired is null && DeleteVersionAfter is null && CustomMetadata is null;
}

/// <summary>A KV version 2 secrets engine at one mount path.</summary>
/// <remarks>
/// All state sits behind one lock; every operation is a dictionary lookup plus work proportional to the one
/// key it touches, and listing reads a per-folder index, so the cost does not grow with the number of keys.
/// </remarks>
internal sealed class KvMount
{
    private const int DefaultMaxVersions = 10;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, KvKey> _keys = new(StringComparer.Ordinal);
    private readonly FolderIndex _folders = new();
    private readonly TimeProvider _time;
    private readonly VaultEventBus _events;
    private int _maxVersions;
    private bool _casRequired;
    private TimeSpan _deleteVersionAfter;

    public KvMount(string name, TimeProvider time, VaultEventBus events)
    {
        Name = name;
        MountPath = name + "/";
        Accessor = "kv_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        _time = time;
        _events = events;
    }

    public string Name { get; }

    public string MountPath { get; }

    public string Accessor { get; }

    public bool Exists(string path)
    {
        lock (_gate)
        {
            return _keys.ContainsKey(path);
        }
    }

    // ---- data/ -----------------------------------------------------------------------------------------

    /// <summary>§2 read: 200 with data and metadata; 404 with the envelope when deleted or destroyed; 404 <c>{"errors":[]}</c> otherwise.</summary>
    public Reply Read(string path, int version)
    {
        lock (_gate)
        {
            if (!_keys.TryGetValue(path, out var key))
            {
                return VaultJson.NotFound();
            }

            var number = version > 0 ? version : key.CurrentVersion;
            if (!key.Versions.TryGetValue(number, out var v))
            {
                return VaultJson.NotFound();
            }

            var gone = v.IsDeleted(_time.GetUtcNow()) || v.Destroyed;
            return VaultJson.Envelope(gone ? 404 : 200, w =>
            {
                w.WriteStartObject();
                w.WritePropertyName("data");
                if (gone || v.Data is null)
                {
                    w.WriteNullValue();
                }
                else
                {
                    w.WriteRawValue(v.Data, skipInputValidation: true);
                }

                w.WritePropertyName("metadata");
                WriteVersionMetadata(w, key, number, v);
                w.WriteEndObject();
            }, mountType: "kv");
        }
    }

    /// <summary>§2 create/update with check-and-set; answers the new version's metadata.</summary>
    public Reply Write(string path, byte[] data, long? cas)
    {
        if (path.Length == 0)
        {
            return VaultJson.Errors(400, "missing path");
        }

        lock (_gate)
        {
            _keys.TryGetValue(path, out var key);
            if (CheckAndSet(key, cas) is { } refused)
            {
                return refused;
            }

            if (key is null)
            {
                key = new KvKey(path);
                _keys.Add(path, key);
                _folders.Add(path);
            }

            return AddVersion(key, data, "data-write");
        }
    }

    /// <summary>§2 patch: a JSON merge patch of the current version's data into a new version.</summary>
    public Reply Patch(string path, JsonElement patch, long? cas)
    {
        lock (_gate)
        {
            if (!_keys.TryGetValue(path, out var key))
            {
                return VaultJson.NotFound();
            }

            if (CheckAndSet(key, cas) is { } refused)
            {
                return refused;
            }

            if (!key.Versions.TryGetValue(key.CurrentVersion, out var current))
            {
                return VaultJson.NotFound();
            }

            if (current.IsDeleted(_time.GetUtcNow()) || current.Destroyed || current.Data is null)
            {
                // Vault's patch 404 carries the version metadata directly under data (pathDataPatch).
                return VaultJson.Envelope(404, w => WriteVersionMetadata(w, key, key.CurrentVersion, current), mountType: "kv");
            }

            var merged = MergePatch(JsonNode.Parse(current.Data), patch);
            byte[] bytes;
            using (var doc = JsonDocument.Parse(merged?.ToJsonString() ?? "{}"))
            {
                bytes = VaultJson.Canonical(doc.RootElement);
            }

            return AddVersion(key, bytes, "data-patch");
        }
    }

    /// <summary>§2 soft-delete of the latest version (<c>DELETE data/</c>); 204 whether or not there was anything to delete.</summary>
    public Reply DeleteLatest(string path)
    {
        lock (_gate)
        {
            if (!_keys.TryGetValue(path, out var key))
            {
                return Reply.NoContent;
            }

            var now = _time.GetUtcNow();
            if (key.Versions.TryGetValue(key.CurrentVersion, out var latest) && !latest.Destroyed && !latest.IsDeleted(now))
            {
                latest.Deletion = now;
            }

            Publish("data-delete", $"{MountPath}data/{path}", null);
            return Reply.NoContent;
        }
    }

    /// <summary>§2 soft-delete of given versions (<c>POST delete/</c>).</summary>
    public Reply DeleteVersions(string path, IReadOnlyCollection<int> versions) =>
        ChangeVersions(path, versions, "delete", (v, now) =>
        {
            if (!v.Destroyed && !v.IsDeleted(now))
            {
                v.Deletion = now;
            }
        });

    /// <summary>§2 undelete (<c>POST undelete/</c>): clears the deletion time of versions not destroyed.</summary>
    public Reply Undelete(string path, IReadOnlyCollection<int> versions) =>
        ChangeVersions(path, versions, "undelete", (v, _) =>
        {
            if (!v.Destroyed)
            {
                v.Deletion = null;
            }
        });

    /// <summary>§2 destroy (<c>POST destroy/</c>): removes the data for good, keeps the version's metadata.</summary>
    public Reply Destroy(string path, IReadOnlyCollection<int> versions) =>
        ChangeVersions(path, versions, "destroy", (v, _) =>
        {
            v.Destroyed = true;
            v.Data = null;
        });

    /// <summary>§2 subkeys: the data's key structure with leaves replaced by null, to <paramref name="depth"/> levels (0 = all).</summary>
    public Reply Subkeys(string path, int version, int depth)
    {
        lock (_gate)
        {
            if (!_keys.TryGetValue(path, out var key))
            {
                return VaultJson.NotFound();
            }

            var number = version > 0 ? version : key.CurrentVersion;
            if (!key.Versions.TryGetValue(number, out var v))
            {
                return VaultJson.NotFound();
            }

            var gone = v.IsDeleted(_time.GetUtcNow()) || v.Destroyed || v.Data is null;
            return VaultJson.Envelope(gone ? 404 : 200, w =>
            {
                w.WriteStartObject();
                w.WritePropertyName("subkeys");
                if (gone)
                {
                    w.WriteNullValue();
                }
                else
                {
                    using var doc = JsonDocument.Parse(v.Data);
                    WriteSubkeys(w, doc.RootElement, 1, depth);
                }

                w.WritePropertyName("metadata");
                WriteVersionMetadata(w, key, number, v);
                w.WriteEndObject();
            }, mountType: "kv");
        }
    }

    // ---- metadata/ -------------------------------------------------------------------------------------

    /// <summary>§2 list: keys and folders (ending in <c>/</c>) directly under <paramref name="folder"/>; 404 <c>{"errors":[]}</c> when empty.</summary>
    public Reply List(string folder)
    {
        var keys = ListKeys(folder);
        return keys.Count == 0
            ? VaultJson.NotFound()
            : VaultJson.Envelope(200, w =>
            {
                w.WriteStartObject();
                w.WriteStartArray("keys");
                foreach (var key in keys)
                {
                    w.WriteStringValue(key);
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }, mountType: "kv");
    }

    public IReadOnlyList<string> ListKeys(string folder)
    {
        // A folder is named with or without its trailing slash (hvac sends `app`, Vault lists `app/`; peers.md §2b).
        folder = folder.TrimStart('/');
        if (folder.Length > 0 && !folder.EndsWith('/'))
        {
            folder += "/";
        }

        lock (_gate)
        {
            return _folders.List(folder);
        }
    }

    /// <summary>§2 metadata read: every version keyed by its number as a string.</summary>
    public Reply ReadMetadata(string path)
    {
        lock (_gate)
        {
            if (!_keys.TryGetValue(path, out var key))
            {
                return VaultJson.NotFound();
            }

            return VaultJson.Envelope(200, w =>
            {
                w.WriteStartObject();
                w.WriteBoolean("cas_required", key.CasRequired);
                w.WriteString("created_time", VaultJson.Time(key.CreatedTime));
                w.WriteNumber("current_version", key.CurrentVersion);
                WriteCustomMetadata(w, key);
                w.WriteString("delete_version_after", GoDuration.Format(key.DeleteVersionAfter));
                w.WriteNumber("max_versions", key.MaxVersions);
                w.WriteNumber("oldest_version", key.OldestVersion);
                w.WriteString("updated_time", VaultJson.Time(key.UpdatedTime));
                w.WriteStartObject("versions");
                foreach (var (number, v) in key.Versions.OrderBy(p => p.Key))
                {
                    w.WriteStartObject(number.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    w.WriteString("created_time", VaultJson.Time(v.Created));
                    w.WriteString("deletion_time", VaultJson.Time(v.Deletion));
                    w.WriteBoolean("destroyed", v.Destroyed);
                    w.WriteEndObject();
                }

                w.WriteEndObject();
                w.WriteEndObject();
            }, mountType: "kv");
        }
    }

    /// <summary>§2 metadata create/update (<paramref name="patch"/> false) or patch; does not create a version.</summary>
    public Reply WriteMetadata(string path, MetadataChange change, bool patch)
    {
        if (path.Length == 0)
        {
            return VaultJson.Errors(400, "missing path");
        }

        if (!patch && change.IsEmpty)
        {
            // Vault's fast path: nothing to change, nothing stored, no event.
            return Reply.NoContent;
        }

        if (ValidateCustomMetadata(change.CustomMetadata, patch) is { } invalid)
        {
            return invalid;
        }

        lock (_gate)
        {
            if (!_keys.TryGetValue(path, out var key))
            {
                if (patch)
                {
                    return VaultJson.NotFound();
                }

                var now = _time.GetUtcNow();
                key = new KvKey(path) { CreatedTime = now, UpdatedTime = now };
                _keys.Add(path, key);
                _folders.Add(path);
            }

            key.MaxVersions = change.MaxVersions ?? key.MaxVersions;
            key.CasRequired = change.CasRequired ?? key.CasRequired;
            key.DeleteVersionAfter = change.DeleteVersionAfter ?? key.DeleteVersionAfter;
            if (change.CustomMetadata is { } custom)
            {
                var merged = patch ? new SortedDictionary<string, string>(key.CustomMetadata ?? [], StringComparer.Ordinal) : new SortedDictionary<string, string>(StringComparer.Ordinal);
                foreach (var (name, value) in custom)
                {
                    if (value is null)
                    {
                        merged.Remove(name);
                    }
                    else
                    {
                        merged[name] = value;
                    }
                }

                key.CustomMetadata = merged;
            }

            Publish(patch ? "metadata-patch" : "metadata-write", $"{MountPath}metadata/{path}", $"{MountPath}data/{path}");
            if (change.CasRequired == false && _casRequired)
            {
                return VaultJson.Envelope(200, null, warnings: ["\"cas_required\" set to false, but is mandated by backend config. This value will be ignored."], mountType: "kv");
            }

            return Reply.NoContent;
        }
    }

    /// <summary>§2 delete metadata and all versions: permanent, and the key leaves its folder's listing.</summary>
    public Reply DeleteMetadata(string path)
    {
        lock (_gate)
        {
            if (_keys.Remove(path))
            {
                _folders.Remove(path);
            }

            Publish("metadata-delete", $"{MountPath}metadata/{path}", null);
            return Reply.NoContent;
        }
    }

    // ---- config ----------------------------------------------------------------------------------------

    /// <summary>§2 engine config read.</summary>
    public Reply ReadConfig()
    {
        lock (_gate)
        {
            return VaultJson.Envelope(200, w =>
            {
                w.WriteStartObject();
                w.WriteBoolean("cas_required", _casRequired);
                w.WriteString("delete_version_after", GoDuration.Format(_deleteVersionAfter));
                w.WriteNumber("max_versions", _maxVersions);
                w.WriteEndObject();
            }, mountType: "kv");
        }
    }

    /// <summary>§2 engine config write.</summary>
    public Reply WriteConfig(MetadataChange change)
    {
        lock (_gate)
        {
            _maxVersions = change.MaxVersions ?? _maxVersions;
            _casRequired = change.CasRequired ?? _casRequired;
            _deleteVersionAfter = change.DeleteVersionAfter ?? _deleteVersionAfter;
            Publish("config-write", $"{MountPath}config", $"{MountPath}config");
            return Reply.NoContent;
        }
    }

    // ---- typed reads for the public API ----------------------------------------------------------------

    public VaultSecretVersion? Snapshot(string path, int version)
    {
        lock (_gate)
        {
            if (!_keys.TryGetValue(path, out var key))
            {
                return null;
            }

            var number = version > 0 ? version : key.CurrentVersion;
            if (!key.Versions.TryGetValue(number, out var v))
            {
                return null;
            }

            var gone = v.IsDeleted(_time.GetUtcNow()) || v.Destroyed || v.Data is null;
            IReadOnlyDictionary<string, JsonElement>? data = gone
                ? null
                : JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(v.Data!);
            return new VaultSecretVersion(number, data, v.Created, v.Deletion, v.Destroyed);
        }
    }

    public VaultKeyMetadata? SnapshotMetadata(string path)
    {
        lock (_gate)
        {
            if (!_keys.TryGetValue(path, out var key))
            {
                return null;
            }

            return new VaultKeyMetadata(
                key.CurrentVersion, key.OldestVersion, key.MaxVersions, key.CasRequired, key.DeleteVersionAfter,
                key.CreatedTime, key.UpdatedTime,
                key.CustomMetadata is null ? null : new Dictionary<string, string>(key.CustomMetadata, StringComparer.Ordinal),
                key.Versions.ToDictionary(p => p.Key, p => new VaultVersionMetadata(p.Value.Created, p.Value.Deletion, p.Value.Destroyed)));
        }
    }

    // ---- internals -------------------------------------------------------------------------------------

    /// <summary>§2 check-and-set: absent is fine unless required; 0 means "only if absent"; N must equal the current version.</summary>
    private Reply? CheckAndSet(KvKey? key, long? cas)
    {
        if (cas is { } expected)
        {
            return expected == (key?.CurrentVersion ?? 0)
                ? null
                : VaultJson.Errors(400, "check-and-set parameter did not match the current version");
        }

        return _casRequired || key?.CasRequired == true
            ? VaultJson.Errors(400, "check-and-set parameter required for this call")
            : null;
    }

    private Reply AddVersion(KvKey key, byte[] data, string operation)
    {
        var now = _time.GetUtcNow();
        var after = EffectiveDeleteVersionAfter(key);
        var version = new KvVersion { Created = now, Data = data, Deletion = after > TimeSpan.Zero ? now + after : null };
        key.CurrentVersion++;
        key.Versions[key.CurrentVersion] = version;
        key.UpdatedTime = now;
        key.CreatedTime ??= now;

        // Once versions exceed max_versions (0 = 10) the oldest are removed for good and oldest_version moves (§2).
        var max = key.MaxVersions > 0 ? key.MaxVersions : _maxVersions > 0 ? _maxVersions : DefaultMaxVersions;
        if (key.CurrentVersion - key.OldestVersion >= max)
        {
            var newestToDrop = key.CurrentVersion - max;
            for (var i = key.OldestVersion; i <= newestToDrop; i++)
            {
                key.Versions.Remove(i);
            }

            key.OldestVersion = newestToDrop + 1;
        }

        var current = key.CurrentVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var oldest = key.OldestVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var dataPath = $"{MountPath}data/{key.Path}";
        _events.Publish(new VaultEvent(
            "kv-v2/" + operation, dataPath, dataPath,
            KvEventMetadata.Of(operation, dataPath, dataPath, ("current_version", current), ("oldest_version", oldest)),
            MountPath, Accessor, now));

        var number = key.CurrentVersion;
        return VaultJson.Envelope(200, w => WriteVersionMetadata(w, key, number, version), mountType: "kv") with { Version = number };
    }

    /// <summary>A key's <c>delete_version_after</c> may only shorten the engine's (§2 metadata fields).</summary>
    private TimeSpan EffectiveDeleteVersionAfter(KvKey key)
    {
        var own = key.DeleteVersionAfter;
        var engine = _deleteVersionAfter;
        if (own > TimeSpan.Zero && engine > TimeSpan.Zero)
        {
            return own < engine ? own : engine;
        }

        return own > TimeSpan.Zero ? own : engine;
    }

    private Reply ChangeVersions(string path, IReadOnlyCollection<int> versions, string operation, Action<KvVersion, DateTimeOffset> change)
    {
        if (versions.Count == 0)
        {
            return VaultJson.Errors(400, "no version number provided");
        }

        lock (_gate)
        {
            if (!_keys.TryGetValue(path, out var key))
            {
                return Reply.NoContent;
            }

            var now = _time.GetUtcNow();
            foreach (var number in versions)
            {
                if (key.Versions.TryGetValue(number, out var v))
                {
                    change(v, now);
                }
            }

            Publish(operation, $"{MountPath}{operation}/{path}", operation == "undelete" ? $"{MountPath}data/{path}" : null);
            return Reply.NoContent;
        }
    }

    private void Publish(string operation, string path, string? dataPath) =>
        _events.Publish(new VaultEvent(
            "kv-v2/" + operation, path, dataPath ?? DataPathOf(path), KvEventMetadata.Of(operation, path, dataPath), MountPath, Accessor, _time.GetUtcNow()));

    /// <summary><c>secret/destroy/foo</c> -> <c>secret/data/foo</c>; the config path stays as it is.</summary>
    private string DataPathOf(string path)
    {
        var rest = path[MountPath.Length..];
        var slash = rest.IndexOf('/');
        return slash < 0 ? path : $"{MountPath}data/{rest[(slash + 1)..]}";
    }

    private static void WriteVersionMetadata(Utf8JsonWriter w, KvKey key, int number, KvVersion v)
    {
        w.WriteStartObject();
        w.WriteString("created_time", VaultJson.Time(v.Created));
        WriteCustomMetadata(w, key);
        w.WriteString("deletion_time", VaultJson.Time(v.Deletion));
        w.WriteBoolean("destroyed", v.Destroyed);
        w.WriteNumber("version", number);
        w.WriteEndObject();
    }

    private static void WriteCustomMetadata(Utf8JsonWriter w, KvKey key)
    {
        w.WritePropertyName("custom_metadata");
        if (key.CustomMetadata is null)
        {
            w.WriteNullValue();
            return;
        }

        w.WriteStartObject();
        foreach (var (name, value) in key.CustomMetadata)
        {
            w.WriteString(name, value);
        }

        w.WriteEndObject();
    }

    private static void WriteSubkeys(Utf8JsonWriter w, JsonElement element, int level, int depth)
    {
        w.WriteStartObject();
        foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            w.WritePropertyName(property.Name);
            if (property.Value.ValueKind == JsonValueKind.Object && (depth == 0 || level < depth))
            {
                WriteSubkeys(w, property.Value, level + 1, depth);
            }
            else
            {
                w.WriteNullValue();
            }
        }

        w.WriteEndObject();
    }

    /// <summary>RFC 7386 JSON merge patch, as Vault's <c>HandlePatchOperation</c> applies it.</summary>
    private static JsonNode? MergePatch(JsonNode? target, JsonElement patch)
    {
        if (patch.ValueKind != JsonValueKind.Object)
        {
            return JsonNode.Parse(patch.GetRawText());
        }

        var result = target as JsonObject ?? [];
        foreach (var property in patch.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.Null)
            {
                result.Remove(property.Name);
                continue;
            }

            result.TryGetPropertyValue(property.Name, out var existing);
            result.Remove(property.Name);
            result[property.Name] = MergePatch(existing, property.Value);
        }

        return result;
    }

    /// <summary>The limits Vault's <c>validateCustomMetadata</c> enforces.</summary>
    private static Reply? ValidateCustomMetadata(IReadOnlyDictionary<string, string?>? custom, bool patch)
    {
        if (custom is null)
        {
            return null;
        }

        const string prefix = "custom_metadata validation failed";
        var present = custom.Where(p => !patch || p.Value is not null).ToList();
        if (present.Count > 64)
        {
            return VaultJson.Errors(400, $"{prefix}: payload must contain at most 64 keys, provided {present.Count}");
        }

        foreach (var (name, value) in present)
        {
            if (name.Length is 0 or > 128)
            {
                return VaultJson.Errors(400, $"{prefix}: length of key \"{name}\" is {name.Length} but must be 0 < len(key) <= 128");
            }

            if ((value ?? "").Length is 0 or > 512)
            {
                return VaultJson.Errors(400, $"{prefix}: length of value for key \"{name}\" is {(value ?? "").Length} but must be 0 < len(value) <= 512");
            }
        }

        return null;
    }

    /// <summary>Per-folder listing index: folder -> entry (key name, or sub-folder with trailing slash) -> keys beneath.</summary>
    private sealed class FolderIndex
    {
        private readonly Dictionary<string, SortedDictionary<string, int>> _folders = new(StringComparer.Ordinal);

        public void Add(string path)
        {
            foreach (var (folder, entry) in Entries(path))
            {
                if (!_folders.TryGetValue(folder, out var entries))
                {
                    _folders[folder] = entries = new SortedDictionary<string, int>(StringComparer.Ordinal);
                }

                entries[entry] = entries.GetValueOrDefault(entry) + 1;
            }
        }

        public void Remove(string path)
        {
            foreach (var (folder, entry) in Entries(path))
            {
                if (_folders.TryGetValue(folder, out var entries) && entries.TryGetValue(entry, out var count))
                {
                    if (count <= 1)
                    {
                        entries.Remove(entry);
                        if (entries.Count == 0)
                        {
                            _folders.Remove(folder);
                        }
                    }
                    else
                    {
                        entries[entry] = count - 1;
                    }
                }
            }
        }

        public IReadOnlyList<string> List(string folder) =>
            _folders.TryGetValue(folder, out var entries) ? [.. entries.Keys] : [];

        private static IEnumerable<(string Folder, string Entry)> Entries(string path)
        {
            var start = 0;
            while (true)
            {
                var slash = path.IndexOf('/', start);
                if (slash < 0)
                {
                    yield return (path[..start], path[start..]);
                    yield break;
                }

                yield return (path[..start], path[start..(slash + 1)]);
                start = slash + 1;
            }
        }
    }
}
