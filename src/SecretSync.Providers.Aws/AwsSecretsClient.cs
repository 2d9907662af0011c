using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using SecretSync.Core.Providers;
using SecretSync.Providers.Common;

namespace SecretSync.Providers.Aws;

/// <summary>A connected AWS Secrets Manager client: batched reads, one listing per version check, check-then-put writes.</summary>
/// <remarks>
/// <para>
/// Reads of the current value coalesce: concurrent <see cref="ProviderClient.ReadAsync"/> calls are gathered while a call is in
/// flight and sent as one <c>BatchGetSecretValue</c> of up to 20 ids (a lone read uses <c>GetSecretValue</c>).
/// Specific versions use <c>GetSecretValue</c> with <c>VersionId</c>, or <c>VersionStage</c> for a version
/// written as <c>AWSCURRENT</c>, <c>AWSPREVIOUS</c>, <c>AWSPENDING</c> or <c>stage:&lt;label&gt;</c>.
/// </para>
/// <para>
/// <see cref="ProviderClient.CheckVersionsAsync"/> pages through <c>ListSecrets</c> once (100 secrets a page, narrowed by a
/// <c>name</c> prefix filter when the paths allow) and reads each secret's <c>AWSCURRENT</c> version from
/// <c>SecretVersionsToStages</c>; only secrets the listing does not show (ListSecrets lags by up to minutes) cost a
/// <c>DescribeSecret</c> each, which then gives the positive evidence.
/// </para>
/// <para>
/// Absence is reported only on AWS's own words: <c>ResourceNotFoundException</c>, a <c>DeletedDate</c>, or an
/// <c>InvalidRequestException</c> saying the secret is marked for deletion. Everything else is a failure.
/// </para>
/// </remarks>
internal sealed class AwsSecretsClient : ProviderClient
{
    /// <summary>The most ids one <c>BatchGetSecretValue</c> takes (§3).</summary>
    public const int BatchLimit = 20;

    /// <summary>The largest <c>ListSecrets</c> page (§3).</summary>
    public const int ListPageSize = 100;

    /// <summary>How many <c>DescribeSecret</c> calls a version check runs at once for secrets missing from the listing.</summary>
    public const int DescribeParallelism = 4;

    private const int MaxListPages = 10_000;
    private const int MaxNameFilterValues = 10;

    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly AwsTransport _transport;
    private readonly CancellationTokenSource _lifetime = new();
    private readonly Lock _queueGate = new();
    private readonly List<PendingRead> _queue = [];
    private bool _draining;
    private volatile bool _batchDenied;

    public AwsSecretsClient(string provider, AwsOptions options, TimeProvider time, ILoggerFactory loggerFactory, ProviderMetrics metrics)
        : base(provider, metrics, recordCalls: false)
    {
        _time = time;
        _logger = loggerFactory.CreateLogger<AwsSecretsClient>();
        _transport = new AwsTransport(provider, options, time, _logger, metrics);
    }

    private enum SecretState
    {
        Missing,
        Deleted,
        NoCurrent,
        Current,
        Failed,
    }

    protected override async ValueTask<ReadResult> ReadCoreAsync(string path, string? version, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return new ReadResult.Failed(new ProviderFailure(FailureKind.Rejected, "An AWS secret id (name or ARN) must not be empty."));
        }

