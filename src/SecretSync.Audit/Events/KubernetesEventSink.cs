using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json.Nodes;
using SecretSync.Core.Audit;
using SecretSync.Kubernetes.Client;
using SecretSync.Kubernetes.Errors;
using SecretSync.Kubernetes.Models;

namespace SecretSync.Audit.Events;

/// <summary>Writes audit events that name a namespace as core/v1 Events in that namespace (DESIGN §4).</summary>
/// <remarks>
/// <para>Actions become Events as follows: <c>created</c> Normal <c>SecretSynced</c>, <c>updated</c> Normal <c>SecretRotated</c>,
/// <c>restored</c> Normal <c>SecretRestored</c>, <c>pruned</c> Normal <c>SecretPruned</c>, <c>revoked</c> Warning <c>SecretRevoked</c>,
/// <c>conflict</c> Warning <c>SecretConflict</c>, <c>denied</c> Warning <c>BundleDenied</c>, <c>failed</c> Warning <c>SyncFailed</c>,
/// <c>revocation-paused</c> Warning <c>RevocationPaused</c>; any other of these actions with outcome <c>failure</c> becomes Warning
/// <c>SyncFailed</c>. Other actions, and events without a namespace, are ignored. The Event is about the target Secret when the audit
/// event names one, else about the Namespace; its message is built only from the action, bundle, provider, source path, source version,
/// error and detail, and is at most 1 KiB.</para>
/// <para>Like client-go's <c>EventCorrelator</c>, the same condition (namespace, involved object, reason) recurring within
/// <see cref="KubernetesEventSinkOptions.Window"/> of its previous occurrence updates the existing Event with a merge patch
/// (count, lastTimestamp, message) instead of creating another.</para>
/// <para>Writes are limited by one token bucket across the sink. Over the limit, an occurrence of a condition that already has an
/// Event is folded into that Event's next update (its count includes it) and counted in <c>secretsync_kubernetes_events_folded</c>;
/// any other is dropped and counted in <c>secretsync_kubernetes_events_dropped</c> (meter <c>SecretSync.Audit</c>, tag <c>reason</c>).
/// Folded occurrences reach the API server only with the condition's next written occurrence.</para>
/// <para>Calls are serialized. Any failure of the API propagates from <see cref="WriteAsync"/>, except that an Event deleted since it
/// was last written (404 on the patch) is created again under its name with its full count.</para>
/// </remarks>
public sealed class KubernetesEventSink : IAuditSink
{
    /// <summary>The name of the meter the sink reports to.</summary>
    public const string MeterName = "SecretSync.Audit";

    /// <summary>The counter of occurrences dropped by the rate limit, tagged <c>reason</c>.</summary>
    public const string DroppedCounterName = "secretsync_kubernetes_events_dropped";

    /// <summary>The counter of occurrences folded into a later update by the rate limit, tagged <c>reason</c>.</summary>
    public const string FoldedCounterName = "secretsync_kubernetes_events_folded";

    /// <summary>The <c>source.component</c> and <c>reportingComponent</c> of every Event written.</summary>
    public const string Component = "secretsync";

    private static readonly Meter SharedMeter = new(MeterName);

    private readonly ResourceClient<Event> _events;
    private readonly TimeProvider _time;
    private readonly KubernetesEventSinkOptions _options;
    private readonly WriteBudget _budget;
    private readonly Counter<long> _droppedCounter;
    private readonly Counter<long> _foldedCounter;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<(string, string, string, string), Series> _series = [];
    private long _lastNameStamp;
    private long _dropped;
    private long _folded;

    /// <summary>Creates a sink writing through <paramref name="client"/>.</summary>
    /// <param name="client">The API client; the sink does not own it.</param>
    /// <param name="time">The clock for the aggregation window and the rate limit.</param>
    /// <param name="options">Window and rate limit; null uses the defaults.</param>
    /// <param name="meterFactory">Creates the <c>SecretSync.Audit</c> meter; null uses a process-wide meter.</param>
    /// <exception cref="ArgumentOutOfRangeException">The options are invalid.</exception>
    public KubernetesEventSink(KubernetesClient client, TimeProvider time, KubernetesEventSinkOptions? options = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(time);
        options ??= new KubernetesEventSinkOptions();
        options.Validate();
        _events = client.Events;
        _time = time;
        _options = options;
        _budget = new WriteBudget(options.Qps, options.Burst, time);
        var meter = meterFactory?.Create(MeterName) ?? SharedMeter;
        _droppedCounter = meter.CreateCounter<long>(DroppedCounterName, description: "Audit events not written as Kubernetes Events because of the rate limit.");
        _foldedCounter = meter.CreateCounter<long>(FoldedCounterName, description: "Audit events over the rate limit folded into a later Kubernetes Event update.");
    }

    /// <summary>Occurrences dropped by the rate limit since the sink was created.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Occurrences folded into a later update by the rate limit since the sink was created.</summary>
    public long Folded => Interlocked.Read(ref _folded);

