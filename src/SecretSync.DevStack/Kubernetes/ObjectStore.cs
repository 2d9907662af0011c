using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SecretSync.DevStack;

/// <summary>DeleteOptions preconditions; null members are not checked.</summary>
internal readonly record struct DeletePreconditions(string? Uid, string? ResourceVersion);

/// <summary>One page of a list and the resourceVersion it reflects.</summary>
internal sealed record ListResult(IReadOnlyList<StoredObject> Items, long ResourceVersion, string? Continue);

/// <summary>What a delete did: <see cref="Removed"/> is false when the object lingers (finalizers, terminating namespace).</summary>
internal sealed record DeleteResult(StoredObject Object, bool Removed);

/// <summary>The emulator's etcd: objects per resource and namespace, a global resourceVersion counter, watch history and watchers.</summary>
/// <remarks>
/// One lock orders every commit, so resourceVersions increase in commit order and each watcher receives
/// events in that order. Objects are indexed per resource and namespace (hash for lookups, sorted names for
/// paging), so a write costs O(log n) and never scans.
/// </remarks>
internal sealed class ObjectStore
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly int _windowLimit;
    private readonly Dictionary<ResourceKind, Table> _tables = ResourceCatalog.All.ToDictionary(kind => kind, _ => new Table());
    private readonly Dictionary<ResourceKind, List<Watcher>> _watchers = ResourceCatalog.All.ToDictionary(kind => kind, _ => new List<Watcher>());
    private readonly Queue<(string Type, StoredObject? Old, StoredObject Object)> _window = new();
    private readonly List<KubernetesChange> _history = [];
    private long _resourceVersion;
    private long _watchFloor;
    private long _listFloor;

    /// <summary>The User-Agent of the API request being served; unset for writes made through the emulator's own methods.</summary>
    public static AsyncLocal<string?> Client { get; } = new();

    public ObjectStore(TimeProvider time, int windowLimit)
    {
        _time = time;
        _windowLimit = windowLimit;
    }

    public long CurrentResourceVersion
    {
        get
        {
            lock (_gate)
            {
                return _resourceVersion;
            }
        }
    }

    public int OpenWatches
    {
        get
        {
            lock (_gate)
            {
                return _watchers.Values.Sum(list => list.Count);
            }
        }
    }

    public IReadOnlyList<KubernetesChange> HistorySnapshot()
    {
        lock (_gate)
        {
            return [.. _history];
        }
    }

    public StoredObject? Get(ResourceKind kind, string ns, string name)
    {
        lock (_gate)
        {
            return _tables[kind].Find(ns, name);
        }
    }

    public IReadOnlyList<StoredObject> Snapshot(ResourceKind kind, string? ns)
    {
        lock (_gate)
        {
            return [.. _tables[kind].Scan(ns, null)];
        }
    }

    public ListResult List(ResourceKind kind, string? ns, LabelSelector labels, FieldSelector fields, int limit, string? continueToken, string? resourceVersion, string? resourceVersionMatch)
    {
        lock (_gate)
        {
            var listVersion = _resourceVersion;
            (string Ns, string Name)? after = null;
            if (!string.IsNullOrEmpty(continueToken))
            {
                (listVersion, after) = DecodeContinue(continueToken);
                if (listVersion < _listFloor)
                {
                    throw KubernetesApiException.Expired(
                        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.");
                }
            }
            else if (!string.IsNullOrEmpty(resourceVersion) && resourceVersion != "0")
            {
                var wanted = ParseVersion(resourceVersion);
                if (wanted > _resourceVersion)
                {
                    throw new KubernetesApiException(504, "Timeout", $"Too large resource version: {wanted}, current: {_resourceVersion}",
                        new JsonObject { ["causes"] = new JsonArray(new JsonObject { ["reason"] = "ResourceVersionTooLarge", ["message"] = "Too large resource version" }), ["retryAfterSeconds"] = 1 });
                }

                if (resourceVersionMatch == "Exact" && wanted < _listFloor)
                {
                    throw KubernetesApiException.Expired($"too old resource version: {wanted} ({_listFloor + 1})");
                }
            }

            var items = new List<StoredObject>();
            string? next = null;
            IEnumerable<StoredObject> candidates = fields.Name is { } pinned && after is null
                ? ns is null ? _tables[kind].Buckets.Values.Select(b => b.Objects.GetValueOrDefault(pinned)).OfType<StoredObject>()
                    : _tables[kind].Find(ns, pinned) is { } one ? [one] : []
                : _tables[kind].Scan(ns, after);
            foreach (var candidate in candidates)
            {
                if (!labels.Matches(candidate.Labels) || !fields.Matches(candidate.Fields))
                {
                    continue;
                }

                if (limit > 0 && items.Count == limit)
                {
                    var last = items[^1];
                    next = EncodeContinue(listVersion, last.Namespace, last.Name);
                    break;
                }

                items.Add(candidate);
            }

            return new ListResult(items, listVersion, next);
        }
    }

    public StoredObject Create(ResourceKind kind, string ns, JsonObject body, bool dryRun)
    {
        lock (_gate)
        {
            return CreateLocked(kind, ns, body, dryRun);
        }
    }

    public StoredObject Update(ResourceKind kind, string ns, string name, JsonObject body, bool dryRun)
    {
        lock (_gate)
        {
            var current = _tables[kind].Find(ns, name) ?? throw KubernetesApiException.NotFound(kind, name);
            var sentVersion = (string?)ObjectRules.Metadata(body)["resourceVersion"];
            if (!string.IsNullOrEmpty(sentVersion) && sentVersion != current.ResourceVersionText)
            {
                throw KubernetesApiException.StaleResourceVersion(kind, name);
            }

            return CommitUpdate(kind, current, ObjectRules.PrepareUpdate(kind, current, body, out var previous), previous, dryRun);
        }
    }

    /// <summary>Applies <paramref name="patch"/> to the current full object and commits the result as an update.</summary>
    public StoredObject Patch(ResourceKind kind, string ns, string name, Func<JsonObject, JsonObject> patch, bool dryRun)
    {
        lock (_gate)
        {
            var current = _tables[kind].Find(ns, name) ?? throw KubernetesApiException.NotFound(kind, name);
            return PatchLocked(kind, current, patch, dryRun);
        }
    }

    /// <summary>Server-side apply: creates the object from <paramref name="intent"/> when absent, else merges it in.</summary>
    public (StoredObject Object, bool Created) ServerSideApply(ResourceKind kind, string ns, string name, JsonObject intent, bool dryRun)
    {
        lock (_gate)
        {
            var sentName = (string?)ObjectRules.Metadata(intent)["name"];
            if (sentName != name)
            {
                throw KubernetesApiException.BadRequest($"the name of the object ({sentName}) does not match the name on the URL ({name})");
            }

            if (_tables[kind].Find(ns, name) is { } current)
            {
                return (PatchLocked(kind, current, full => (JsonObject)Patches.Merge(full, intent, strategic: true)!, dryRun), false);
            }

            intent.Remove("status");
            return (CreateLocked(kind, ns, intent, dryRun), true);
        }
    }

    /// <summary>Creates, or unconditionally replaces, an object (programmatic seeding).</summary>
    public StoredObject Upsert(ResourceKind kind, string ns, JsonObject manifest)
    {
        lock (_gate)
        {
            var metadata = ObjectRules.Metadata(manifest);
            metadata.Remove("resourceVersion");
            var name = (string?)metadata["name"];
            return name is not null && _tables[kind].Find(ns, name) is { } current
                ? CommitUpdate(kind, current, ObjectRules.PrepareUpdate(kind, current, manifest, out var previous), previous, dryRun: false)
                : CreateLocked(kind, ns, manifest, dryRun: false);
        }
    }

    public void Seed(ResourceKind kind, JsonObject body) => Create(kind, "", body, dryRun: false);

    /// <summary>Replaces an object's <c>status</c>, as its controller does through the status subresource: spec and generation stay.</summary>
    public StoredObject ReplaceStatus(ResourceKind kind, string ns, string name, JsonObject status)
    {
        lock (_gate)
        {
            var current = _tables[kind].Find(ns, name) ?? throw KubernetesApiException.NotFound(kind, name);
            var item = current.ToItemNode();
            item["status"] = status.DeepClone();
            return JsonNode.DeepEquals(item, current.ToItemNode()) ? current : Commit(kind, "MODIFIED", current, item);
        }
    }

    public DeleteResult Delete(ResourceKind kind, string ns, string name, DeletePreconditions preconditions, bool dryRun)
    {
        lock (_gate)
        {
            var current = _tables[kind].Find(ns, name) ?? throw KubernetesApiException.NotFound(kind, name);
            if (preconditions.Uid is { } uid && uid != current.Uid)
            {
                throw KubernetesApiException.Conflict(kind, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {current.Uid}");
            }

            if (preconditions.ResourceVersion is { } version && version != current.ResourceVersionText)
            {
                throw KubernetesApiException.Conflict(kind, name,
                    $"Precondition failed: ResourceVersion in precondition: {version}, ResourceVersion in object meta: {current.ResourceVersionText}");
            }

            if (kind.IsNamespace)
            {
                if (current.Terminating)
                {
                    throw KubernetesApiException.Conflict(kind, name,
                        "The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.");
                }

                return dryRun ? new DeleteResult(current, false) : DeleteNamespace(current);
            }

            if (current.HasFinalizers)
            {
                if (current.HasDeletionTimestamp || dryRun)
                {
                    return new DeleteResult(current, false);
                }

                var marked = current.ToItemNode();
                var metadata = (JsonObject)marked["metadata"]!;
                metadata["deletionTimestamp"] = ObjectRules.Timestamp(_time.GetUtcNow());
                metadata["deletionGracePeriodSeconds"] = 0;
                return new DeleteResult(Commit(kind, "MODIFIED", current, marked), false);
            }

            return dryRun ? new DeleteResult(current, true) : new DeleteResult(CommitDelete(current), true);
        }
    }

    public IReadOnlyList<StoredObject> DeleteCollection(ResourceKind kind, string? ns, LabelSelector labels, FieldSelector fields, bool dryRun)
    {
        lock (_gate)
        {
            var doomed = _tables[kind].Scan(ns, null).Where(o => labels.Matches(o.Labels) && fields.Matches(o.Fields)).ToList();
            return [.. doomed.Select(o => Delete(kind, o.Namespace, o.Name, default, dryRun).Object)];
        }
    }

    /// <summary>Opens a watch; events after <paramref name="resourceVersion"/>, or synthetic ADDED for all when it is empty or "0".</summary>
    /// <exception cref="KubernetesApiException">410 Expired when the version is older than the retained history.</exception>
    public Watcher Watch(ResourceKind kind, string? ns, LabelSelector labels, FieldSelector fields, string? resourceVersion)
    {
        lock (_gate)
        {
            var watcher = new Watcher(kind, ns, labels, fields);
            if (string.IsNullOrEmpty(resourceVersion) || resourceVersion == "0")
            {
                foreach (var stored in _tables[kind].Scan(ns, null))
                {
                    watcher.Offer("ADDED", null, stored);
                }
            }
            else
            {
                var from = ParseVersion(resourceVersion);
                if (from < _watchFloor)
                {
                    throw KubernetesApiException.Expired($"too old resource version: {from} ({_watchFloor + 1})");
                }

                foreach (var (type, old, stored) in _window)
                {
                    if (stored.ResourceVersion > from && stored.Kind == kind)
                    {
                        watcher.Offer(type, old, stored);
                    }
                }
            }

            _watchers[kind].Add(watcher);
            return watcher;
        }
    }

    /// <summary>Queues a BOOKMARK at the current resourceVersion, after every event already queued.</summary>
    public void Bookmark(Watcher watcher)
    {
        lock (_gate)
        {
            watcher.Post(new WatchItem("BOOKMARK", null, _resourceVersion));
        }
    }

    public void Unwatch(Watcher watcher)
    {
        lock (_gate)
        {
            _watchers[watcher.Kind].Remove(watcher);
        }

        watcher.Complete();
    }

    public void Compact()
    {
        lock (_gate)
        {
            _window.Clear();
            _watchFloor = _resourceVersion;
            _listFloor = _resourceVersion;
        }
    }

    /// <summary>Compacts, then ends every open watch after the events already queued with an ERROR (410 Expired).</summary>
    public void ExpireWatches()
    {
        lock (_gate)
        {
            Compact();
            foreach (var watcher in _watchers.Values.SelectMany(list => list))
            {
                watcher.Post(new WatchItem("ERROR", null, _resourceVersion));
                watcher.Complete();
            }
        }
    }

    private StoredObject CreateLocked(ResourceKind kind, string ns, JsonObject body, bool dryRun)
    {
        var table = _tables[kind];
        if (kind.Namespaced)
        {
            var home = _tables[ResourceCatalog.Namespaces].Find("", ns) ?? throw KubernetesApiException.NamespaceNotFound(ns);
            if (home.Terminating)
            {
                var name = (string?)body["metadata"]?["name"] ?? "";
                throw KubernetesApiException.Forbidden(kind, name, $"unable to create new content in namespace {ns} because it is being terminated",
                    [new JsonObject { ["reason"] = "NamespaceTerminating", ["message"] = $"namespace {ns} is being terminated", ["field"] = "metadata.namespace" }]);
            }
        }

        var item = ObjectRules.PrepareCreate(kind, ns, body, _time.GetUtcNow(), candidate => table.Find(ns, candidate) is not null);
        var created = (string)item["metadata"]!["name"]!;
        if (table.Find(ns, created) is not null)
        {
            throw KubernetesApiException.AlreadyExists(kind, created);
        }

        if (dryRun)
        {
            ((JsonObject)item["metadata"]!).Remove("resourceVersion");
            return StoredObject.From(kind, item, 0);
        }

        return Commit(kind, "ADDED", null, item);
    }

    private StoredObject PatchLocked(ResourceKind kind, StoredObject current, Func<JsonObject, JsonObject> patch, bool dryRun)
    {
        var patched = patch(current.ToJsonObject());
        var sentVersion = (string?)ObjectRules.Metadata(patched)["resourceVersion"];
        if (!string.IsNullOrEmpty(sentVersion) && sentVersion != current.ResourceVersionText)
        {
            throw KubernetesApiException.StaleResourceVersion(kind, current.Name);
        }

        return CommitUpdate(kind, current, ObjectRules.PrepareUpdate(kind, current, patched, out var previous), previous, dryRun);
    }

    private StoredObject CommitUpdate(ResourceKind kind, StoredObject current, JsonObject item, JsonObject previous, bool dryRun)
    {
        var metadata = (JsonObject)item["metadata"]!;
        metadata["resourceVersion"] = current.ResourceVersionText;
        if (JsonNode.DeepEquals(item, previous))
        {
            // A write that changes nothing is not committed: no new resourceVersion, no watch event.
            return current;
        }

        if (dryRun)
        {
            return StoredObject.From(kind, item, current.ResourceVersion);
        }

        var finished = metadata["deletionTimestamp"] is not null
            && metadata["finalizers"] is not JsonArray { Count: > 0 }
            && item["spec"]?["finalizers"] is not JsonArray { Count: > 0 };
        if (finished)
        {
            var updated = Commit(kind, "MODIFIED", current, item);
            return CommitDelete(updated);
        }

        return Commit(kind, "MODIFIED", current, item);
    }

    private DeleteResult DeleteNamespace(StoredObject current)
    {
        var kind = ResourceCatalog.Namespaces;
        var item = current.ToItemNode();
        ((JsonObject)item["metadata"]!)["deletionTimestamp"] = ObjectRules.Timestamp(_time.GetUtcNow());
        item["status"] = new JsonObject { ["phase"] = "Terminating" };
        var terminating = Commit(kind, "MODIFIED", current, item);

        // What the namespace controller does: remove every object in the namespace, then the namespace.
        foreach (var contentKind in ResourceCatalog.All.Where(k => k.Namespaced))
        {
            foreach (var content in _tables[contentKind].Scan(current.Name, null).ToList())
            {
                CommitDelete(content);
            }
        }

        var emptied = terminating.ToItemNode();
        emptied["spec"] = new JsonObject { ["finalizers"] = new JsonArray() };
        if (terminating.HasFinalizers)
        {
            Commit(kind, "MODIFIED", terminating, emptied);
            return new DeleteResult(terminating, false);
        }

        CommitDelete(terminating);
        return new DeleteResult(terminating, true);
    }

    private StoredObject CommitDelete(StoredObject current) => Commit(current.Kind, "DELETED", current, current.ToItemNode());

    private StoredObject Commit(ResourceKind kind, string type, StoredObject? old, JsonObject item)
    {
        var version = ++_resourceVersion;
        ((JsonObject)item["metadata"]!)["resourceVersion"] = version.ToString(CultureInfo.InvariantCulture);
        var stored = StoredObject.From(kind, item, version);
        var table = _tables[kind];
        if (type == "DELETED")
        {
            table.Remove(stored);
        }
        else
        {
            table.Put(stored);
        }

        _history.Add(new KubernetesChange(_time.GetUtcNow(), type, stored, type == "MODIFIED" ? old : null, Client.Value));
        _window.Enqueue((type, old, stored));
        while (_window.Count > _windowLimit)
        {
            _watchFloor = _window.Dequeue().Object.ResourceVersion;
        }

        foreach (var watcher in _watchers[kind])
        {
            watcher.Offer(type, old, stored);
        }

        return stored;
    }

    private static long ParseVersion(string text) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            ? version
            : throw KubernetesApiException.BadRequest($"resourceVersion: Invalid value: \"{text}\": strconv.ParseUint: parsing \"{text}\": invalid syntax");

    private static string EncodeContinue(long version, string ns, string name)
    {
        var json = JsonSerializer.Serialize(new ContinueToken { V = "meta.k8s.io/v1", Rv = version, Start = $"{ns}/{name}\u0000" });
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    private static (long Version, (string Ns, string Name) After) DecodeContinue(string token)
    {
        try
        {
            var base64 = token.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
            var parsed = JsonSerializer.Deserialize<ContinueToken>(Convert.FromBase64String(base64));
            if (parsed is { V: "meta.k8s.io/v1", Start: { Length: > 1 } start } && start[^1] == '\u0000' && start.IndexOf('/') is var slash and >= 0)
            {
                return (parsed.Rv, (start[..slash], start[(slash + 1)..^1]));
            }
        }
        catch (Exception error) when (error is FormatException or JsonException)
        {
            throw KubernetesApiException.BadRequest($"continue key is not valid: {error.Message}");
        }

        throw KubernetesApiException.BadRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)");
    }

    private sealed class ContinueToken
    {
        [System.Text.Json.Serialization.JsonPropertyName("v")]
        public string? V { get; init; }

        [System.Text.Json.Serialization.JsonPropertyName("rv")]
        public long Rv { get; init; }

        [System.Text.Json.Serialization.JsonPropertyName("start")]
        public string? Start { get; init; }
    }

    /// <summary>All objects of one resource: per namespace, a hash for lookups and a sorted name set for paging.</summary>
    private sealed class Table
    {
        public SortedDictionary<string, Bucket> Buckets { get; } = new(StringComparer.Ordinal);

        public StoredObject? Find(string ns, string name) =>
            Buckets.TryGetValue(ns, out var bucket) && bucket.Objects.TryGetValue(name, out var stored) ? stored : null;

        public void Put(StoredObject stored)
        {
            if (!Buckets.TryGetValue(stored.Namespace, out var bucket))
            {
                bucket = new Bucket();
                Buckets.Add(stored.Namespace, bucket);
            }

            if (bucket.Objects.TryAdd(stored.Name, stored))
            {
                bucket.Names.Add(stored.Name);
            }
            else
            {
                bucket.Objects[stored.Name] = stored;
            }
        }

        public void Remove(StoredObject stored)
        {
            if (Buckets.TryGetValue(stored.Namespace, out var bucket) && bucket.Objects.Remove(stored.Name))
            {
                bucket.Names.Remove(stored.Name);
                if (bucket.Objects.Count == 0)
                {
                    Buckets.Remove(stored.Namespace);
                }
            }
        }

        /// <summary>Objects in key order (namespace, then name), strictly after <paramref name="after"/> when given.</summary>
        public IEnumerable<StoredObject> Scan(string? ns, (string Ns, string Name)? after)
        {
            IEnumerable<KeyValuePair<string, Bucket>> buckets = ns is null
                ? Buckets
                : Buckets.TryGetValue(ns, out var only) ? [new(ns, only)] : [];
            foreach (var (bucketNs, bucket) in buckets)
            {
                IEnumerable<string> names = bucket.Names;
                if (after is { } start)
                {
                    var order = string.CompareOrdinal(bucketNs, start.Ns);
                    if (order < 0)
                    {
                        continue;
                    }

                    if (order == 0)
                    {
                        if (bucket.Names.Max is not { } max || string.CompareOrdinal(max, start.Name) <= 0)
                        {
                            continue;
                        }

                        names = bucket.Names.GetViewBetween(start.Name, max).Where(name => name != start.Name);
                    }
                }

                foreach (var name in names)
                {
                    yield return bucket.Objects[name];
                }
            }
        }
    }

    private sealed class Bucket
    {
        public Dictionary<string, StoredObject> Objects { get; } = new(StringComparer.Ordinal);

        public SortedSet<string> Names { get; } = new(StringComparer.Ordinal);
    }
}
