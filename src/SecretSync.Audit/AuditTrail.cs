using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using SecretSync.Core.Audit;

namespace SecretSync.Audit;

/// <summary>Who is writing audit events: the cluster name from configuration and this daemon instance.</summary>
/// <param name="Cluster">Cluster identity stamped on every event.</param>
/// <param name="Instance">This process (pod name, or host name and process id).</param>
public sealed record AuditIdentity(string Cluster, string Instance);

/// <summary>Stamps audit events with id, sequence, time and identity, escapes their tenant text (<see cref="AuditText"/>), and hands them to every sink.</summary>
/// <remarks>
/// Each sink has its own bounded queue and pump, so a slow or failing sink never blocks syncing: a sink's
/// failures and any events dropped because its queue was full are counted in <c>secretsync_audit_sink_failures</c>
/// and logged (without the event's content beyond its action and id).
/// </remarks>
public sealed class AuditTrail : IAuditRecorder, IAsyncDisposable
{
    /// <summary>Events a sink may fall behind by before new ones are dropped for it.</summary>
    public const int SinkQueueCapacity = 10_000;

    private static readonly Meter Meter = new("SecretSync.Audit");
    private static readonly Counter<long> SinkFailures = Meter.CreateCounter<long>(
        "secretsync_audit_sink_failures", description: "Audit events a sink failed to write or dropped.");

    private static readonly Counter<long> Events = Meter.CreateCounter<long>(
        "secretsync_audit_events", description: "Audit events recorded by action and outcome.");

    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private volatile SinkPump[] _pumps;
    private readonly TenantRateLimit _limit;
    private readonly Dictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private readonly ITimer _summaries;
    private long _sequence;