    /// <inheritdoc />
    /// <exception cref="KubernetesApiException">The API server refused a write (other than a 404 on an update).</exception>
    /// <exception cref="HttpRequestException">The API server did not answer.</exception>
    public async ValueTask WriteAsync(AuditEvent auditEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        if (EventDraft.From(auditEvent) is not { } draft)
        {
            return;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await WriteSerializedAsync(draft, auditEvent, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task WriteSerializedAsync(EventDraft draft, AuditEvent auditEvent, CancellationToken cancellationToken)
    {
        var now = _time.GetTimestamp();
        var series = _series.TryGetValue(draft.Key, out var known) && _time.GetElapsedTime(known.LastSeen, now) <= _options.Window ? known : null;
        var at = series is null || auditEvent.Time > series.Last ? auditEvent.Time : series.Last;
        if (!_budget.TryTake())
        {
            var tag = new KeyValuePair<string, object?>("reason", draft.Reason);
            if (series is not null)
            {
                series.Folded++;
                series.LastSeen = now;
                series.Last = at;
                Interlocked.Increment(ref _folded);
                _foldedCounter.Add(1, tag);
            }
            else
            {
                Interlocked.Increment(ref _dropped);
                _droppedCounter.Add(1, tag);
            }

            return;
        }

        if (series is null)
        {
            var name = NewEventName(draft.InvolvedName);
            await _events.CreateAsync(Build(name, draft, auditEvent, auditEvent.Time, auditEvent.Time, count: 1), cancellationToken).ConfigureAwait(false);
            Remember(draft.Key, new Series(name, auditEvent.Time) { Count = 1, Last = auditEvent.Time, LastSeen = now });
            return;
        }

        var count = series.Count + series.Folded + 1;
        var patch = new JsonObject
        {
            ["count"] = count,
            ["lastTimestamp"] = KubernetesTime(at),
            ["message"] = draft.Message,
        };
        try
        {
            await _events.PatchAsync(draft.Namespace, series.Name, KubernetesPatch.Merge(patch), cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException e) when (e.Reason == KubernetesErrorReason.NotFound)
        {
            // Expired (the server's event TTL) or deleted: write it again whole, as client-go's recordToSink does.
            await _events.CreateAsync(Build(series.Name, draft, auditEvent, series.First, at, count), cancellationToken).ConfigureAwait(false);
        }

        series.Count = count;
        series.Folded = 0;
        series.Last = at;
        series.LastSeen = now;
    }

    private static Event Build(string name, EventDraft draft, AuditEvent auditEvent, DateTimeOffset first, DateTimeOffset last, int count) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = draft.Namespace },
        InvolvedObject = draft.InvolvedObject(),
        Reason = draft.Reason,
        Message = draft.Message,
        Type = draft.Type,
        Action = auditEvent.Action,
        Source = new EventSource { Component = Component },
        FirstTimestamp = first,
        LastTimestamp = last,
        Count = count,
        ReportingComponent = Component,
        ReportingInstance = auditEvent.Instance,
    };

    /// <summary>The Kubernetes <c>Time</c> format: UTC, second precision (kubernetes.md §1).</summary>
    private static string KubernetesTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>client-go's <c>&lt;object&gt;.&lt;hex unix nanoseconds&gt;</c>, kept strictly increasing so names never repeat.</summary>
    private string NewEventName(string involvedName)
    {
        var stamp = Math.Max((_time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks * 100, _lastNameStamp + 1);
        _lastNameStamp = stamp;
        var suffix = "." + stamp.ToString("x", CultureInfo.InvariantCulture);
        var prefix = involvedName.Length + suffix.Length <= 253 ? involvedName : involvedName[..(253 - suffix.Length)].TrimEnd('.', '-');
        return prefix + suffix;
    }

    private void Remember((string, string, string, string) key, Series series)
    {
        _series[key] = series;
        if (_series.Count <= _options.MaxTrackedConditions)
        {
            return;
        }

        var now = _time.GetTimestamp();
        foreach (var (staleKey, _) in _series.Where(pair => _time.GetElapsedTime(pair.Value.LastSeen, now) > _options.Window).ToList())
        {
            _series.Remove(staleKey);
        }

        if (_series.Count > _options.MaxTrackedConditions)
        {
            _series.Remove(_series.MinBy(pair => pair.Value.LastSeen).Key);
        }
    }

    /// <summary>One condition's Event as last written, plus occurrences folded since.</summary>
    private sealed class Series(string name, DateTimeOffset first)
    {
        public string Name { get; } = name;

        public DateTimeOffset First { get; } = first;

        public int Count { get; set; }

        public int Folded { get; set; }

        public DateTimeOffset Last { get; set; }

        /// <summary>The sink clock's timestamp of the latest occurrence, written or folded.</summary>
        public long LastSeen { get; set; }
    }
}
