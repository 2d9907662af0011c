using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using SecretSync.Core.Providers;
using SecretSync.Providers.Common;

namespace SecretSync.Providers.Vault;

/// <summary>A connected Vault KV version 2 client: reads, version checks, event watching and check-and-set writes.</summary>
/// <remarks>
/// Every authority-side condition becomes a typed result. Absence is reported only on Vault's documented
/// evidence: a 404 whose body carries the version's metadata with a deletion time or <c>destroyed</c>, or a 404
/// with an empty <c>errors</c> array (vault.md §2). A 403, a 503 or any transport failure never becomes absence.
/// </remarks>
internal sealed class VaultClient : ProviderClient, ISourceWatcher
{
    /// <summary>How many metadata requests a version check runs at once.</summary>
    public const int VersionCheckParallelism = 4;

    private readonly VaultOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly VaultTransport _transport;
    private readonly VaultCredentials _session;
    private readonly VaultEventStream _events;
    private readonly CancellationTokenSource _lifetime = new();

    public VaultClient(string provider, VaultOptions options, TimeProvider time, ILoggerFactory loggerFactory, ProviderMetrics metrics, Func<string, string?> environment)
        : base(provider, metrics, recordCalls: true)
    {
        _options = options;
        _time = time;
        _logger = loggerFactory.CreateLogger<VaultClient>();
        _transport = new VaultTransport(provider, options, time, _logger);
        _session = new VaultCredentials(provider, options, _transport, time, loggerFactory.CreateLogger<VaultCredentials>(), metrics, environment);
        _events = new VaultEventStream(provider, options, _transport, _session, time, loggerFactory.CreateLogger<VaultEventStream>(), metrics);
    }

    /// <summary>The token session, for tests.</summary>
    internal VaultCredentials Session => _session;

