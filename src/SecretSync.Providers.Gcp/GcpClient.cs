using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using SecretSync.Core.Providers;
using SecretSync.Providers.Common;

namespace SecretSync.Providers.Gcp;

/// <summary>A connected Secret Manager client: reads, version checks and (best-effort check-and-set) writes.</summary>
/// <remarks>
/// <para>Reads access a version (<c>latest</c> or a number) and verify the payload's CRC32C. A version check lists a
/// secret's versions newest first (one call per distinct source; more pages only while the newest versions are not
/// ENABLED). <c>versions/latest</c> is the newest version whatever its state, so the newest version decides:
/// ENABLED is current, DISABLED or DESTROYED is absent with the newest ENABLED version as the fall-back.</para>
/// <para>Absence is reported only on Google's evidence: a 404 in Google's error shape with <c>NOT_FOUND</c>, or a
/// version whose listed state is DISABLED or DESTROYED. A 403 (which Google may also send for a secret that does not
/// exist), a 5xx or any transport failure never becomes absence.</para>
/// </remarks>
internal sealed class GcpClient : ProviderClient
{
    /// <summary>How many version lists a version check runs at once.</summary>
    public const int VersionCheckParallelism = 4;

    private const int MaxCachedCreateTimes = 50_000;

    private readonly GcpOptions _options;
    private readonly ILogger _logger;
    private readonly GcpTransport _transport;

    // Creation times are immutable, and access answers do not carry them: remembering them from version lists
    // keeps a read after a version check to one call.
    private readonly ConcurrentDictionary<(string Secret, long Version), DateTimeOffset> _createTimes = new();

    public GcpClient(string provider, GcpOptions options, IGcpTokenSource tokens, TimeProvider time, ILoggerFactory loggerFactory, ProviderMetrics metrics)
        : base(provider, metrics, recordCalls: true)
    {
        _options = options;
        _logger = loggerFactory.CreateLogger<GcpClient>();
        _transport = new GcpTransport(provider, options, tokens, time, _logger);
    }

    protected override async ValueTask<IReadOnlyDictionary<string, VersionResult>> CheckVersionsCoreAsync(
        IReadOnlyCollection<string> paths, CancellationToken cancellationToken)
    {
        var results = new ConcurrentDictionary<string, VersionResult>(StringComparer.Ordinal);
        var options = new ParallelOptions { MaxDegreeOfParallelism = VersionCheckParallelism, CancellationToken = cancellationToken };

        // Paths naming the same secret (payments/db and payments-db) share one list call.
        var bySecret = new Dictionary<SecretName, List<string>>();
        foreach (var path in paths.Distinct(StringComparer.Ordinal))
        {
            if (GcpNames.TryResolve(path, _options.Project, out var name, out var problem))
            {
                (bySecret.TryGetValue(name.Value, out var list) ? list : bySecret[name.Value] = []).Add(path);
            }
            else
            {
                results[path] = new VersionResult.Failed(new ProviderFailure(FailureKind.Rejected, problem));
            }
        }

        await Parallel.ForEachAsync(bySecret, options, async (entry, ct) =>
        {
            var result = await CheckVersionAsync(entry.Key, ct).ConfigureAwait(false);
            RecordVersionCheck(entry.Key.Resource, result);
            foreach (var path in entry.Value)
            {
                results[path] = result;
            }
        }).ConfigureAwait(false);
        return new Dictionary<string, VersionResult>(results, StringComparer.Ordinal);
    }

    protected override void LogFailure(string operation, string source, ProviderFailure failure) =>
        GcpLog.CallFailed(_logger, Provider, operation, source, failure.ToString());

    protected override void Release() => _transport.Dispose();

    protected override async ValueTask<ReadResult> ReadCoreAsync(string path, string? version, CancellationToken cancellationToken)
    {
        if (!GcpNames.TryResolve(path, _options.Project, out var resolved, out var problem))
        {
            return new ReadResult.Failed(new ProviderFailure(FailureKind.Rejected, problem));
        }

        var name = resolved.Value;
        long? requested = null;
        if (version is not null)
        {
            if (!long.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) || parsed <= 0)
            {
                return new ReadResult.Failed(new ProviderFailure(FailureKind.Rejected, $"Secret Manager version ids are positive integers; '{version}' is not."));
            }

            requested = parsed;
        }

