using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SecretSync.DevStack.Aws;

/// <summary>An error in Secrets Manager's shape: <c>__type</c> code, message and HTTP status.</summary>
internal sealed class AwsError(string code, string message, int status = 400) : Exception(message)
{
    public string Code { get; } = code;

    public int Status { get; } = status;

    public static AwsError NotFound() => new("ResourceNotFoundException", "Secrets Manager can't find the specified secret.");

    public static AwsError MarkedForDeletion(string operation) =>
        new("InvalidRequestException", $"You can't perform this operation on the secret because it was marked for deletion.");

    public static AwsError Parameter(string message) => new("InvalidParameterException", message);

    public static AwsError Validation(string message) => new("ValidationException", message);
}

/// <summary>One version of a secret.</summary>
internal sealed class StoredVersion(string id, string? text, byte[]? binary, DateTimeOffset created)
{
    public string Id { get; } = id;

    public string? Text { get; } = text;

    public byte[]? Binary { get; } = binary;

    public DateTimeOffset Created { get; } = created;

    public List<string> Stages { get; } = [];

    public bool SameValue(string? text, byte[]? binary) =>
        Text == text && (Binary is null ? binary is null : binary is not null && Binary.AsSpan().SequenceEqual(binary));
}

/// <summary>One secret with its versions and staging labels.</summary>
internal sealed class StoredSecret(string name, string arn, DateTimeOffset created)
{
    public string Name { get; } = name;

    public string Arn { get; } = arn;

    public string? Description { get; set; }

    public DateTimeOffset CreatedDate { get; } = created;

    public DateTimeOffset LastChangedDate { get; set; } = created;

    public DateTimeOffset? LastAccessedDate { get; set; }

    public DateTimeOffset? DeletedDate { get; set; }

    public DateTimeOffset? PurgeAt { get; set; }

    public List<StoredVersion> Versions { get; } = [];

    public List<KeyValuePair<string, string>> Tags { get; } = [];

    public StoredVersion? ByStage(string stage) => Versions.FirstOrDefault(v => v.Stages.Contains(stage));
}

/// <summary>The secrets of one emulated account and region, and the operations of the JSON 1.1 API (aws-secrets-manager.md §2, §3).</summary>
/// <remarks>Every operation runs under one lock; answers are built as JSON nodes with epoch-seconds dates.</remarks>
internal sealed class AwsSecretStore
{
    private const string Current = "AWSCURRENT";
    private const string Previous = "AWSPREVIOUS";
    private static readonly string[] FilterKeys = ["description", "name", "tag-key", "tag-value", "primary-region", "owning-service", "all"];

    private readonly Lock _gate = new();
    private readonly Dictionary<string, StoredSecret> _secrets = new(StringComparer.Ordinal);
    private readonly List<(string? Operation, string? Secret)> _denials = [];
    private readonly AwsSecretsManagerEmulatorOptions _options;

    public AwsSecretStore(AwsSecretsManagerEmulatorOptions options)
    {
        _options = options;
    }

    private DateTimeOffset Now => _options.Time.GetUtcNow();

    public static JsonValue Epoch(DateTimeOffset time) => JsonValue.Create(Math.Round(time.ToUnixTimeMilliseconds() / 1000.0, 3));

    // ---- IAM stand-in --------------------------------------------------------------------------------------------

    public IDisposable Deny(string? operation, string? secret)
    {
        var rule = (operation, secret);
        lock (_gate)
        {
            _denials.Add(rule);
        }

        return new Undo(() =>
        {
            lock (_gate)
            {
                _denials.Remove(rule);
            }
        });
    }

    private void CheckAllowed(string operation, string? secret)
    {
        if (_denials.Any(d => (d.Operation is null || d.Operation == operation) && (d.Secret is null || d.Secret == secret)))
        {
            throw new AwsError("AccessDeniedException",
                $"User: arn:aws:iam::{_options.AccountId}:user/devstack is not authorized to perform: secretsmanager:{operation} on resource: {secret ?? "*"} " +
                $"because no identity-based policy allows the secretsmanager:{operation} action");
        }
    }

