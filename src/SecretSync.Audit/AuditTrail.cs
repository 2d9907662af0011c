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
public sealed class AuditTrail : IAsyncDisposable
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
    private long _sequence;

    /// <summary>Creates a trail writing to the given sinks.</summary>
    public AuditTrail(AuditIdentity identity, IEnumerable<IAuditSink> sinks, TimeProvider time, ILogger<AuditTrail> logger)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(sinks);
        Identity = identity;
        _time = time;
        _logger = logger;
        _pumps = [.. sinks.Select(sink => new SinkPump(null, sink, logger))];
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

    /// <summary>Records one event: <paramref name="fill"/> adds the fields specific to it.</summary>
    /// <returns>The event as handed to the sinks.</returns>
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

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var pump in _pumps)
        {
            await pump.DisposeAsync();
        }
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