        // GET projects/{p}/secrets/{s}/versions/{v}:access (§1); latest = the newest version whatever its state.
        var label = requested?.ToString(CultureInfo.InvariantCulture) ?? "latest";
        var call = await _transport.SendAsync(HttpMethod.Get, $"{name.Resource}/versions/{label}:access", null, idempotent: true, cancellationToken).ConfigureAwait(false);
        if (call.Failure is { } failure)
        {
            return new ReadResult.Failed(failure);
        }

        var reply = call.Reply!.Value;
        if (reply.Status == 200)
        {
            return await ParseAccessAsync(name, reply, cancellationToken).ConfigureAwait(false);
        }

        if (GcpOutcomes.IsNotFound(reply))
        {
            if (requested is null)
            {
                // "Secret [..] not found or has no versions." (§3): nothing to read at all.
                return new ReadResult.Absent(new Absence(AbsenceKind.NotFound, $"no secret {name} or it has no versions"));
            }

            return await AbsentVersionAsync(name, requested, AbsenceKind.NotFound, $"version {requested} of {name} does not exist", cancellationToken).ConfigureAwait(false);
        }

        if (GcpOutcomes.IsFailedPrecondition(reply))
        {
            // DISABLED or DESTROYED (§3). The message says which, but the listed state is the structured evidence.
            return await AbsentVersionAsync(name, requested, null, null, cancellationToken).ConfigureAwait(false);
        }