    // ---- operations -----------------------------------------------------------------------------------------------

    public JsonObject Handle(string operation, JsonElement request)
    {
        lock (_gate)
        {
            Purge();
            return operation switch
            {
                "CreateSecret" => CreateSecret(request),
                "GetSecretValue" => GetSecretValue(request),
                "BatchGetSecretValue" => BatchGetSecretValue(request),
                "PutSecretValue" => PutSecretValue(request),
                "UpdateSecret" => UpdateSecret(request),
                "DescribeSecret" => DescribeSecret(request),
                "ListSecrets" => ListSecrets(request),
                "ListSecretVersionIds" => ListSecretVersionIds(request),
                "DeleteSecret" => DeleteSecret(request),
                "RestoreSecret" => RestoreSecret(request),
                _ => throw new AwsError("UnknownOperationException", $"Operation {operation} is not supported by this emulator."),
            };
        }
    }

    /// <summary>Creates the secret or adds a version that becomes <c>AWSCURRENT</c>; returns the version id.</summary>
    public string Put(string name, string? text, byte[]? binary)
    {
        lock (_gate)
        {
            Purge();
            CheckSize(text, binary);
            if (!_secrets.TryGetValue(name, out var secret))
            {
                CheckName(name);
                secret = new StoredSecret(name, NewArn(name), Now);
                _secrets[name] = secret;
            }
            else if (secret.DeletedDate is not null)
            {
                throw new InvalidOperationException($"Secret '{name}' is scheduled for deletion; restore it first.");
            }

            return AddVersion(secret, Guid.NewGuid().ToString(), text, binary, null).Id;
        }
    }

    public void Delete(string name, bool force, int recoveryWindowInDays)
    {
        lock (_gate)
        {
            Purge();
            var secret = _secrets.GetValueOrDefault(name) ?? throw new InvalidOperationException($"No secret '{name}'.");
            MarkDeleted(secret, force, recoveryWindowInDays);
        }
    }

    public void Restore(string name)
    {
        lock (_gate)
        {
            Purge();
            var secret = _secrets.GetValueOrDefault(name) ?? throw new InvalidOperationException($"No secret '{name}'.");
            secret.DeletedDate = null;
            secret.PurgeAt = null;
        }
    }

    public AwsSecretSnapshot? Snapshot(string name)
    {
        lock (_gate)
        {
            Purge();
            return _secrets.TryGetValue(name, out var s)
                ? new AwsSecretSnapshot(s.Name, s.Arn, s.ByStage(Current)?.Id, s.DeletedDate,
                    s.Versions.ToDictionary(v => v.Id, v => (IReadOnlyList<string>)[.. v.Stages], StringComparer.Ordinal))
                : null;
        }
    }

    private JsonObject CreateSecret(JsonElement request)
    {
        var name = RequiredString(request, "Name");
        CheckAllowed("CreateSecret", name);
        var (text, binary) = Value(request, required: false);
        var token = Token(request);
        if (_secrets.TryGetValue(name, out var existing))
        {
            if (existing.DeletedDate is not null)
            {
                throw new AwsError("InvalidRequestException",
                    "You can't create this secret because a secret with this name is already scheduled for deletion.");
            }

            // A retried create with the same token and value succeeds again (idempotency token).
            if (token is not null && existing.Versions.FirstOrDefault(v => v.Id == token) is { } same && same.SameValue(text, binary))
            {
                return Ids(existing, same.Id);
            }

            throw new AwsError("ResourceExistsException", $"The operation failed because the secret {name} already exists.");
        }

        CheckName(name);
        var secret = new StoredSecret(name, NewArn(name), Now) { Description = OptionalString(request, "Description") };
        foreach (var tag in Items(request, "Tags"))
        {
            secret.Tags.Add(new(OptionalString(tag, "Key") ?? "", OptionalString(tag, "Value") ?? ""));
        }

        _secrets[name] = secret;
        if (text is null && binary is null)
        {
            return Ids(secret, null);
        }

        var version = AddVersion(secret, token ?? Guid.NewGuid().ToString(), text, binary, null);
        return Ids(secret, version.Id);
    }