    protected override async ValueTask<IReadOnlyDictionary<string, VersionResult>> CheckVersionsCoreAsync(
        IReadOnlyCollection<string> paths, CancellationToken cancellationToken)
    {
        var results = new ConcurrentDictionary<string, VersionResult>(StringComparer.Ordinal);
        var options = new ParallelOptions { MaxDegreeOfParallelism = VersionCheckParallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(paths.Distinct(StringComparer.Ordinal), options, async (path, ct) =>
        {
            var result = await CheckVersionAsync(path, ct).ConfigureAwait(false);
            RecordVersionCheck(path, result);
            results[path] = result;
        }).ConfigureAwait(false);
        return new Dictionary<string, VersionResult>(results, StringComparer.Ordinal);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<SourceEvent> WatchAsync(CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        return _events.WatchAsync(cancellationToken, _lifetime.Token);
    }

    protected override void LogFailure(string operation, string source, ProviderFailure failure) =>
        VaultLog.CallFailed(_logger, Provider, operation, source, failure.ToString());

    protected override void Release()
    {
        // Open watches end with cancellation before the handler they use goes away.
        _lifetime.Cancel();
        _session.Dispose();
        _transport.Dispose();
    }

    protected override async ValueTask<ReadResult> ReadCoreAsync(string path, string? version, CancellationToken cancellationToken)
    {
        if (!VaultPaths.TryEscape(path, out var escaped, out var problem))
        {
            return new ReadResult.Failed(new ProviderFailure(FailureKind.Rejected, problem));
        }

        long? number = null;
        if (version is not null)
        {
            if (!long.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) || parsed <= 0)
            {
                return new ReadResult.Failed(new ProviderFailure(FailureKind.Rejected, $"Vault version ids are positive integers; '{version}' is not."));
            }

            number = parsed;
        }

        // GET {mount}/data/{path}[?version=N] (vault.md §2).
        var relative = $"{_options.Mount}/data/{escaped}" + (number is { } n ? $"?version={n.ToString(CultureInfo.InvariantCulture)}" : "");
        var call = await CallAsync(HttpMethod.Get, relative, null, idempotent: true, cancellationToken).ConfigureAwait(false);
        if (call.Failure is { } failure)
        {
            return new ReadResult.Failed(failure);
        }

        var reply = call.Reply!.Value;
        return reply.Status switch
        {
            200 => ParseFound(reply),
            404 => await ParseReadNotFoundAsync(path, escaped, number, reply, cancellationToken).ConfigureAwait(false),
            _ => new ReadResult.Failed(VaultOutcomes.FailureOf(reply, "read")),
        };
    }

    private static ReadResult ParseFound(ProviderReply reply)
    {
        using var doc = JsonValues.TryParse(reply.Body);
        if (doc is null)
        {
            return Invalid("Vault's read answer is not JSON.");
        }

        if (VaultJson.Data(doc.RootElement) is not { } envelope ||
            VaultJson.Object(envelope, "data") is not { } data ||
            VaultJson.Object(envelope, "metadata") is not { } metadata)
        {
            return Invalid("Vault's read answer lacks data.data or data.metadata (is the mount KV version 2?).");
        }

        if (JsonValues.Integer(metadata, "version") is not { } version || version <= 0)
        {
            return Invalid("Vault's read answer lacks data.metadata.version.");
        }

        if (JsonValues.Time(JsonValues.String(metadata, "created_time")) is not { } created)
        {
            return Invalid("Vault's read answer lacks a valid data.metadata.created_time.");
        }

        var sourceVersion = new SourceVersion(version.ToString(CultureInfo.InvariantCulture), created);
        return new ReadResult.Found(new SecretPayload(sourceVersion, JsonValues.ObjectValues(data)));

        static ReadResult Invalid(string message) => new ReadResult.Failed(new ProviderFailure(FailureKind.InvalidResponse, message));
    }

    /// <summary>Tells "deleted/destroyed" (404 with metadata) from "never existed" (404, empty errors) from anything else (§2).</summary>
    private async ValueTask<ReadResult> ParseReadNotFoundAsync(string path, string escaped, long? requested, ProviderReply reply, CancellationToken cancellationToken)
    {
        AbsenceKind kind;
        string detail;
        using (var doc = JsonValues.TryParse(reply.Body))
        {
            if (doc is null)
            {
                return new ReadResult.Failed(new ProviderFailure(FailureKind.InvalidResponse, "Vault answered 404 without a JSON body; not taken as evidence of absence."));
            }

            if (VaultJson.Data(doc.RootElement) is { } envelope && VaultJson.Object(envelope, "metadata") is { } metadata)
            {
                var version = JsonValues.Integer(metadata, "version");
                var label = version is { } v ? $"version {v}" : "the version";
                if (VaultJson.Boolean(metadata, "destroyed") == true)
                {
                    kind = AbsenceKind.Destroyed;
                    detail = $"{label} of {_options.Mount}/{path} is destroyed";
                }
                else if (!string.IsNullOrEmpty(JsonValues.String(metadata, "deletion_time")))
                {
                    kind = AbsenceKind.Deleted;
                    detail = $"{label} of {_options.Mount}/{path} is deleted";
                }
                else
                {
                    return new ReadResult.Failed(new ProviderFailure(FailureKind.InvalidResponse,
                        "Vault answered 404 with version metadata that is neither deleted nor destroyed."));
                }
            }
            else if (VaultJson.Errors(doc.RootElement) is { Count: 0 })
            {
                if (requested is null)
                {
                    return new ReadResult.Absent(new Absence(AbsenceKind.NotFound, $"no secret at {_options.Mount}/{path}"));
                }

                kind = AbsenceKind.NotFound;
                detail = $"version {requested} of {_options.Mount}/{path} does not exist";
            }
            else if (VaultJson.Errors(doc.RootElement) is { Count: > 0 })
            {
                // e.g. "no handler for route": a wrong mount, not a missing secret.
                return new ReadResult.Failed(VaultOutcomes.FailureOf(reply, "read"));
            }
            else
            {
                return new ReadResult.Failed(new ProviderFailure(FailureKind.InvalidResponse, "Vault answered 404 with an unknown body; not taken as evidence of absence."));
            }
        }

        // Only this version is known gone; the metadata says whether an older one is still live.
        var newest = await NewestLiveVersionAsync(escaped, cancellationToken).ConfigureAwait(false);
        return newest.Failure is { } failure
            ? new ReadResult.Failed(failure with { Message = $"{detail}, but the metadata needed to find a live version is unavailable: {failure.Message}" })
            : new ReadResult.Absent(new Absence(kind, newest.Version is { } live ? $"{detail}; newest live version is {live}" : detail, newest.Version));
    }

    private async ValueTask<(string? Version, ProviderFailure? Failure)> NewestLiveVersionAsync(string escaped, CancellationToken cancellationToken)
    {
        var call = await CallAsync(HttpMethod.Get, $"{_options.Mount}/metadata/{escaped}", null, idempotent: true, cancellationToken).ConfigureAwait(false);
        var result = call.Failure is { } f ? (null, f) : ParseNewestLive(call.Reply!.Value);
        Metrics.Record(Provider, "metadata", result.Item2 is { } failure ? ProviderMetrics.ResultOf(failure) : "ok");
        return result;
    }

    private (string? Version, ProviderFailure? Failure) ParseNewestLive(ProviderReply reply)
    {
        using var doc = JsonValues.TryParse(reply.Body);
        if (reply.Status == 404 && doc is not null && VaultJson.Errors(doc.RootElement) is { Count: 0 })
        {
            return (null, null);
        }

        if (reply.Status != 200)
        {
            return (null, VaultOutcomes.FailureOf(reply, "metadata read"));
        }

        return doc is not null && VaultJson.Data(doc.RootElement) is { } data
            ? (VaultJson.NewestLiveVersion(data, _time.GetUtcNow()), null)
            : (null, new ProviderFailure(FailureKind.InvalidResponse, "Vault's metadata answer is not the documented JSON."));
    }

    /// <summary>GET {mount}/metadata/{path}: <c>current_version</c> and its state in the <c>versions</c> map (§2).</summary>
    private async ValueTask<VersionResult> CheckVersionAsync(string path, CancellationToken cancellationToken)
    {
        if (!VaultPaths.TryEscape(path, out var escaped, out var problem))
        {
            return new VersionResult.Failed(new ProviderFailure(FailureKind.Rejected, problem));
        }

        var call = await CallAsync(HttpMethod.Get, $"{_options.Mount}/metadata/{escaped}", null, idempotent: true, cancellationToken).ConfigureAwait(false);
        if (call.Failure is { } failure)
        {
            return new VersionResult.Failed(failure);
        }

        var reply = call.Reply!.Value;
        using var doc = JsonValues.TryParse(reply.Body);
        if (reply.Status == 404)
        {
            return doc is not null && VaultJson.Errors(doc.RootElement) is { } errors
                ? errors.Count == 0
                    ? new VersionResult.Absent(new Absence(AbsenceKind.NotFound, $"no secret at {_options.Mount}/{path}"))
                    : new VersionResult.Failed(VaultOutcomes.FailureOf(reply, "metadata read"))
                : new VersionResult.Failed(new ProviderFailure(FailureKind.InvalidResponse, "Vault answered 404 with an unknown body; not taken as evidence of absence."));
        }

        if (reply.Status != 200)
        {
            return new VersionResult.Failed(VaultOutcomes.FailureOf(reply, "metadata read"));
        }

        if (doc is null || VaultJson.Data(doc.RootElement) is not { } data || JsonValues.Integer(data, "current_version") is not { } current)
        {
            return new VersionResult.Failed(new ProviderFailure(FailureKind.InvalidResponse, "Vault's metadata answer lacks data.current_version."));
        }

        var now = _time.GetUtcNow();
        if (current <= 0)
        {
            // Metadata written without any version: reading data answers a plain 404.
            return new VersionResult.Absent(new Absence(AbsenceKind.NotFound, $"{_options.Mount}/{path} has metadata but no version"));
        }

        var id = current.ToString(CultureInfo.InvariantCulture);
        if (VaultJson.Object(data, "versions") is not { } versions || VaultJson.Object(versions, id) is not { } entry)
        {
            return new VersionResult.Failed(new ProviderFailure(FailureKind.InvalidResponse, $"Vault's metadata lists current_version {id} but not its entry in versions."));
        }

        if (VaultJson.VersionState(entry, now) is { } gone)
        {
            var newest = VaultJson.NewestLiveVersion(data, now);
            var what = gone == AbsenceKind.Destroyed ? "destroyed" : "deleted";
            return new VersionResult.Absent(new Absence(gone,
                $"current version {id} of {_options.Mount}/{path} is {what}" + (newest is null ? "" : $"; newest live version is {newest}"), newest));
        }

        if (JsonValues.Time(JsonValues.String(entry, "created_time")) is not { } created)
        {
            return new VersionResult.Failed(new ProviderFailure(FailureKind.InvalidResponse, $"Vault's metadata has no valid created_time for version {id}."));
        }

        return new VersionResult.Current(new SourceVersion(id, created));
    }

    /// <summary>POST {mount}/data/{path} with <c>options.cas</c> (vault.md §2 Check-and-set).</summary>
    protected override async ValueTask<WriteResult> WriteCoreAsync(
        string path, IReadOnlyDictionary<string, string> values, string? expectedVersion, CancellationToken cancellationToken)
    {
        if (!VaultPaths.TryEscape(path, out var escaped, out var problem))
        {
            return new WriteResult.Failed(new ProviderFailure(FailureKind.Rejected, problem));
        }

        // cas 0 means "only if the key does not exist yet", which is what a null expected version asks for.
        long cas = 0;
        if (expectedVersion is not null &&
            (!long.TryParse(expectedVersion, NumberStyles.None, CultureInfo.InvariantCulture, out cas) || cas < 0))
        {
            return new WriteResult.Failed(new ProviderFailure(FailureKind.Rejected, $"Vault version ids are non-negative integers; '{expectedVersion}' is not."));
        }

        var body = WriteBody(values, cas);
        ProviderCall<ProviderReply> call;
        try
        {
            call = await CallAsync(HttpMethod.Post, $"{_options.Mount}/data/{escaped}", body, idempotent: false, cancellationToken).ConfigureAwait(false);
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
        if (reply.Status == 400 && VaultJson.ErrorText(reply.Body) is var errors &&
            errors.Contains("check-and-set", StringComparison.OrdinalIgnoreCase) && errors.Contains("did not match", StringComparison.OrdinalIgnoreCase))
        {
            return new WriteResult.VersionMismatch(await CurrentVersionAsync(escaped, cancellationToken).ConfigureAwait(false));
        }

        if (reply.Status is not (200 or 204))
        {
            return new WriteResult.Failed(VaultOutcomes.FailureOf(reply, "write"));
        }

        using var doc = JsonValues.TryParse(reply.Body);
        if (doc is null || VaultJson.Data(doc.RootElement) is not { } data || JsonValues.Integer(data, "version") is not { } version ||
            JsonValues.Time(JsonValues.String(data, "created_time")) is not { } created)
        {
            return new WriteResult.Failed(new ProviderFailure(FailureKind.InvalidResponse,
                "Vault accepted the write but its answer lacks data.version/created_time; the new version is unknown."));
        }

        return new WriteResult.Written(new SourceVersion(version.ToString(CultureInfo.InvariantCulture), created));
    }

    private async ValueTask<string?> CurrentVersionAsync(string escaped, CancellationToken cancellationToken)
    {
        var call = await CallAsync(HttpMethod.Get, $"{_options.Mount}/metadata/{escaped}", null, idempotent: true, cancellationToken).ConfigureAwait(false);
        if (call.Reply is not { Status: 200 } reply)
        {
            return null;
        }

        using var doc = JsonValues.TryParse(reply.Body);
        return doc is not null && VaultJson.Data(doc.RootElement) is { } data && JsonValues.Integer(data, "current_version") is { } current
            ? current.ToString(CultureInfo.InvariantCulture)
            : null;
    }

    private static byte[] WriteBody(IReadOnlyDictionary<string, string> values, long cas) => JsonValues.Body(writer =>
    {
        writer.WriteStartObject("options");
        writer.WriteNumber("cas", cas);
        writer.WriteEndObject();
        writer.WriteStartObject("data");
        foreach (var (key, value) in values)
        {
            writer.WriteString(key, value);
        }

        writer.WriteEndObject();
    });

    /// <summary>Sends with the current token; on 403 obtains a fresh token once and retries (vault.md §3: expired token → 403).</summary>
    private async ValueTask<ProviderCall<ProviderReply>> CallAsync(HttpMethod method, string relative, byte[]? body, bool idempotent, CancellationToken cancellationToken)
    {
        var lease = await _session.GetAsync(cancellationToken).ConfigureAwait(false);
        if (lease.Failure is { } failure)
        {
            return ProviderCall<ProviderReply>.Fail(failure);
        }

        var call = await _transport.SendAsync(method, relative, lease.Lease!.Token, body, idempotent, cancellationToken).ConfigureAwait(false);
        if (call.Reply is not { Status: 403 })
        {
            return call;
        }

        var refreshed = await _session.RefreshAsync(lease.Lease, cancellationToken).ConfigureAwait(false);
        if (refreshed.Failure is { } refreshFailure)
        {
            return ProviderCall<ProviderReply>.Fail(refreshFailure);
        }

        return ReferenceEquals(refreshed.Lease, lease.Lease)
            ? call
            : await _transport.SendAsync(method, relative, refreshed.Lease!.Token, body, idempotent, cancellationToken).ConfigureAwait(false);
    }
}
