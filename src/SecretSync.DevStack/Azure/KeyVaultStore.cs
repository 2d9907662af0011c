using System.Text.RegularExpressions;

namespace SecretSync.DevStack.Azure;

/// <summary>One version of a secret as the emulator holds it.</summary>
internal sealed class StoredVersion
{
    public required string Id { get; init; }

    public required string Value { get; init; }

    public string? ContentType { get; set; }

    public bool Enabled { get; set; } = true;

    public long? NotBefore { get; set; }

    public long? Expires { get; set; }

    public required long Created { get; init; }

    public long Updated { get; set; }

    public Dictionary<string, string>? Tags { get; set; }
}

/// <summary>A secret: its name as first written and its versions, oldest first (the last is the current one).</summary>
internal sealed class StoredSecret(string name)
{
    public string Name { get; } = name;

    public List<StoredVersion> Versions { get; } = [];

    public StoredVersion Current => Versions[^1];

    public StoredVersion? Find(string version) =>
        Versions.FirstOrDefault(v => string.Equals(v.Id, version, StringComparison.OrdinalIgnoreCase));
}

/// <summary>A soft-deleted secret with its deletion and purge dates (azure-key-vault.md §6).</summary>
internal sealed record DeletedSecret(StoredSecret Secret, long DeletedDate, long ScheduledPurgeDate);

/// <summary>Why the store refused a change; mapped to Key Vault's error shapes by the protocol.</summary>
internal enum StoreRefusal
{
    None,
    BadName,
    NotFound,
    VersionNotFound,
    DeletedButRecoverable,
}

/// <summary>The secrets of one emulated vault: live, soft-deleted, and their versions. Names compare case-insensitively.</summary>
internal sealed partial class KeyVaultStore(TimeProvider time, int recoverableDays)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, StoredSecret> _live = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, DeletedSecret> _deleted = new(StringComparer.OrdinalIgnoreCase);

    public int RecoverableDays => recoverableDays;

    /// <summary>Names: 1–127 characters of <c>[0-9a-zA-Z-]</c> (§1).</summary>
    public static bool IsValidName(string name) => NamePattern().IsMatch(name);

    public long Now => time.GetUtcNow().ToUnixTimeSeconds();

    /// <summary>Adds a version; refuses a name that is soft-deleted (409 ObjectIsDeletedButRecoverable, §6).</summary>
    public (StoredSecret? Secret, StoredVersion? Version, StoreRefusal Refusal) Set(
        string name, string value, string? contentType, bool? enabled, long? notBefore, long? expires, Dictionary<string, string>? tags)
    {
        if (!IsValidName(name))
        {
            return (null, null, StoreRefusal.BadName);
        }

        lock (_gate)
        {
            if (_deleted.ContainsKey(name))
            {
                return (null, null, StoreRefusal.DeletedButRecoverable);
            }

            if (!_live.TryGetValue(name, out var secret))
            {
                secret = new StoredSecret(name);
                _live[name] = secret;
            }

            var now = Now;
            var version = new StoredVersion
            {
                Id = Guid.NewGuid().ToString("N"),
                Value = value,
                ContentType = contentType,
                Enabled = enabled ?? true,
                NotBefore = notBefore,
                Expires = expires,
                Created = now,
                Updated = now,
                Tags = tags,
            };
            secret.Versions.Add(version);
            return (secret, version, StoreRefusal.None);
        }
    }

    /// <summary>The secret and the named version (current when <paramref name="version"/> is empty).</summary>
    public (StoredSecret? Secret, StoredVersion? Version, StoreRefusal Refusal) Get(string name, string? version)
    {
        lock (_gate)
        {
            if (!_live.TryGetValue(name, out var secret))
            {
                return (null, null, StoreRefusal.NotFound);
            }

            if (string.IsNullOrEmpty(version))
            {
                return (secret, secret.Current, StoreRefusal.None);
            }

            return secret.Find(version) is { } found ? (secret, found, StoreRefusal.None) : (secret, null, StoreRefusal.VersionNotFound);
        }
    }

    /// <summary>Applies an update of a version's metadata under the store's lock.</summary>
    public (StoredSecret? Secret, StoredVersion? Version, StoreRefusal Refusal) Update(string name, string? version, Action<StoredVersion> change)
    {
        lock (_gate)
        {
            var (secret, found, refusal) = Get(name, version);
            if (found is null)
            {
                return (secret, null, refusal);
            }

            change(found);
            found.Updated = Now;
            return (secret, found, StoreRefusal.None);
        }
    }

    /// <summary>The live secrets, ordered by name, each with its current version.</summary>
    public IReadOnlyList<(string Name, StoredVersion Current)> List()
    {
        lock (_gate)
        {
            return [.. _live.Values.OrderBy(s => s.Name, StringComparer.OrdinalIgnoreCase).Select(s => (s.Name, s.Current))];
        }
    }

    /// <summary>The versions of a live secret, oldest first; null when there is no such secret.</summary>
    public IReadOnlyList<StoredVersion>? Versions(string name)
    {
        lock (_gate)
        {
            return _live.TryGetValue(name, out var secret) ? [.. secret.Versions] : null;
        }
    }

    /// <summary>Soft-deletes a secret with all its versions.</summary>
    public DeletedSecret? Delete(string name)
    {
        lock (_gate)
        {
            if (!_live.Remove(name, out var secret))
            {
                return null;
            }

            var now = Now;
            var deleted = new DeletedSecret(secret, now, now + (recoverableDays * 86_400L));
            _deleted[name] = deleted;
            return deleted;
        }
    }

    public DeletedSecret? GetDeleted(string name)
    {
        lock (_gate)
        {
            return _deleted.GetValueOrDefault(name);
        }
    }

    public IReadOnlyList<DeletedSecret> ListDeleted()
    {
        lock (_gate)
        {
            return [.. _deleted.Values.OrderBy(d => d.Secret.Name, StringComparer.OrdinalIgnoreCase)];
        }
    }

    /// <summary>Removes a soft-deleted secret for good.</summary>
    public bool Purge(string name)
    {
        lock (_gate)
        {
            return _deleted.Remove(name);
        }
    }

    /// <summary>Brings a soft-deleted secret back with its versions.</summary>
    public StoredSecret? Recover(string name)
    {
        lock (_gate)
        {
            if (!_deleted.Remove(name, out var deleted))
            {
                return null;
            }

            _live[deleted.Secret.Name] = deleted.Secret;
            return deleted.Secret;
        }
    }

    [GeneratedRegex("^[0-9a-zA-Z-]{1,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