    private JsonObject GetSecretValue(JsonElement request)
    {
        var secret = Find(RequiredString(request, "SecretId"));
        CheckAllowed("GetSecretValue", secret.Name);
        if (secret.DeletedDate is not null)
        {
            throw AwsError.MarkedForDeletion("GetSecretValue");
        }

        var version = SelectVersion(secret, OptionalString(request, "VersionId"), OptionalString(request, "VersionStage"));
        secret.LastAccessedDate = Now;
        return ValueEntry(secret, version);
    }

    private JsonObject BatchGetSecretValue(JsonElement request)
    {
        CheckAllowed("BatchGetSecretValue", null);
        var ids = Items(request, "SecretIdList").Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : "").ToList();
        var hasFilters = request.TryGetProperty("Filters", out _);
        if (ids.Count > 0 && hasFilters)
        {
            throw AwsError.Parameter("Either SecretIdList or Filters must be specified, not both.");
        }

        if (ids.Count > 20)
        {
            throw AwsError.Validation("1 validation error detected: Value at 'secretIdList' failed to satisfy constraint: Member must have length less than or equal to 20");
        }

        var values = new JsonArray();
        var errors = new JsonArray();
        var answer = new JsonObject { ["SecretValues"] = values, ["Errors"] = errors };
        if (ids.Count == 0)
        {
            if (!hasFilters)
            {
                throw AwsError.Parameter("Either SecretIdList or Filters must be specified.");
            }

            var max = OptionalInt(request, "MaxResults") ?? 20;
            if (max is < 1 or > 20)
            {
                throw AwsError.Validation("MaxResults must be between 1 and 20 with Filters.");
            }

            var (page, next) = Page(Filtered(request, includeDeleted: false), OptionalString(request, "NextToken"), max, descending: false);
            foreach (var secret in page)
            {
                if (secret.ByStage(Current) is { } current)
                {
                    values.Add(ValueEntry(secret, current));
                }
            }

            if (next is not null)
            {
                answer["NextToken"] = next;
            }

            return answer;
        }

        foreach (var id in ids)
        {
            try
            {
                var secret = Find(id);
                CheckAllowed("GetSecretValue", secret.Name);
                if (secret.DeletedDate is not null)
                {
                    throw AwsError.MarkedForDeletion("GetSecretValue");
                }

                var version = SelectVersion(secret, null, null);
                secret.LastAccessedDate = Now;
                values.Add(ValueEntry(secret, version));
            }
            catch (AwsError e)
            {
                errors.Add(new JsonObject { ["SecretId"] = id, ["ErrorCode"] = e.Code, ["Message"] = e.Message });
            }
        }