    /// <summary>Creates a trail writing to the given sinks.</summary>
    /// <param name="identity">Stamped on every event.</param>
    /// <param name="sinks">The sinks from the start.</param>
    /// <param name="time">The clock for stamps, the rate limit and its summaries.</param>
    /// <param name="logger">Told about sink failures.</param>
    /// <param name="limit">The per-namespace limit on tenant-triggered events; null uses the defaults of <see cref="TenantRateLimit"/>.</param>
    public AuditTrail(AuditIdentity identity, IEnumerable<IAuditSink> sinks, TimeProvider time, ILogger<AuditTrail> logger, TenantRateLimit? limit = null)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(sinks);
        Identity = identity;
        _time = time;
        _logger = logger;
        _pumps = [.. sinks.Select(sink => new SinkPump(null, sink, logger))];
        _limit = limit ?? new TenantRateLimit();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_limit.Burst);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_limit.Refill, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_limit.SummaryInterval, TimeSpan.Zero);
        _summaries = time.CreateTimer(_ => RecordSummaries(), null, _limit.SummaryInterval, _limit.SummaryInterval);
    }

    /// <summary>The names of the sinks added with <see cref="Add"/> and not removed since.</summary>
    public IReadOnlyList<string> Named => [.. _pumps.Where(p => p.Name is not null).Select(p => p.Name!)];

    /// <summary>Starts writing every event recorded from now on to <paramref name="sink"/> as well, under <paramref name="name"/>.</summary>
    /// <param name="name">The sink's name, e.g. <c>file</c>, for <see cref="RemoveAsync"/>.</param>
    /// <param name="sink">The sink; the trail disposes it when it is removed or the trail is disposed.</param>
    /// <exception cref="InvalidOperationException">A sink of that name is attached already.</exception>
    public void Add(string name, IAuditSink sink)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(sink);
        lock (_gate)
        {
            if (_pumps.Any(p => p.Name == name))
            {
                throw new InvalidOperationException($"An audit sink named {name} is attached already.");
            }

            _pumps = [.. _pumps, new SinkPump(name, sink, _logger)];
        }
    }

    /// <summary>Stops giving events to the sink named <paramref name="name"/>, waits until it has written what it was given, and disposes it.</summary>
    /// <param name="name">The name it was added under.</param>
    /// <returns>False when no sink of that name is attached.</returns>
    public async Task<bool> RemoveAsync(string name)
    {
        SinkPump? removed;
        lock (_gate)
        {
            removed = _pumps.FirstOrDefault(p => p.Name == name);
            if (removed is null)
            {
                return false;
            }

            _pumps = [.. _pumps.Where(p => p != removed)];
        }

        await removed.DisposeAsync();
        return true;
    }

    /// <summary>The identity stamped on events.</summary>
    public AuditIdentity Identity { get; private set; }

    /// <summary>Changes the cluster name after a configuration reload.</summary>
    public void Rename(string cluster) => Identity = Identity with { Cluster = cluster };

    /// <inheritdoc/>
    /// <remarks>Tenant text is escaped, and a tenant over its rate limit is counted as suppressed instead of reaching the sinks.</remarks>
    public AuditEvent Record(string action, string outcome, Func<AuditEvent, AuditEvent>? fill = null)
    {
        var identity = Identity;
        var stamped = new AuditEvent
        {
            Id = Guid.CreateVersion7(_time.GetUtcNow()).ToString(),
            Sequence = Interlocked.Increment(ref _sequence),
            Time = _time.GetUtcNow(),
            Cluster = identity.Cluster,
            Instance = identity.Instance,
            Action = action,
            Outcome = outcome,
        };
        // Tenant text reaches every sink with its bidirectional and control characters made visible.
        var auditEvent = fill is null ? stamped : AuditText.Escape(fill(stamped));
        if (TenantRateLimit.Applies(auditEvent) && !TryTake(auditEvent.Namespace!))
        {
            Events.Add(1, new("action", AuditActions.Suppressed), new("outcome", outcome));
            return auditEvent;
        }

        Events.Add(1, new("action", action), new("outcome", outcome));
        foreach (var pump in _pumps)
        {
            pump.Offer(auditEvent);
        }

        return auditEvent;
    }

    /// <summary>Waits until every sink has written what it was given so far, or the token fires.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        foreach (var pump in _pumps)
        {
            await pump.FlushAsync(cancellationToken);
        }
    }

    /// <summary>Records the <c>suppressed</c> summary of every namespace that had events held back since the last one.</summary>
    public void RecordSummaries()
    {
        List<(string Namespace, long Count)> due = [];
        lock (_buckets)
        {
            var now = _time.GetUtcNow();
            foreach (var (ns, bucket) in _buckets)
            {
                if (bucket.Suppressed > 0)
                {
                    due.Add((ns, bucket.Suppressed));
                    bucket.Suppressed = 0;
                }
            }

            // A namespace that has been quiet long enough to refill holds nothing worth keeping.
            foreach (var ns in _buckets.Where(b => b.Value.Suppressed == 0 && Refilled(b.Value, now) >= _limit.Burst).Select(b => b.Key).ToList())
            {
                _buckets.Remove(ns);
            }
        }

        foreach (var (ns, count) in due)
        {
            Record(AuditActions.Suppressed, AuditOutcomes.Skipped, e => e with
            {
                Namespace = ns,
                Detail = string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"{count} tenant-triggered event(s) (denied, conflict, namespace) held back by the audit rate limit ({_limit.Burst} at once, then one per {_limit.Refill.TotalSeconds:0.###}s); writes are never held back"),
            });
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _summaries.DisposeAsync();
        RecordSummaries();
        foreach (var pump in _pumps)
        {
            await pump.DisposeAsync();
        }
    }

    private bool TryTake(string ns)
    {
        lock (_buckets)
        {
            var now = _time.GetUtcNow();
            if (!_buckets.TryGetValue(ns, out var bucket))
            {
                _buckets[ns] = bucket = new Bucket { Tokens = _limit.Burst, Since = now };
            }

            bucket.Tokens = Refilled(bucket, now);
            bucket.Since = now;
            if (bucket.Tokens >= 1)
            {
                bucket.Tokens--;
                return true;
            }

            bucket.Suppressed++;
            return false;
        }
    }

    private double Refilled(Bucket bucket, DateTimeOffset now) =>
        Math.Min(_limit.Burst, bucket.Tokens + ((now - bucket.Since) / _limit.Refill));

    private sealed class Bucket
    {
        public double Tokens { get; set; }

        public DateTimeOffset Since { get; set; }

        public long Suppressed { get; set; }
    }

    private sealed class SinkPump : IAsyncDisposable
    {
        private readonly IAuditSink _sink;
        private readonly ILogger _logger;
        private readonly Channel<AuditEvent> _queue = Channel.CreateBounded<AuditEvent>(
            new BoundedChannelOptions(SinkQueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

        private readonly Task _run;
        private readonly string _name;
        private long _offered;
        private long _done;

        /// <summary>The name it was added under; null for the sinks the trail was created with.</summary>
        public string? Name { get; }

        public SinkPump(string? name, IAuditSink sink, ILogger logger)
        {
            Name = name;
            _sink = sink;
            _logger = logger;
            _name = sink.GetType().Name;
            _run = Task.Run(RunAsync);
        }

        public void Offer(AuditEvent auditEvent)
        {
            Interlocked.Increment(ref _offered);
            if (!_queue.Writer.TryWrite(auditEvent))
            {
                Interlocked.Increment(ref _done);
                SinkFailures.Add(1, new KeyValuePair<string, object?>("sink", _name));
                _logger.LogWarning("Audit sink {Sink} is {Capacity} events behind; dropped event {Id} ({Action}).", _name, SinkQueueCapacity, auditEvent.Id, auditEvent.Action);
            }
        }

        public async Task FlushAsync(CancellationToken cancellationToken)
        {
            var target = Interlocked.Read(ref _offered);
            while (Interlocked.Read(ref _done) < target && !_run.IsCompleted)
            {
                await Task.Delay(5, cancellationToken);
            }
        }

        public async ValueTask DisposeAsync()
        {
            _queue.Writer.TryComplete();
            await _run;
            if (_sink is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync();
            }
        }

        private async Task RunAsync()
        {
            await foreach (var auditEvent in _queue.Reader.ReadAllAsync())
            {
                try
                {
                    await _sink.WriteAsync(auditEvent, CancellationToken.None);
                }
#pragma warning disable CA1031 // A sink failure is counted and logged; it must never stop the trail.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    SinkFailures.Add(1, new KeyValuePair<string, object?>("sink", _name));
                    _logger.LogWarning("Audit sink {Sink} failed to write event {Id} ({Action}): {Error}", _name, auditEvent.Id, auditEvent.Action, ex.Message);
                }
                finally
                {
                    Interlocked.Increment(ref _done);
                }
            }
        }
    }
}
