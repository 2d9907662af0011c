using System.Collections.Concurrent;
using SecretSync.Core.Desired;
using SecretSync.Core.Model;
using SecretSync.Core.Planning;
using SecretSync.Core.Rendering;
using SecretSync.Kubernetes.Models;

namespace SecretSync.Daemon.Sync;

/// <summary>A managed Secret as last seen: its digests, never its values.</summary>
/// <param name="Secret">Name, type, labels, annotations and the content hash.</param>
/// <param name="ResourceVersion">The resourceVersion it was seen at.</param>
/// <param name="Uid">Its uid, the precondition of a delete.</param>
/// <param name="KeyDigests">Per key, a keyed digest of that key's value (see <see cref="ClusterState.DigestKeys"/>).</param>
internal sealed record ObservedEntry(ObservedSecret Secret, string ResourceVersion, string? Uid, IReadOnlyDictionary<string, string> KeyDigests)
{
    public string? Annotation(string key) => Secret.Annotations.GetValueOrDefault(key);

    /// <summary>True when this Secret already carries <paramref name="target"/> at <paramref name="version"/>, untouched since written.</summary>
    public bool Carries(DesiredTarget target, string? version) =>
        version is not null
        && Secret.Seal == SealState.Valid
        && Annotations.IsManaged(Secret.Labels)
        && Secret.Type == target.Type
        && Annotation(Annotations.ContentHash) == Secret.DataHash
        && Annotation(Annotations.SourceVersion) == version
        && Annotation(Annotations.Bundle) == target.Bundle
        && Annotation(Annotations.Provider) == target.Source.Provider
        && Annotation(Annotations.Source) == target.Source.Path;
}

/// <summary>The daemon's view of the cluster, fed by the Namespace and managed-Secret watches.</summary>
/// <remarks>Memory stays bounded: Secret data is hashed on arrival and dropped; only digests and metadata are kept.</remarks>
internal sealed class ClusterState(ContentHasher hasher)
{
    private readonly ConcurrentDictionary<string, NamespaceInfo> _namespaces = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<NamespacedName, ObservedEntry> _secrets = new();
    private HashSet<NamespacedName>? _relisted;

    /// <summary>The Secret "type" under which a single key is hashed, so a key digest never equals a content hash.</summary>
    private const string KeyDigestDomain = "secretsync.io/key-digest";

    public ContentHasher Hasher { get; } = hasher;

    /// <summary>Per key, the keyed HMAC of that key alone (truncated to 128 bits): lets a rotation name the keys whose
    /// value changed without keeping any value.</summary>
    public IReadOnlyDictionary<string, string> DigestKeys(IReadOnlyDictionary<string, byte[]> data)
    {
        var digests = new Dictionary<string, string>(data.Count, StringComparer.Ordinal);
        foreach (var (key, value) in data)
        {
            var hash = Hasher.Hash(KeyDigestDomain, new Dictionary<string, byte[]>(1, StringComparer.Ordinal) { [key] = value });
            digests[key] = hash.Substring(ContentHasher.Prefix.Length, 32);
        }

        return digests;
    }

    /// <summary>Shares the strings and maps of cached entries, and the hashes written, among equal copies.</summary>
    public InternPool Pool { get; } = new();

    public ICollection<NamespaceInfo> Namespaces => _namespaces.Values;

    public ICollection<ObservedEntry> ManagedSecrets => _secrets.Values;

    public int ManagedCount => _secrets.Count;

    public ObservedEntry? Find(NamespacedName secret) => _secrets.GetValueOrDefault(secret);

    /// <summary>Replaces the namespaces with a fresh list; returns true when what the daemon cares about changed.</summary>
    public bool ReplaceNamespaces(IEnumerable<Namespace> items)
    {
        var changed = false;
        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            changed |= UpsertNamespace(item);
            listed.Add(item.Metadata.Name ?? "");
        }