        return answer;
    }

    private JsonObject PutSecretValue(JsonElement request)
    {
        var secret = Find(RequiredString(request, "SecretId"));
        CheckAllowed("PutSecretValue", secret.Name);
        if (secret.DeletedDate is not null)
        {
            throw AwsError.MarkedForDeletion("PutSecretValue");
        }

        var (text, binary) = Value(request, required: true);
        var stages = Items(request, "VersionStages").Select(e => e.GetString() ?? "").ToList();
        var version = AddVersion(secret, Token(request) ?? Guid.NewGuid().ToString(), text, binary, stages.Count > 0 ? stages : null);
        var answer = Ids(secret, version.Id);
        answer["VersionStages"] = new JsonArray([.. version.Stages.Select(s => (JsonNode)s)]);
        return answer;
    }

    private JsonObject UpdateSecret(JsonElement request)
    {
        var secret = Find(RequiredString(request, "SecretId"));
        CheckAllowed("UpdateSecret", secret.Name);
        if (secret.DeletedDate is not null)
        {
            throw AwsError.MarkedForDeletion("UpdateSecret");
        }

        if (OptionalString(request, "Description") is { } description)
        {
            secret.Description = description;
            secret.LastChangedDate = Now;
        }

        var (text, binary) = Value(request, required: false);
        if (text is null && binary is null)
        {
            return Ids(secret, null);
        }

        var version = AddVersion(secret, Token(request) ?? Guid.NewGuid().ToString(), text, binary, null);
        return Ids(secret, version.Id);
    }

    private JsonObject DescribeSecret(JsonElement request)
    {
        var secret = Find(RequiredString(request, "SecretId"));
        CheckAllowed("DescribeSecret", secret.Name);
        var answer = Metadata(secret);
        answer["VersionIdsToStages"] = VersionMap(secret);
        return answer;
    }

    private JsonObject ListSecrets(JsonElement request)
    {
        CheckAllowed("ListSecrets", null);
        var max = OptionalInt(request, "MaxResults") ?? 100;
        if (max is < 1 or > 100)
        {
            throw AwsError.Validation("1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 100");
        }

        var includeDeleted = request.TryGetProperty("IncludePlannedDeletion", out var include) && include.ValueKind == JsonValueKind.True;
        var descending = OptionalString(request, "SortOrder") switch
        {
            null or "asc" => false,
            "desc" => true,
            var other => throw AwsError.Validation($"1 validation error detected: Value '{other}' at 'sortOrder' failed to satisfy constraint: Member must satisfy enum value set: [asc, desc]"),
        };
        var (page, next) = Page(Filtered(request, includeDeleted), OptionalString(request, "NextToken"), max, descending);
        var list = new JsonArray();
        foreach (var secret in page)
        {
            var entry = Metadata(secret);
            entry["SecretVersionsToStages"] = VersionMap(secret);
            list.Add(entry);
        }

        var answer = new JsonObject { ["SecretList"] = list };
        if (next is not null)
        {
            answer["NextToken"] = next;
        }

        return answer;
    }

    private JsonObject ListSecretVersionIds(JsonElement request)
    {
        var secret = Find(RequiredString(request, "SecretId"));
        CheckAllowed("ListSecretVersionIds", secret.Name);
        var includeDeprecated = request.TryGetProperty("IncludeDeprecated", out var deprecated) && deprecated.ValueKind == JsonValueKind.True;
        var versions = new JsonArray();
        foreach (var version in secret.Versions.Where(v => includeDeprecated || v.Stages.Count > 0))
        {
            versions.Add(new JsonObject
            {
                ["VersionId"] = version.Id,
                ["VersionStages"] = new JsonArray([.. version.Stages.Select(s => (JsonNode)s)]),
                ["CreatedDate"] = Epoch(version.Created),
            });
        }

        var answer = Ids(secret, null);
        answer["Versions"] = versions;
        return answer;
    }

    private JsonObject DeleteSecret(JsonElement request)
    {
        var secret = Find(RequiredString(request, "SecretId"));
        CheckAllowed("DeleteSecret", secret.Name);
        var force = request.TryGetProperty("ForceDeleteWithoutRecovery", out var f) && f.ValueKind == JsonValueKind.True;
        var window = OptionalInt(request, "RecoveryWindowInDays");
        if (force && window is not null)
        {
            throw AwsError.Parameter("You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
        }

        if (window is < 7 or > 30)
        {
            throw AwsError.Parameter("The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).");
        }

        if (secret.DeletedDate is not null && !force)
        {
            throw AwsError.MarkedForDeletion("DeleteSecret");
        }

        MarkDeleted(secret, force, window ?? 30);
        var answer = Ids(secret, null);
        answer["DeletionDate"] = Epoch(force ? Now : secret.PurgeAt!.Value);
        return answer;
    }

    private JsonObject RestoreSecret(JsonElement request)
    {
        var secret = Find(RequiredString(request, "SecretId"));
        CheckAllowed("RestoreSecret", secret.Name);
        secret.DeletedDate = null;
        secret.PurgeAt = null;
        return Ids(secret, null);
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private void MarkDeleted(StoredSecret secret, bool force, int recoveryWindowInDays)
    {
        if (force)
        {
            _secrets.Remove(secret.Name);
            return;
        }

        secret.DeletedDate = Now;
        secret.PurgeAt = Now + TimeSpan.FromDays(recoveryWindowInDays);
    }

    /// <summary>Removes secrets whose recovery window has passed.</summary>
    private void Purge()
    {
        var now = Now;
        foreach (var name in _secrets.Values.Where(s => s.PurgeAt is { } at && at <= now).Select(s => s.Name).ToList())
        {
            _secrets.Remove(name);
        }
    }

    private StoredVersion AddVersion(StoredSecret secret, string token, string? text, byte[]? binary, List<string>? stages)
    {
        if (token.Length is < 32 or > 64)
        {
            throw AwsError.Validation("1 validation error detected: Value at 'clientRequestToken' failed to satisfy constraint: Member must have length between 32 and 64");
        }

        CheckSize(text, binary);
        if (secret.Versions.FirstOrDefault(v => v.Id == token) is { } existing)
        {
            // The token is the version id: the same token with the same value is a retry (no-op); another value is an error.
            return existing.SameValue(text, binary)
                ? existing
                : throw new AwsError("ResourceExistsException", $"A resource with the ID you requested already exists.");
        }

        var version = new StoredVersion(token, text, binary, Now);
        stages ??= [Current];
        foreach (var stage in stages)
        {
            if (stage == Current && secret.ByStage(Current) is { } old)
            {
                // AWSPREVIOUS follows the version AWSCURRENT leaves (§2).
                secret.ByStage(Previous)?.Stages.Remove(Previous);
                old.Stages.Remove(Current);
                old.Stages.Add(Previous);
            }
            else
            {
                secret.ByStage(stage)?.Stages.Remove(stage);
            }

            version.Stages.Add(stage);
        }

        secret.Versions.Add(version);
        secret.LastChangedDate = version.Created;
        // Unlabelled versions beyond 100 are pruned, oldest first (§2).
        while (secret.Versions.Count(v => v.Stages.Count == 0) > 100)
        {
            secret.Versions.Remove(secret.Versions.First(v => v.Stages.Count == 0));
        }

        return version;
    }

    private static StoredVersion SelectVersion(StoredSecret secret, string? versionId, string? stage)
    {
        if (versionId is not null)
        {
            var version = secret.Versions.FirstOrDefault(v => v.Id == versionId)
                ?? throw new AwsError("ResourceNotFoundException", $"Secrets Manager can't find the specified secret value for VersionId: {versionId}");
            if (stage is not null && !version.Stages.Contains(stage))
            {
                throw AwsError.Parameter("The parameters VersionId and VersionStage must refer to the same version.");
            }

            return version;
        }

        stage ??= Current;
        return secret.ByStage(stage)
            ?? throw new AwsError("ResourceNotFoundException", $"Secrets Manager can't find the specified secret value for staging label: {stage}");
    }

    private StoredSecret Find(string id)
    {
        if (_secrets.TryGetValue(id, out var byName))
        {
            return byName;
        }

        // A full ARN, or a partial one without the six random characters.
        return _secrets.Values.FirstOrDefault(s => s.Arn == id || (s.Arn.Length == id.Length + 7 && s.Arn.StartsWith(id + "-", StringComparison.Ordinal)))
            ?? throw AwsError.NotFound();
    }

    private IEnumerable<StoredSecret> Filtered(JsonElement request, bool includeDeleted)
    {
        var filters = new List<(string Key, List<string> Values)>();
        foreach (var filter in Items(request, "Filters"))
        {
            var key = OptionalString(filter, "Key") ?? "";
            if (!FilterKeys.Contains(key, StringComparer.Ordinal))
            {
                throw AwsError.Validation($"1 validation error detected: Value '{key}' at 'filters.1.member.key' failed to satisfy constraint: Member must satisfy enum value set: [{string.Join(", ", FilterKeys)}]");
            }

            var values = Items(filter, "Values").Select(v => v.GetString() ?? "").ToList();
            if (values.Count is 0 or > 10)
            {
                throw AwsError.Validation("Filter values must have between 1 and 10 items.");
            }

            filters.Add((key, values));
        }

        return _secrets.Values.Where(s => (includeDeleted || s.DeletedDate is null) && filters.All(f => Matches(s, f.Key, f.Values)));
    }

    private static bool Matches(StoredSecret secret, string key, List<string> values)
    {
        // Values of one filter combine with OR; a '!' negates one value (§3 ListSecrets).
        var positives = values.Where(v => !v.StartsWith('!')).ToList();
        var negatives = values.Where(v => v.StartsWith('!')).Select(v => v[1..]).ToList();
        bool Hit(string value) => key switch
        {
            "name" => secret.Name.StartsWith(value, StringComparison.Ordinal),
            "description" => (secret.Description ?? "").StartsWith(value, StringComparison.OrdinalIgnoreCase),
            "tag-key" => secret.Tags.Any(t => t.Key.StartsWith(value, StringComparison.Ordinal)),
            "tag-value" => secret.Tags.Any(t => t.Value.StartsWith(value, StringComparison.Ordinal)),
            "primary-region" or "owning-service" => false,
            _ => new[] { secret.Name, secret.Description ?? "" }.Concat(secret.Tags.SelectMany(t => new[] { t.Key, t.Value }))
                .SelectMany(text => text.Split([' ', '/', '-', '_', '.'], StringSplitOptions.RemoveEmptyEntries))
                .Any(word => word.StartsWith(value, StringComparison.OrdinalIgnoreCase)),
        };
        return (positives.Count == 0 || positives.Any(Hit)) && !negatives.Any(Hit);
    }

    private static (List<StoredSecret> Page, string? Next) Page(IEnumerable<StoredSecret> secrets, string? token, int max, bool descending)
    {
        var ordered = descending
            ? secrets.OrderByDescending(s => s.Name, StringComparer.Ordinal).ToList()
            : secrets.OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
        var start = 0;
        if (token is not null)
        {
            // The token is the last name returned, so a page boundary survives secrets added or removed meanwhile.
            string after;
            try
            {
                after = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            }
            catch (FormatException)
            {
                throw new AwsError("InvalidNextTokenException", "The NextToken value is invalid.");
            }

            start = ordered.FindIndex(s => descending
                ? string.CompareOrdinal(s.Name, after) < 0
                : string.CompareOrdinal(s.Name, after) > 0);
            if (start < 0)
            {
                start = ordered.Count;
            }
        }

        var page = ordered.Skip(start).Take(max).ToList();
        var next = start + page.Count < ordered.Count ? Convert.ToBase64String(Encoding.UTF8.GetBytes(page[^1].Name)) : null;
        return (page, next);
    }

    private JsonObject Metadata(StoredSecret secret)
    {
        var answer = new JsonObject
        {
            ["ARN"] = secret.Arn,
            ["Name"] = secret.Name,
            ["LastChangedDate"] = Epoch(secret.LastChangedDate),
            ["CreatedDate"] = Epoch(secret.CreatedDate),
        };
        if (secret.Description is not null)
        {
            answer["Description"] = secret.Description;
        }

        if (secret.LastAccessedDate is { } accessed)
        {
            // Day resolution, as AWS reports it (§3 ListSecrets).
            answer["LastAccessedDate"] = Epoch(new DateTimeOffset(accessed.UtcDateTime.Date, TimeSpan.Zero));
        }

        if (secret.DeletedDate is { } deleted)
        {
            answer["DeletedDate"] = Epoch(deleted);
        }

        if (secret.Tags.Count > 0)
        {
            answer["Tags"] = new JsonArray([.. secret.Tags.Select(t => (JsonNode)new JsonObject { ["Key"] = t.Key, ["Value"] = t.Value })]);
        }

        return answer;
    }

    private static JsonObject VersionMap(StoredSecret secret)
    {
        var map = new JsonObject();
        foreach (var version in secret.Versions.Where(v => v.Stages.Count > 0))
        {
            map[version.Id] = new JsonArray([.. version.Stages.Select(s => (JsonNode)s)]);
        }

        return map;
    }

    private static JsonObject ValueEntry(StoredSecret secret, StoredVersion version)
    {
        var entry = new JsonObject { ["ARN"] = secret.Arn, ["Name"] = secret.Name, ["VersionId"] = version.Id };
        if (version.Text is not null)
        {
            entry["SecretString"] = version.Text;
        }
        else
        {
            entry["SecretBinary"] = Convert.ToBase64String(version.Binary!);
        }

        entry["VersionStages"] = new JsonArray([.. version.Stages.Select(s => (JsonNode)s)]);
        entry["CreatedDate"] = Epoch(version.Created);
        return entry;
    }

    private static JsonObject Ids(StoredSecret secret, string? versionId)
    {
        var answer = new JsonObject { ["ARN"] = secret.Arn, ["Name"] = secret.Name };
        if (versionId is not null)
        {
            answer["VersionId"] = versionId;
        }

        return answer;
    }

    private string NewArn(string name)
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        var suffix = RandomNumberGenerator.GetString(alphabet, 6);
        return $"arn:aws:secretsmanager:{_options.Region}:{_options.AccountId}:secret:{name}-{suffix}";
    }

    private static void CheckName(string name)
    {
        if (name.Length is 0 or > 512 || !name.All(c => char.IsAsciiLetterOrDigit(c) || "/_+=.@-".Contains(c)))
        {
            throw AwsError.Validation("Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!");
        }
    }

    private void CheckSize(string? text, byte[]? binary)
    {
        var size = text is not null ? Encoding.UTF8.GetByteCount(text) : binary?.Length ?? 0;
        if (size > _options.MaxSecretBytes)
        {
            throw AwsError.Validation($"1 validation error detected: the secret value must have length less than or equal to {_options.MaxSecretBytes}");
        }
    }

    private static (string? Text, byte[]? Binary) Value(JsonElement request, bool required)
    {
        var text = OptionalString(request, "SecretString");
        var base64 = OptionalString(request, "SecretBinary");
        if (text is not null && base64 is not null)
        {
            throw AwsError.Parameter("You can't specify both a binary secret value and a string secret value in the same secret.");
        }

        if (required && text is null && base64 is null)
        {
            throw AwsError.Parameter("You must provide either SecretString or SecretBinary.");
        }

        try
        {
            return (text, base64 is null ? null : Convert.FromBase64String(base64));
        }
        catch (FormatException)
        {
            throw new AwsError("SerializationException", "SecretBinary is not valid base64.");
        }
    }

    private static string? Token(JsonElement request) => OptionalString(request, "ClientRequestToken");

    private static string RequiredString(JsonElement request, string name) =>
        OptionalString(request, name) is { Length: > 0 } value
            ? value
            : throw AwsError.Validation($"1 validation error detected: Value null at '{char.ToLowerInvariant(name[0])}{name[1..]}' failed to satisfy constraint: Member must not be null");

    private static string? OptionalString(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Null => null,
                _ => throw new AwsError("SerializationException", $"{name} must be a string."),
            }
            : null;

    private static int? OptionalInt(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) ? number : throw new AwsError("SerializationException", $"{name} must be an integer.")
            : null;

    private static IEnumerable<JsonElement> Items(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray()
            : [];

    private sealed class Undo(Action action) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                action();
            }
        }
    }
}