        return version is null
            ? await EnqueueAsync(path, cancellationToken).ConfigureAwait(false)
            : await GetSecretValueAsync(path, version, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the current value of many secrets: one <c>BatchGetSecretValue</c> per 20 ids, <c>GetSecretValue</c> for a lone one.</summary>
    internal async ValueTask<IReadOnlyDictionary<string, ReadResult>> ReadManyAsync(IReadOnlyCollection<string> paths, CancellationToken cancellationToken)
    {
        var results = new Dictionary<string, ReadResult>(StringComparer.Ordinal);
        var distinct = paths.Distinct(StringComparer.Ordinal).ToList();
        // Balanced chunks (21 ids → 11 + 10), so no id is left to a call of its own.
        var chunkSize = distinct.Count == 0 ? 1 : (int)Math.Ceiling(distinct.Count / Math.Ceiling(distinct.Count / (double)BatchLimit));
        foreach (var chunk in distinct.Chunk(chunkSize))
        {
            if (chunk.Length > 1 && !_batchDenied)
            {
                foreach (var (path, result) in await BatchGetAsync(chunk, cancellationToken).ConfigureAwait(false))
                {
                    results[path] = result;
                }

                continue;
            }

            foreach (var path in chunk)
            {
                results[path] = await GetSecretValueAsync(path, null, cancellationToken).ConfigureAwait(false);
            }
        }

        return results;
    }

    protected override async ValueTask<IReadOnlyDictionary<string, VersionResult>> CheckVersionsCoreAsync(IReadOnlyCollection<string> paths, CancellationToken cancellationToken)
    {
        var wanted = paths.Distinct(StringComparer.Ordinal).ToList();
        var results = new ConcurrentDictionary<string, VersionResult>(StringComparer.Ordinal);
        if (wanted.Count == 0)
        {
            return results;
        }

        var (listed, failure) = await ListAsync(wanted, cancellationToken).ConfigureAwait(false);
        if (failure is not null)
        {
            AwsLog.ListFailed(_logger, Provider, wanted.Count, failure.ToString());
            return wanted.ToDictionary(p => p, p => (VersionResult)new VersionResult.Failed(failure), StringComparer.Ordinal);
        }

        var unseen = new List<string>();
        foreach (var path in wanted)
        {
            if (listed!.TryGetValue(path, out var entry))
            {
                results[path] = entry;
            }
            else
            {
                unseen.Add(path);
            }
        }

        // Not in the listing: new (ListSecrets lags), deleted for good, or named by a partial ARN. Ask directly.
        var options = new ParallelOptions { MaxDegreeOfParallelism = DescribeParallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(unseen, options, async (path, ct) =>
        {
            var described = await DescribeAsync(path, ct).ConfigureAwait(false);
            results[path] = described.ToVersionResult(path);
            if (described.Failure is { } f)
            {
                LogFailure("version check", path, f);
            }
        }).ConfigureAwait(false);
        return new Dictionary<string, VersionResult>(results, StringComparer.Ordinal);
    }

    protected override void LogFailure(string operation, string source, ProviderFailure failure) =>
        AwsLog.CallFailed(_logger, Provider, operation, source, failure.ToString());

    protected override void Release()
    {
        _lifetime.Cancel();
        _transport.Dispose();
    }

    // ---- reads -----------------------------------------------------------------------------------------------

    private async ValueTask<ReadResult> EnqueueAsync(string path, CancellationToken cancellationToken)
    {
        var pending = new PendingRead(path, new TaskCompletionSource<ReadResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        bool start;
        lock (_queueGate)
        {
            _queue.Add(pending);
            start = !_draining;
            _draining = true;
        }

        if (start)
        {
            _ = Task.Run(DrainAsync, CancellationToken.None);
        }

        return await pending.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends queued reads in batches until the queue is empty; reads queued meanwhile ride the next batch.</summary>
    private async Task DrainAsync()
    {
        // Lets callers that arrive together queue up before the first batch leaves.
        await Task.Yield();
        while (true)
        {
            List<PendingRead> batch;
            lock (_queueGate)
            {
                if (_queue.Count == 0)
                {
                    _draining = false;
                    return;
                }

                var paths = new HashSet<string>(StringComparer.Ordinal);
                batch = [];
                for (var i = 0; i < _queue.Count; i++)
                {
                    var pending = _queue[i];
                    if (paths.Count < BatchLimit || paths.Contains(pending.Path))
                    {
                        paths.Add(pending.Path);
                        batch.Add(pending);
                        _queue.RemoveAt(i--);
                    }
                }
            }

            try
            {
                var results = await ReadManyAsync([.. batch.Select(p => p.Path)], _lifetime.Token).ConfigureAwait(false);
                foreach (var pending in batch)
                {
                    pending.Completion.TrySetResult(results[pending.Path]);
                }
            }
            catch (OperationCanceledException)
            {
                batch.ForEach(p => p.Completion.TrySetCanceled());
            }
            catch (Exception e)
            {
                batch.ForEach(p => p.Completion.TrySetException(e));
            }
        }
    }

    private async ValueTask<IReadOnlyDictionary<string, ReadResult>> BatchGetAsync(string[] ids, CancellationToken cancellationToken)
    {
        var results = new Dictionary<string, ReadResult>(StringComparer.Ordinal);
        string? nextToken = null;
        for (var page = 0; page < BatchLimit; page++)
        {
            var body = JsonValues.Body(w =>
            {
                w.WriteStartArray("SecretIdList");
                foreach (var id in ids)
                {
                    w.WriteStringValue(id);
                }

                w.WriteEndArray();
                if (nextToken is not null)
                {
                    w.WriteString("NextToken", nextToken);
                }
            });
            var call = await _transport.SendAsync("BatchGetSecretValue", body, cancellationToken).ConfigureAwait(false);
            var failure = call.Failure ?? (call.Reply!.Value.IsSuccess ? null : AwsOutcomes.FailureOf(call.Reply.Value, "BatchGetSecretValue"));
            if (failure is { Kind: FailureKind.Forbidden } && results.Count == 0)
            {
                // The role may allow GetSecretValue but not BatchGetSecretValue (§3 IAM); read one by one from now on.
                _batchDenied = true;
                AwsLog.BatchDenied(_logger, Provider);
                foreach (var id in ids)
                {
                    results[id] = await GetSecretValueAsync(id, null, cancellationToken).ConfigureAwait(false);
                }

                return results;
            }

            if (failure is not null)
            {
                return ids.ToDictionary(id => id, id => results.GetValueOrDefault(id) ?? new ReadResult.Failed(failure), StringComparer.Ordinal);
            }

            var reply = call.Reply!.Value;
            using var doc = JsonValues.TryParse(reply.Body);
            using var wipe = new Wipe(reply.Body);
            if (doc is null || doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return Fill(ids, results, "Secrets Manager's BatchGetSecretValue answer is not a JSON object.");
            }

            foreach (var entry in AwsJson.Items(doc.RootElement, "SecretValues"))
            {
                var name = JsonValues.String(entry, "Name");
                var arn = JsonValues.String(entry, "ARN");
                foreach (var id in ids.Where(id => id == name || id == arn))
                {
                    results[id] = AwsJson.Payload(entry, id);
                }
            }

            foreach (var error in AwsJson.Items(doc.RootElement, "Errors"))
            {
                if (JsonValues.String(error, "SecretId") is not { } id || !ids.Contains(id, StringComparer.Ordinal))
                {
                    continue;
                }

                var code = AwsTransport.NormalizeCode(JsonValues.String(error, "ErrorCode"));
                var message = JsonValues.String(error, "Message") ?? JsonValues.String(error, "message");
                results[id] = await ErrorToReadAsync(id, null, code, message, 400, cancellationToken).ConfigureAwait(false);
            }

            nextToken = JsonValues.String(doc.RootElement, "NextToken");
            if (string.IsNullOrEmpty(nextToken) || results.Count == ids.Length)
            {
                break;
            }
        }

        return Fill(ids, results, "Secrets Manager's BatchGetSecretValue answer did not mention this secret.");
    }

    private static Dictionary<string, ReadResult> Fill(string[] ids, Dictionary<string, ReadResult> results, string message)
    {
        foreach (var id in ids)
        {
            results.TryAdd(id, new ReadResult.Failed(new ProviderFailure(FailureKind.InvalidResponse, message)));
        }

        return results;
    }

    private async ValueTask<ReadResult> GetSecretValueAsync(string path, string? version, CancellationToken cancellationToken)
    {
        var stage = StageOf(version);
        var body = JsonValues.Body(w =>
        {
            w.WriteString("SecretId", path);
            if (stage is not null)
            {
                w.WriteString("VersionStage", stage);
            }
            else if (version is not null)
            {
                w.WriteString("VersionId", version);
            }
        });
        var call = await _transport.SendAsync("GetSecretValue", body, cancellationToken).ConfigureAwait(false);
        if (call.Failure is { } failure)
        {
            return new ReadResult.Failed(failure);
        }

        var reply = call.Reply!.Value;
        if (!reply.IsSuccess)
        {
            return await ErrorToReadAsync(path, version, reply.ErrorCode, reply.ErrorMessage, reply.Status, cancellationToken, reply.RetryAfter).ConfigureAwait(false);
        }

        try
        {
            using var doc = JsonValues.TryParse(reply.Body);
            return doc is null
                ? new ReadResult.Failed(new ProviderFailure(FailureKind.InvalidResponse, "Secrets Manager's GetSecretValue answer is not JSON."))
                : AwsJson.Payload(doc.RootElement, path);
        }
        finally
        {
            // The document reads the buffer in place, so it is wiped only once the values are copied out.
            Array.Clear(reply.Body);
        }
    }

    /// <summary>Turns an error (of a whole GetSecretValue, or one BatchGetSecretValue entry) into absence or a failure.</summary>
    private async ValueTask<ReadResult> ErrorToReadAsync(
        string path, string? version, string? code, string? message, int status, CancellationToken cancellationToken, TimeSpan? retryAfter = null)
    {
        switch (AwsOutcomes.AbsenceOf(code, message))
        {
            case AbsenceKind.ScheduledForDeletion:
                return new ReadResult.Absent(new Absence(AbsenceKind.ScheduledForDeletion, $"secret {path} is scheduled for deletion"));
            case AbsenceKind.NotFound when version is null:
                return new ReadResult.Absent(new Absence(AbsenceKind.NotFound, $"no secret {path} with an AWSCURRENT value"));
            case AbsenceKind.NotFound:
                // Only this version or stage is gone; the secret's current version says whether anything is still live.
                var described = await DescribeAsync(path, cancellationToken).ConfigureAwait(false);
                return described.State switch
                {
                    SecretState.Failed => new ReadResult.Failed(described.Failure! with
                    {
                        Message = $"version {version} of {path} does not exist, but the secret's state is unknown: {described.Failure.Message}",
                    }),
                    SecretState.Current => new ReadResult.Absent(new Absence(AbsenceKind.NotFound,
                        $"version {version} of {path} does not exist; the current version is {described.Version}", described.Version)),
                    _ => new ReadResult.Absent(described.ToAbsence(path)!),
                };
        }

        if (code == "InvalidRequestException")
        {
            // AWS words this error loosely; a DeletedDate is the unambiguous evidence.
            var described = await DescribeAsync(path, cancellationToken).ConfigureAwait(false);
            if (described.State == SecretState.Deleted)
            {
                return new ReadResult.Absent(described.ToAbsence(path)!);
            }
        }

        return new ReadResult.Failed(AwsOutcomes.FailureOf(code, message, status, "GetSecretValue", retryAfter));
    }

    /// <summary>The staging label a version string names, or <see langword="null"/> when it is a <c>VersionId</c>.</summary>
    internal static string? StageOf(string? version) => version switch
    {
        null => null,
        "AWSCURRENT" or "AWSPREVIOUS" or "AWSPENDING" => version,
        _ when version.StartsWith("stage:", StringComparison.Ordinal) && version.Length > 6 => version[6..],
        _ => null,
    };

    // ---- version checks -----------------------------------------------------------------------------------------

    /// <summary>One paged <c>ListSecrets</c> listing, answered per requested path that it shows.</summary>
    private async ValueTask<(Dictionary<string, VersionResult>? Listed, ProviderFailure? Failure)> ListAsync(List<string> paths, CancellationToken cancellationToken)
    {
        var wanted = new HashSet<string>(paths, StringComparer.Ordinal);
        var listed = new Dictionary<string, VersionResult>(StringComparer.Ordinal);
        var prefixes = NamePrefixes(paths);
        string? nextToken = null;
        for (var page = 0; page < MaxListPages; page++)
        {
            var body = JsonValues.Body(w =>
            {
                w.WriteNumber("MaxResults", ListPageSize);
                // Secrets scheduled for deletion must show: their DeletedDate is the evidence of absence.
                w.WriteBoolean("IncludePlannedDeletion", true);
                if (prefixes is not null)
                {
                    w.WriteStartArray("Filters");
                    w.WriteStartObject();
                    w.WriteString("Key", "name");
                    w.WriteStartArray("Values");
                    foreach (var prefix in prefixes)
                    {
                        w.WriteStringValue(prefix);
                    }

                    w.WriteEndArray();
                    w.WriteEndObject();
                    w.WriteEndArray();
                }

                if (nextToken is not null)
                {
                    w.WriteString("NextToken", nextToken);
                }
            });
            var call = await _transport.SendAsync("ListSecrets", body, cancellationToken).ConfigureAwait(false);
            if (call.Failure is { } failure)
            {
                return (null, failure);
            }

            var reply = call.Reply!.Value;
            if (!reply.IsSuccess)
            {
                return (null, AwsOutcomes.FailureOf(reply, "ListSecrets"));
            }

            using var doc = JsonValues.TryParse(reply.Body);
            if (doc is null || AwsJson.Array(doc.RootElement, "SecretList") is not { } list)
            {
                return (null, new ProviderFailure(FailureKind.InvalidResponse, "Secrets Manager's ListSecrets answer lacks SecretList."));
            }

            foreach (var entry in list.EnumerateArray())
            {
                var state = Classify(entry, "SecretVersionsToStages");
                foreach (var id in new[] { JsonValues.String(entry, "Name"), JsonValues.String(entry, "ARN") })
                {
                    if (id is not null && wanted.Contains(id) && state.State != SecretState.Failed)
                    {
                        listed[id] = state.ToVersionResult(id);
                    }
                }
            }

            nextToken = JsonValues.String(doc.RootElement, "NextToken");
            if (string.IsNullOrEmpty(nextToken) || listed.Count == wanted.Count)
            {
                return (listed, null);
            }
        }

        return (listed, null);
    }

    /// <summary>The <c>name</c> filter values (prefix matches, at most 10) that cover every path, or <see langword="null"/> to list everything.</summary>
    internal static IReadOnlyList<string>? NamePrefixes(IReadOnlyCollection<string> paths)
    {
        if (paths.Count == 0 || paths.Any(p => p.StartsWith("arn:", StringComparison.Ordinal) || p.StartsWith('!') || p.Length > 512))
        {
            return null;
        }

        if (paths.Count <= MaxNameFilterValues)
        {
            return [.. paths];
        }

        // Paths usually share a few folders ("payments/", "shared/"): one prefix per first segment.
        var folders = paths.Select(p => p.IndexOf('/', StringComparison.Ordinal) is var slash and > 0 ? p[..(slash + 1)] : p)
            .Distinct(StringComparer.Ordinal).ToList();
        return folders.Count <= MaxNameFilterValues ? folders : null;
    }

    private async ValueTask<Described> DescribeAsync(string path, CancellationToken cancellationToken)
    {
        var call = await _transport.SendAsync("DescribeSecret", JsonValues.Body(w => w.WriteString("SecretId", path)), cancellationToken).ConfigureAwait(false);
        if (call.Failure is { } failure)
        {
            return Described.Fail(failure);
        }

        var reply = call.Reply!.Value;
        if (!reply.IsSuccess)
        {
            return reply.ErrorCode == "ResourceNotFoundException"
                ? new Described(SecretState.Missing, null, null, null, null)
                : Described.Fail(AwsOutcomes.FailureOf(reply, "DescribeSecret"));
        }

        using var doc = JsonValues.TryParse(reply.Body);
        return doc is null
            ? Described.Fail(new ProviderFailure(FailureKind.InvalidResponse, "Secrets Manager's DescribeSecret answer is not JSON."))
            : Classify(doc.RootElement, "VersionIdsToStages");
    }

    private static Described Classify(JsonElement entry, string versionMap)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            return Described.Fail(new ProviderFailure(FailureKind.InvalidResponse, "Secrets Manager listed a secret that is not a JSON object."));
        }

        if (AwsJson.Time(entry, "DeletedDate") is { } deleted)
        {
            return new Described(SecretState.Deleted, null, null, deleted, null);
        }

        if (!AwsJson.IsStageMap(entry, versionMap))
        {
            return Described.Fail(new ProviderFailure(FailureKind.InvalidResponse, $"Secrets Manager described a secret whose {versionMap} is not a map of stage lists."));
        }

        if (AwsJson.CurrentVersion(entry, versionMap) is not { } current)
        {
            // The first version of a secret gets AWSCURRENT; versions without it are only a first rotation still pending.
            return AwsJson.HasVersionsWithout(entry, versionMap, "AWSPENDING")
                ? Described.Fail(new ProviderFailure(FailureKind.InvalidResponse, "Secrets Manager described a secret whose versions carry neither AWSCURRENT nor AWSPENDING."))
                : new Described(SecretState.NoCurrent, null, null, null, null);
        }

        // A listing has no per-version dates; LastChangedDate is when the secret last changed, i.e. when that version arrived.
        var changed = AwsJson.Time(entry, "LastChangedDate") ?? AwsJson.Time(entry, "CreatedDate") ?? DateTimeOffset.UnixEpoch;
        return new Described(SecretState.Current, current, changed, null, null);
    }

    // ---- writes ----------------------------------------------------------------------------------------------

    /// <remarks>
    /// Secrets Manager has no conditional put, so the check is <c>DescribeSecret</c> (the <c>AWSCURRENT</c> version
    /// must equal <paramref name="expectedVersion"/>) followed by <c>PutSecretValue</c>; a writer racing in between
    /// is not detected. A <see langword="null"/> expected version creates the secret with <c>CreateSecret</c>, which
    /// AWS itself refuses when the name exists. The values are written as one JSON object <c>SecretString</c>; the
    /// <c>ClientRequestToken</c> (the new <c>VersionId</c>) makes retries of the same call no-ops.
    /// </remarks>
    protected override async ValueTask<WriteResult> WriteCoreAsync(string path, IReadOnlyDictionary<string, string> values, string? expectedVersion, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return new WriteResult.Failed(new ProviderFailure(FailureKind.Rejected, "An AWS secret id (name or ARN) must not be empty."));
        }

        var described = await DescribeAsync(path, cancellationToken).ConfigureAwait(false);
        switch (described.State)
        {
            case SecretState.Failed:
                return new WriteResult.Failed(described.Failure!);
            case SecretState.Deleted:
                return new WriteResult.Failed(new ProviderFailure(FailureKind.Rejected,
                    $"secret {path} is scheduled for deletion; restore it (aws secretsmanager restore-secret) before writing."));
            case SecretState.Missing when expectedVersion is null:
                return await PutAsync("CreateSecret", "Name", path, values, cancellationToken).ConfigureAwait(false);
            case SecretState.NoCurrent when expectedVersion is null:
                return await PutAsync("PutSecretValue", "SecretId", path, values, cancellationToken).ConfigureAwait(false);
            case SecretState.Current when expectedVersion is not null && expectedVersion == described.Version:
                return await PutAsync("PutSecretValue", "SecretId", path, values, cancellationToken).ConfigureAwait(false);
            default:
                return new WriteResult.VersionMismatch(described.Version);
        }
    }

    private async ValueTask<WriteResult> PutAsync(string operation, string idMember, string path, IReadOnlyDictionary<string, string> values, CancellationToken cancellationToken)
    {
        var secretString = JsonSerializer.Serialize(values);
        var body = JsonValues.Body(w =>
        {
            w.WriteString(idMember, path);
            // The token becomes the VersionId and makes a retried call a no-op (§3 PutSecretValue).
            w.WriteString("ClientRequestToken", Guid.NewGuid().ToString());
            w.WriteString("SecretString", secretString);
        });
        secretString = null;
        ProviderCall<AwsReply> call;
        try
        {
            call = await _transport.SendAsync(operation, body, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Array.Clear(body);
        }

        if (call.Failure is { } failure)
        {
            return new WriteResult.Failed(failure);
        }

        var reply = call.Reply!.Value;
        if (!reply.IsSuccess)
        {
            if (reply.ErrorCode == "ResourceExistsException" && operation == "CreateSecret")
            {
                // Someone created it between our check and our create.
                var now = await DescribeAsync(path, cancellationToken).ConfigureAwait(false);
                return new WriteResult.VersionMismatch(now.Version);
            }

            return new WriteResult.Failed(AwsOutcomes.FailureOf(reply, operation));
        }

        using var doc = JsonValues.TryParse(reply.Body);
        return doc is not null && JsonValues.String(doc.RootElement, "VersionId") is { Length: > 0 } versionId
            ? new WriteResult.Written(new SourceVersion(versionId, _time.GetUtcNow()))
            : new WriteResult.Failed(new ProviderFailure(FailureKind.InvalidResponse, $"Secrets Manager accepted {operation} but its answer lacks VersionId."));
    }

    /// <summary>Zeroes a response buffer that held secret values when the parse that reads it in place is done.</summary>
    private readonly struct Wipe(byte[] buffer) : IDisposable
    {
        public void Dispose() => Array.Clear(buffer);
    }

    private sealed record PendingRead(string Path, TaskCompletionSource<ReadResult> Completion);

    /// <summary>What DescribeSecret (or a listing entry) says about one secret.</summary>
    private sealed record Described(SecretState State, string? Version, DateTimeOffset? Changed, DateTimeOffset? DeletedDate, ProviderFailure? Failure)
    {
        public static Described Fail(ProviderFailure failure) => new(SecretState.Failed, null, null, null, failure);

        public Absence? ToAbsence(string path) => State switch
        {
            SecretState.Missing => new Absence(AbsenceKind.NotFound, $"no secret {path}"),
            SecretState.Deleted => new Absence(AbsenceKind.ScheduledForDeletion, $"secret {path} is scheduled for deletion (DeletedDate {DeletedDate:u})"),
            SecretState.NoCurrent => new Absence(AbsenceKind.NotFound, $"secret {path} has no AWSCURRENT version"),
            _ => null,
        };

        public VersionResult ToVersionResult(string path) => State switch
        {
            SecretState.Current => new VersionResult.Current(new SourceVersion(Version!, Changed ?? DateTimeOffset.UnixEpoch)),
            SecretState.Failed => new VersionResult.Failed(Failure!),
            _ => new VersionResult.Absent(ToAbsence(path)!),
        };
    }
}