        return new ReadResult.Failed(GcpOutcomes.FailureOf(reply, "access"));
    }

    private async ValueTask<ReadResult> ParseAccessAsync(SecretName name, ProviderReply reply, CancellationToken cancellationToken)
    {
        byte[] data;
        long number;
        using (var doc = JsonValues.TryParse(reply.Body))
        {
            if (doc is null || doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return Invalid("Secret Manager's access answer is not JSON.");
            }

            if (GcpNames.VersionNumberOf(JsonValues.String(doc.RootElement, "name")) is not { } n)
            {
                return Invalid("Secret Manager's access answer lacks the version name.");
            }

            number = n;
            if (!doc.RootElement.TryGetProperty("payload", out var payload) || payload.ValueKind != JsonValueKind.Object)
            {
                return Invalid("Secret Manager's access answer lacks a payload.");
            }

            // proto3 JSON omits empty bytes: no "data" is an empty payload.
            data = [];
            if (payload.TryGetProperty("data", out var encoded))
            {
                if (encoded.ValueKind != JsonValueKind.String || !encoded.TryGetBytesFromBase64(out var decoded))
                {
                    return Invalid("Secret Manager's access answer has a payload that is not base64.");
                }

                data = decoded;
            }

            if (payload.TryGetProperty("dataCrc32c", out _))
            {
                if (JsonValues.Integer(payload, "dataCrc32c", NumberStyles.AllowLeadingSign) is not { } expected || expected is < 0 or > uint.MaxValue || Crc32C.Compute(data) != (uint)expected)
                {
                    Array.Clear(data);
                    GcpLog.ChecksumMismatch(_logger, Provider, name.Resource, number.ToString(CultureInfo.InvariantCulture));
                    return Invalid($"The payload of {name} version {number} does not match its dataCrc32c; it was corrupted in transit and is discarded.");
                }
            }
        }

        var created = await CreateTimeAsync(name, number, cancellationToken).ConfigureAwait(false);
        if (created.Failure is { } failure)
        {
            Array.Clear(data);
            return new ReadResult.Failed(failure);
        }

        var version = new SourceVersion(number.ToString(CultureInfo.InvariantCulture), created.Time);
        return new ReadResult.Found(new SecretPayload(version, Split(data)));

        static ReadResult Invalid(string message) => new ReadResult.Failed(new ProviderFailure(FailureKind.InvalidResponse, message));
    }

    private IReadOnlyDictionary<string, byte[]> Split(byte[] data)
    {
        if (_options.PayloadFormat == GcpPayloadFormat.Auto && GcpJson.SplitObject(data) is { } keys)
        {
            Array.Clear(data);
            return keys;
        }

        return new Dictionary<string, byte[]>(StringComparer.Ordinal) { [_options.ValueKey] = data };
    }

    /// <summary>A version's creation time: remembered from a list, or one <c>versions.get</c>.</summary>
    private async ValueTask<(DateTimeOffset Time, ProviderFailure? Failure)> CreateTimeAsync(SecretName name, long number, CancellationToken cancellationToken)
    {
        if (_createTimes.TryGetValue((name.Resource, number), out var known))
        {
            return (known, null);
        }

        var call = await _transport.SendAsync(HttpMethod.Get, $"{name.Resource}/versions/{number.ToString(CultureInfo.InvariantCulture)}", null, idempotent: true, cancellationToken)
            .ConfigureAwait(false);
        if (call.Failure is { } failure)
        {
            return (default, failure with { Message = $"the version's creation time is unavailable: {failure.Message}" });
        }

        var reply = call.Reply!.Value;
        if (reply.Status != 200)
        {
            return (default, GcpOutcomes.FailureOf(reply, "version lookup"));
        }

        using var doc = JsonValues.TryParse(reply.Body);
        if (doc is null || GcpJson.Version(doc.RootElement) is not { CreateTime: { } created })
        {
            return (default, new ProviderFailure(FailureKind.InvalidResponse, "Secret Manager's version answer lacks name or createTime."));
        }

        Remember(name, number, created);
        return (created, null);
    }

    /// <summary>After an access refused a version (NOT_FOUND or FAILED_PRECONDITION): which state it is in, and the newest live version.</summary>
    private async ValueTask<ReadResult> AbsentVersionAsync(SecretName name, long? requested, AbsenceKind? knownKind, string? knownDetail, CancellationToken cancellationToken)
    {
        var scan = await ScanAsync(name, requested, cancellationToken).ConfigureAwait(false);
        if (scan.Failure is { } failure)
        {
            return new ReadResult.Failed(failure with { Message = $"the version list needed to judge {name} is unavailable: {failure.Message}" });
        }

        if (scan.SecretMissing)
        {
            return new ReadResult.Absent(new Absence(AbsenceKind.NotFound, $"no secret {name}"));
        }

        var target = requested is { } n ? scan.Wanted : scan.Newest;
        var label = requested is { } r ? $"version {r}" : target is null ? "the newest version" : $"newest version {target.Number}";
        var (kind, detail) = knownKind is { } k
            ? (k, knownDetail!)
            : target?.State switch
            {
                VersionState.Disabled => (AbsenceKind.Disabled, $"{label} of {name} is DISABLED"),
                VersionState.Destroyed => (AbsenceKind.Destroyed, $"{label} of {name} is DESTROYED"),
                null when requested is null => (AbsenceKind.NotFound, $"{name} has no versions"),
                _ => ((AbsenceKind?)null, ""),
            };
        if (kind is not { } absence)
        {
            // Access said FAILED_PRECONDITION yet the list shows the version ENABLED: it changed in between; retry.
            return new ReadResult.Failed(new ProviderFailure(FailureKind.Unavailable, $"{label} of {name} changed state while being read; retrying."));
        }

        var live = scan.NewestEnabled?.Id;
        return new ReadResult.Absent(new Absence(absence, live is null ? detail : $"{detail}; newest enabled version is {live}", live));
    }

    /// <summary>GET …/versions, newest first: the newest version's state decides (§1 <c>latest</c> semantics).</summary>
    private async ValueTask<VersionResult> CheckVersionAsync(SecretName name, CancellationToken cancellationToken)
    {
        var scan = await ScanAsync(name, null, cancellationToken).ConfigureAwait(false);
        if (scan.Failure is { } failure)
        {
            return new VersionResult.Failed(failure);
        }

        if (scan.SecretMissing)
        {
            return new VersionResult.Absent(new Absence(AbsenceKind.NotFound, $"no secret {name}"));
        }

        if (scan.Newest is not { } newest)
        {
            return new VersionResult.Absent(new Absence(AbsenceKind.NotFound, $"{name} has no versions"));
        }

        if (newest.State == VersionState.Enabled)
        {
            return newest.CreateTime is { } created
                ? new VersionResult.Current(new SourceVersion(newest.Id, created))
                : new VersionResult.Failed(new ProviderFailure(FailureKind.InvalidResponse, $"Secret Manager listed version {newest.Id} of {name} without createTime."));
        }

        var kind = newest.State switch
        {
            VersionState.Disabled => AbsenceKind.Disabled,
            VersionState.Destroyed => AbsenceKind.Destroyed,
            _ => (AbsenceKind?)null,
        };
        if (kind is null)
        {
            return new VersionResult.Failed(new ProviderFailure(FailureKind.InvalidResponse, $"Secret Manager listed version {newest.Id} of {name} without a known state."));
        }

        var live = scan.NewestEnabled?.Id;
        var detail = $"newest version {newest.Id} of {name} is {newest.State.ToString().ToUpperInvariant()}";
        return new VersionResult.Absent(new Absence(kind.Value, live is null ? detail : $"{detail}; newest enabled version is {live}", live));
    }

    /// <summary>What a newest-first walk over a secret's versions found.</summary>
    private sealed record VersionScan(bool SecretMissing, VersionInfo? Newest, VersionInfo? NewestEnabled, VersionInfo? Wanted, ProviderFailure? Failure);

    /// <summary>Lists versions newest first, page by page, until the newest ENABLED version (and <paramref name="wanted"/>, if any) is seen.</summary>
    private async ValueTask<VersionScan> ScanAsync(SecretName name, long? wanted, CancellationToken cancellationToken)
    {
        VersionInfo? newest = null;
        VersionInfo? enabled = null;
        VersionInfo? found = null;
        string? pageToken = null;
        var pageSize = _options.VersionPageSize.ToString(CultureInfo.InvariantCulture);
        do
        {
            var query = $"{name.Resource}/versions?pageSize={pageSize}" + (pageToken is null ? "" : $"&pageToken={Uri.EscapeDataString(pageToken)}");
            var call = await _transport.SendAsync(HttpMethod.Get, query, null, idempotent: true, cancellationToken).ConfigureAwait(false);
            if (call.Failure is { } failure)
            {
                return new VersionScan(false, null, null, null, failure);
            }

            var reply = call.Reply!.Value;
            if (reply.Status != 200)
            {
                return GcpOutcomes.IsNotFound(reply)
                    ? new VersionScan(true, null, null, null, null)
                    : new VersionScan(false, null, null, null, GcpOutcomes.FailureOf(reply, "version list"));
            }

            if (GcpJson.VersionPage(reply.Body) is not { } page)
            {
                return new VersionScan(false, null, null, null, new ProviderFailure(FailureKind.InvalidResponse, "Secret Manager's version list is not the documented JSON."));
            }

            // Newest first (§1); sorting the page guards against a server that orders otherwise within it.
            foreach (var version in page.Versions.OrderByDescending(v => v.Number))
            {
                if (version.CreateTime is { } created)
                {
                    Remember(name, version.Number, created);
                }

                newest ??= version;
                if (enabled is null && version.State == VersionState.Enabled)
                {
                    enabled = version;
                }

                if (version.Number == wanted)
                {
                    found = version;
                }
            }

            var done = enabled is not null && (wanted is null || found is not null || page.Versions.Any(v => v.Number < wanted));
            pageToken = done ? null : page.NextPageToken;
        }
        while (pageToken is not null);

        return new VersionScan(false, newest, enabled, found, null);
    }

    /// <summary>Adds a version after checking the newest one (§1 addVersion). Not atomic: Secret Manager has no conditional add.</summary>
    protected override async ValueTask<WriteResult> WriteCoreAsync(
        string path, IReadOnlyDictionary<string, string> values, string? expectedVersion, CancellationToken cancellationToken)
    {
        if (!GcpNames.TryResolve(path, _options.Project, out var resolved, out var problem))
        {
            return new WriteResult.Failed(new ProviderFailure(FailureKind.Rejected, problem));
        }

        var name = resolved.Value;
        if (!TryEncode(values, out var payload, out var encodeProblem))
        {
            return new WriteResult.Failed(new ProviderFailure(FailureKind.Rejected, encodeProblem));
        }

        try
        {
            var scan = await ScanAsync(name, null, cancellationToken).ConfigureAwait(false);
            if (scan.Failure is { } failure)
            {
                return new WriteResult.Failed(failure);
            }

            var current = scan.Newest?.Id;
            if (!string.Equals(current, expectedVersion, StringComparison.Ordinal))
            {
                return new WriteResult.VersionMismatch(current);
            }

            if (scan.SecretMissing)
            {
                var created = await _transport.SendAsync(HttpMethod.Post, $"projects/{name.Project}/secrets?secretId={Uri.EscapeDataString(name.SecretId)}",
                    GcpJson.CreateSecretBody(), idempotent: false, cancellationToken).ConfigureAwait(false);
                if (created.Failure is { } createFailure)
                {
                    return new WriteResult.Failed(createFailure);
                }

                if (created.Reply is { Status: 409 })
                {
                    // Someone created it since the check: the source moved on.
                    return new WriteResult.VersionMismatch(null);
                }

                if (created.Reply is { Status: not 200 } refused)
                {
                    return new WriteResult.Failed(GcpOutcomes.FailureOf(refused, "secret creation"));
                }
            }

            var body = GcpJson.AddVersionBody(payload);
            ProviderCall<ProviderReply> call;
            try
            {
                call = await _transport.SendAsync(HttpMethod.Post, $"{name.Resource}:addVersion", body, idempotent: false, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                Array.Clear(body);
            }

            if (call.Failure is { } addFailure)
            {
                return new WriteResult.Failed(addFailure);
            }

            var reply = call.Reply!.Value;
            if (reply.Status != 200)
            {
                return new WriteResult.Failed(GcpOutcomes.FailureOf(reply, "addVersion"));
            }

            using var doc = JsonValues.TryParse(reply.Body);
            if (doc is null || GcpJson.Version(doc.RootElement) is not { CreateTime: { } createTime } version)
            {
                return new WriteResult.Failed(new ProviderFailure(FailureKind.InvalidResponse,
                    "Secret Manager accepted the new version but its answer lacks name/createTime; the new version is unknown."));
            }

            Remember(name, version.Number, createTime);
            return new WriteResult.Written(new SourceVersion(version.Id, createTime));
        }
        finally
        {
            Array.Clear(payload);
        }
    }

    /// <summary>One value under the value key is written as raw bytes (so other readers see plain text); several become a JSON object.</summary>
    private bool TryEncode(IReadOnlyDictionary<string, string> values, out byte[] payload, out string problem)
    {
        problem = "";
        if (values.Count == 1 && values.TryGetValue(_options.ValueKey, out var single))
        {
            payload = System.Text.Encoding.UTF8.GetBytes(single);
        }
        else if (_options.PayloadFormat == GcpPayloadFormat.Raw)
        {
            payload = [];
            problem = $"payloadFormat raw holds one value: write only the key '{_options.ValueKey}'.";
            return false;
        }
        else
        {
            payload = GcpJson.ObjectOf(values);
        }

        if (payload.Length > 64 * 1024)
        {
            Array.Clear(payload);
            problem = $"The new payload is {payload.Length} bytes; Secret Manager holds at most 64 KiB per version.";
            return false;
        }

        return true;
    }

    private void Remember(SecretName name, long number, DateTimeOffset created)
    {
        if (_createTimes.Count >= MaxCachedCreateTimes)
        {
            _createTimes.Clear();
        }

        _createTimes[(name.Resource, number)] = created;
    }
}