        foreach (var name in _namespaces.Keys.Where(name => !listed.Contains(name)).ToList())
        {
            changed |= _namespaces.TryRemove(name, out _);
        }

        return changed;
    }

    /// <summary>Stores a namespace; returns true when what the daemon cares about (labels, opt-in) changed.</summary>
    public bool UpsertNamespace(Namespace item)
    {
        var info = new NamespaceInfo(
            item.Metadata.Name ?? "",
            item.Metadata.Labels ?? [],
            item.Metadata.Annotations?.Where(a => a.Key.StartsWith(Annotations.Prefix, StringComparison.Ordinal)).ToDictionary() ?? []);
        var previous = _namespaces.GetValueOrDefault(info.Name);
        _namespaces[info.Name] = info;
        return previous is null || !SameMaps(previous.Labels, info.Labels) || !SameMaps(previous.Annotations, info.Annotations);
    }

    public bool RemoveNamespace(string name) => _namespaces.TryRemove(name, out _);

    /// <summary>A re-list begins: the pages that follow update the cache in place, and completing it drops what was not listed.</summary>
    /// <remarks>Entries whose resourceVersion is unchanged are kept as they are, so a re-list of a converged fleet neither
    /// re-hashes nor holds a second copy of the cache. A re-list that starts over forgets the names seen so far.</remarks>
    public void BeginRelist() => _relisted = [];

    /// <summary>Adds one page of the re-list in progress.</summary>
    public void AddRelisted(IEnumerable<Secret> items)
    {
        var seen = _relisted ??= [];
        foreach (var item in items)
        {
            var name = new NamespacedName(item.Metadata.Namespace ?? "", item.Metadata.Name ?? "");
            if (!_secrets.TryGetValue(name, out var known) || known.ResourceVersion != item.Metadata.ResourceVersion)
            {
                known = Observe(item);
            }

            seen.Add(known.Secret.Secret);
        }
    }

    /// <summary>Completes a re-list with its last items (all of them when it came whole): Secrets not listed are forgotten.</summary>
    public void CompleteRelist(IEnumerable<Secret> items)
    {
        AddRelisted(items);
        var seen = _relisted!;
        foreach (var name in _secrets.Keys.Where(name => !seen.Contains(name)).ToList())
        {
            _secrets.TryRemove(name, out _);
        }

        _relisted = null;
    }

    /// <summary>Records a Secret as seen (from a watch or from a write's response) and returns the entry.</summary>
    public ObservedEntry Observe(Secret item)
    {
        var entry = ToEntry(item);
        _secrets[entry.Secret.Secret] = entry;
        return entry;
    }

    public ObservedEntry? Forget(NamespacedName secret) => _secrets.TryRemove(secret, out var entry) ? entry : null;

    public ObservedEntry ToEntry(Secret item)
    {
        var name = new NamespacedName(Pool.String(item.Metadata.Namespace ?? ""), Pool.String(item.Metadata.Name ?? ""));
        var type = Pool.String(item.Type ?? Secret.OpaqueType);
        var data = item.Data ?? [];
        var dataHash = Pool.String(Hasher.Hash(type, data));
        // The seal is checked once here and not kept: it differs per Secret, and keeping it would stop equal annotation maps being shared.
        var annotations = item.Metadata.Annotations ?? [];
        var seal = Hasher.CheckSeal(name, annotations);
        if (annotations.ContainsKey(Annotations.Seal))
        {
            annotations = annotations.Where(a => a.Key != Annotations.Seal).ToDictionary(StringComparer.Ordinal);
        }

        var observed = new ObservedSecret(name, type, Pool.Map(item.Metadata.Labels), Pool.Map(annotations), dataHash, seal);
        return new ObservedEntry(observed, item.Metadata.ResourceVersion ?? "", item.Metadata.Uid, Pool.Map(DigestKeys(data)));
    }

    private static bool SameMaps(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(pair => b.TryGetValue(pair.Key, out var value) && value == pair.Value);
}
