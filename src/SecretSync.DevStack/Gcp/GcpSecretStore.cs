using System.Text.Json;

namespace SecretSync.DevStack.Gcp;

/// <summary>A version's lifecycle state (gcp-secret-manager.md §2); the numbers are the proto enum values.</summary>
internal enum StoredState
{
    Enabled = 1,
    Disabled = 2,
    Destroyed = 3,
}

internal sealed class StoredVersion
{
    public required long Number { get; init; }

    public required DateTimeOffset CreateTime { get; init; }

    public StoredState State { get; set; } = StoredState.Enabled;

    /// <summary>The payload; null once destroyed.</summary>
    public byte[]? Data { get; set; }

    public DateTimeOffset? DestroyTime { get; set; }

    public bool ClientSpecifiedChecksum { get; init; }

    public long Generation { get; set; }
}

internal sealed class StoredSecret
{
    public required string Id { get; init; }

    public required DateTimeOffset CreateTime { get; init; }

    public required string ReplicationJson { get; init; }

    public Dictionary<string, string> Labels { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> Annotations { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, long> Aliases { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Versions by number; numbers start at 1 and are never reused, even after a version is destroyed.</summary>
    public List<StoredVersion> Versions { get; } = [];

    public long Generation { get; set; }

    /// <summary>The secret's order of creation, for newest-first listings when clocks tie.</summary>
    public long Sequence { get; init; }
}

/// <summary>The emulator's secrets: one lock, plain collections, Google's rules and messages (gcp-secret-manager.md §1–§3).</summary>
internal sealed class GcpSecretStore(TimeProvider time, string resourceProject, int maxPayloadBytes)
{
    private const int MaxSecretIdLength = 255;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, StoredSecret> _secrets = new(StringComparer.Ordinal);
    private long _generation;
    private long _sequence;

    public string ResourceProject => resourceProject;

    public string SecretName(string id) => $"projects/{resourceProject}/secrets/{id}";

    public string VersionName(string id, long number) => $"{SecretName(id)}/versions/{number}";

    public StoredSecret CreateSecret(string id, string replicationJson, IReadOnlyDictionary<string, string>? labels = null, IReadOnlyDictionary<string, string>? annotations = null)
    {
        CheckSecretId(id);
        lock (_gate)
        {
            if (_secrets.ContainsKey(id))
            {
                throw new GoogleApiException(409, "ALREADY_EXISTS", $"Secret [{SecretName(id)}] already exists.");
            }

            var secret = new StoredSecret
            {
                Id = id,
                CreateTime = time.GetUtcNow(),
                ReplicationJson = replicationJson,
                Labels = labels is null ? new(StringComparer.Ordinal) : new(labels, StringComparer.Ordinal),
                Annotations = annotations is null ? new(StringComparer.Ordinal) : new(annotations, StringComparer.Ordinal),
                Generation = ++_generation,
                Sequence = ++_sequence,
            };
            _secrets[id] = secret;
            return secret;
        }
    }

    public StoredSecret GetSecret(string id)
    {
        lock (_gate)
        {
            return Find(id);
        }
    }

    public bool TryGetSecret(string id, out StoredSecret? secret)
    {
        lock (_gate)
        {
            return _secrets.TryGetValue(id, out secret);
        }
    }

    public IReadOnlyList<StoredSecret> ListSecrets()
    {
        lock (_gate)
        {
            return [.. _secrets.Values.OrderByDescending(s => s.CreateTime).ThenByDescending(s => s.Sequence)];
        }
    }

    public void DeleteSecret(string id, string? etag)
    {
        lock (_gate)
        {
            var secret = Find(id);
            CheckEtag(etag, secret.Generation, SecretName(id));
            _secrets.Remove(id);
        }
    }

    public StoredSecret UpdateSecret(string id, string? etag, Action<StoredSecret> change)
    {
        lock (_gate)
        {
            var secret = Find(id);
            CheckEtag(etag, secret.Generation, SecretName(id));
            change(secret);
            secret.Generation = ++_generation;
            return secret;
        }
    }

    /// <summary>Adds a version; <paramref name="crc32c"/> when the client sent one, which must match.</summary>
    public StoredVersion AddVersion(string id, byte[] data, long? crc32c, bool createIfMissing = false)
    {
        if (data.Length > maxPayloadBytes)
        {
            throw GoogleApiException.InvalidArgument($"Secret Payload cannot be larger than {maxPayloadBytes / 1024}KiB.");
        }

        if (crc32c is { } sent && sent != GcpWire.Crc32C(data))
        {
            throw GoogleApiException.InvalidArgument("Checksum mismatch: the dataCrc32c sent does not match the payload data.");
        }

        lock (_gate)
        {
            if (!_secrets.ContainsKey(id) && createIfMissing)
            {
                CreateSecret(id, "{\"automatic\":{}}");
            }

            var secret = Find(id);
            var version = new StoredVersion
            {
                Number = secret.Versions.Count == 0 ? 1 : secret.Versions[^1].Number + 1,
                CreateTime = time.GetUtcNow(),
                Data = data,
                ClientSpecifiedChecksum = crc32c is not null,
                Generation = ++_generation,
            };
            secret.Versions.Add(version);
            return version;
        }
    }

    /// <summary>A version by number, <c>latest</c> (the newest whatever its state) or an alias.</summary>
    public (StoredSecret Secret, StoredVersion Version) GetVersion(string id, string version, bool forAccess)
    {
        lock (_gate)
        {
            if (!_secrets.TryGetValue(id, out var secret))
            {
                throw GoogleApiException.NotFound(forAccess && version == "latest"
                    ? $"Secret [{SecretName(id)}] not found or has no versions."
                    : $"Secret [{SecretName(id)}] not found.");
            }

            StoredVersion? found;
            if (version == "latest")
            {
                found = secret.Versions.Count == 0 ? null : secret.Versions[^1];
                if (found is null)
                {
                    throw GoogleApiException.NotFound($"Secret [{SecretName(id)}] not found or has no versions.");
                }
            }
            else
            {
                var number = long.TryParse(version, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n
                    : secret.Aliases.TryGetValue(version, out var aliased) ? aliased
                    : throw GoogleApiException.InvalidArgument($"Secret Version [{VersionName(id, 0)[..^1]}{version}] is not a valid version id or alias.");
                found = secret.Versions.FirstOrDefault(v => v.Number == number);
                if (found is null)
                {
                    throw GoogleApiException.NotFound($"Secret Version [{VersionName(id, number)}] not found.");
                }
            }

            if (forAccess && found.State != StoredState.Enabled)
            {
                throw GoogleApiException.FailedPrecondition($"Secret Version [{VersionName(id, found.Number)}] is in {found.State.ToString().ToUpperInvariant()} state.");
            }

            return (secret, found);
        }
    }

    public IReadOnlyList<StoredVersion> ListVersions(string id)
    {
        lock (_gate)
        {
            return [.. Find(id).Versions.AsEnumerable().Reverse()];
        }
    }

    /// <summary>Moves a version to another state: enable, disable or destroy (which wipes the payload for good).</summary>
    public StoredVersion SetState(string id, string version, StoredState state, string? etag)
    {
        var (_, found) = GetVersion(id, version, forAccess: false);
        lock (_gate)
        {
            CheckEtag(etag, found.Generation, VersionName(id, found.Number));
            if (found.State == StoredState.Destroyed)
            {
                throw GoogleApiException.FailedPrecondition($"Secret Version [{VersionName(id, found.Number)}] is in DESTROYED state.");
            }

            found.State = state;
            if (state == StoredState.Destroyed)
            {
                if (found.Data is { } data)
                {
                    Array.Clear(data);
                }

                found.Data = null;
                found.DestroyTime = time.GetUtcNow();
            }

            found.Generation = ++_generation;
            return found;
        }
    }

    public static void CheckSecretId(string id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > MaxSecretIdLength || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw GoogleApiException.InvalidArgument(
                $"The provided Secret ID [{id}] does not match the expected format [[a-zA-Z_0-9-]+] or is longer than {MaxSecretIdLength} characters.");
        }
    }

    public static string ReplicationOf(JsonElement? body)
    {
        if (body is not { } secret || !secret.TryGetProperty("replication", out var replication) || replication.ValueKind != JsonValueKind.Object ||
            !(replication.TryGetProperty("automatic", out _) || replication.TryGetProperty("userManaged", out _)))
        {
            throw GoogleApiException.InvalidArgument("Secret.replication must be specified: automatic or userManaged.");
        }

        return replication.GetRawText();
    }

    private StoredSecret Find(string id) =>
        _secrets.TryGetValue(id, out var secret) ? secret : throw GoogleApiException.NotFound($"Secret [{SecretName(id)}] not found.");

    private static void CheckEtag(string? etag, long generation, string resource)
    {
        if (!string.IsNullOrEmpty(etag) && etag != GcpWire.Etag(generation))
        {
            throw GoogleApiException.FailedPrecondition($"The etag provided for [{resource}] does not match the current etag.");
        }
    }
}
