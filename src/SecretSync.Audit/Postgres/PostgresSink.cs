using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;
using SecretSync.Core.Audit;

namespace SecretSync.Audit.Postgres;

/// <summary>Writes audit events to the PostgreSQL fleet store that every cluster shares.</summary>
/// <remarks>
/// <para>
/// <see cref="WriteAsync"/> only queues; one pump sends batches of up to <see cref="PostgresSinkOptions.BatchSize"/>
/// events, or whatever arrived within <see cref="PostgresSinkOptions.BatchInterval"/>, as a single insert that
/// ignores ids already stored, so a retried batch never duplicates. The schema is created or migrated on the
/// first successful connection.
/// </para>
/// <para>
/// While the database is unreachable, batches go to a bounded on-disk buffer (JSON lines in
/// <see cref="PostgresSinkOptions.BufferFolder"/>), and so does everything after them until the buffer has been
/// sent, oldest first, once the database answers again: nothing is lost within the bound and nothing is
/// reordered. When the buffer is full its oldest events are dropped and counted in
/// <c>secretsync_audit_postgres_dropped</c>. Disposing sends (or buffers) what is still in memory; a process
/// killed outright loses what it had not sent, unless <see cref="PostgresSinkOptions.RecoverFromChain"/> names the
/// daemon's file chain: the next start then sends those events from the chain before anything new.
/// </para>
/// </remarks>
public sealed class PostgresSink : IAuditSink, IAsyncDisposable
{
    /// <summary>The meter of the sink's counters.</summary>
    public const string MeterName = "SecretSync.Audit";

    private static readonly Meter SharedMeter = new(MeterName);

    private const string InsertSql =
        $"INSERT INTO audit_events ({PostgresSchema.Columns}) " +
        "SELECT u.id, u.sequence, u.time, u.cluster, u.instance, u.action, u.outcome, u.trigger, u.namespace, u.secret, u.bundle, " +
        "u.provider, u.source, u.source_version, u.previous_version, u.content_hmac, u.error, u.detail, u.latency_ms " +
        "FROM unnest(@id, @sequence, @time, @cluster, @instance, @action, @outcome, @trigger, @namespace, @secret, @bundle, " +
        "@provider, @source, @source_version, @previous_version, @content_hmac, @error, @detail, @latency_ms) WITH ORDINALITY " +
        "AS u(id, sequence, time, cluster, instance, action, outcome, trigger, namespace, secret, bundle, provider, source, " +
        "source_version, previous_version, content_hmac, error, detail, latency_ms, ordinal) " +
        "ORDER BY u.ordinal ON CONFLICT (id) DO NOTHING";

    private readonly PostgresSinkOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly NpgsqlDataSource _dataSource;
    private readonly DiskBuffer _buffer;
    private readonly Channel<AuditEvent> _queue;
    private readonly CancellationTokenSource _abort = new();
    private readonly Counter<long> _inserted;
    private readonly Counter<long> _buffered;
    private readonly Counter<long> _dropped;
    private readonly Task _pump;
    private long _accepted;
    private long _settled;
    private long _droppedTotal;
    private long _bufferDroppedSeen;
    private long _bufferedBytes;
    private bool _schemaReady;
    private bool _recovered;
    private bool _healthy = true;
    private DateTimeOffset _retryAt;
    private int _disposed;

    /// <summary>Creates the sink and starts its pump; does not wait for the database.</summary>
    /// <param name="options">Database, batching and buffer settings.</param>
    /// <param name="time">The clock for batch windows and retries.</param>
    /// <param name="logger">Receives outage and recovery messages (connection strings redacted).</param>
    /// <param name="meterFactory">Creates the meter of the sink's counters; a shared meter when null.</param>
    /// <exception cref="ArgumentException">An option is invalid (see <see cref="PostgresSinkOptions.Validate"/>).</exception>
    /// <exception cref="IOException">The buffer folder cannot be created or another process is using it.</exception>
    /// <exception cref="UnauthorizedAccessException">The buffer folder is not writable.</exception>
    public PostgresSink(PostgresSinkOptions options, TimeProvider time, ILogger<PostgresSink>? logger = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        options.Validate();
        _options = options;
        _time = time;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        Target = PostgresSchema.Redact(options.ConnectionString);
        try
        {
            _dataSource = NpgsqlDataSource.Create(options.ConnectionString);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"audit.postgres.connectionString is not valid: {ex.Message.Split('(')[0].Trim()}", nameof(options));
        }

        try
        {
            _buffer = new DiskBuffer(options.BufferFolder, options.MaxBufferBytes);
        }
        catch
        {
            _dataSource.Dispose();
            throw;
        }

        _healthy = _buffer.IsEmpty;
        _bufferedBytes = _buffer.Bytes;
        var meter = meterFactory?.Create(MeterName) ?? SharedMeter;
        _inserted = meter.CreateCounter<long>("secretsync_audit_postgres_inserted", description: "Audit events stored in PostgreSQL (including ones already there).");
        _buffered = meter.CreateCounter<long>("secretsync_audit_postgres_buffered", description: "Audit events written to the on-disk outage buffer.");
        _dropped = meter.CreateCounter<long>("secretsync_audit_postgres_dropped", description: "Audit events dropped because the outage buffer was full or unreadable.");
        _queue = Channel.CreateBounded<AuditEvent>(new BoundedChannelOptions(Math.Max(10_000, options.BatchSize * 4))
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _pump = Task.Run(PumpAsync);
    }

    /// <summary>The connection string with its password replaced.</summary>
    public string Target { get; }

    /// <summary>Events dropped since start because the outage buffer was full, or unreadable when read back.</summary>
    public long DroppedEvents => Interlocked.Read(ref _droppedTotal);

    /// <summary>Bytes currently held in the outage buffer.</summary>
    public long BufferedBytes => Volatile.Read(ref _bufferedBytes);

    /// <inheritdoc />
    /// <remarks>Returns once the event is queued; waits only while the in-memory queue is full.</remarks>
    /// <exception cref="ObjectDisposedException">The sink was disposed.</exception>
    public async ValueTask WriteAsync(AuditEvent auditEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        Interlocked.Increment(ref _accepted);
        try
        {
            await _queue.Writer.WriteAsync(auditEvent, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            Interlocked.Decrement(ref _accepted);
            throw new ObjectDisposedException(nameof(PostgresSink));
        }
        catch (OperationCanceledException)
        {
            Interlocked.Decrement(ref _accepted);
            throw;
        }
    }

    /// <summary>Waits until every event written so far is in the database (or dropped), and the buffer is empty.</summary>
    /// <remarks>While the database is down this waits for it to come back, or for <paramref name="cancellationToken"/>.</remarks>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired first.</exception>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var target = Interlocked.Read(ref _accepted);
        while (Interlocked.Read(ref _settled) < target || Volatile.Read(ref _bufferedBytes) > 0)
        {
            if (_pump.IsCompleted)
            {
                return;
            }

            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    /// <remarks>Sends what is queued, waiting up to <see cref="PostgresSinkOptions.ShutdownGrace"/> for the database, then buffers the rest.</remarks>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _queue.Writer.TryComplete();
        _abort.CancelAfter(_options.ShutdownGrace);
        await _pump.ConfigureAwait(false);
        _buffer.Dispose();
        await _dataSource.DisposeAsync().ConfigureAwait(false);
        _abort.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => $"PostgresSink({Target})";

    private async Task PumpAsync()
    {
        var batch = new List<AuditEvent>(_options.BatchSize);
        var done = false;
        while (!done)
        {
            batch.Clear();
            done = !await CollectAsync(batch).ConfigureAwait(false);
            if (batch.Count > 0)
            {
                await DeliverAsync(batch).ConfigureAwait(false);
                Interlocked.Add(ref _settled, batch.Count);
            }

            if (!_buffer.IsEmpty && (done || _time.GetUtcNow() >= _retryAt))
            {
                await DrainAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Fills <paramref name="batch"/> with what arrives within one batch window.</summary>
    /// <returns>False once the queue is complete and empty.</returns>
    private async Task<bool> CollectAsync(List<AuditEvent> batch)
    {
        var reader = _queue.Reader;
        // With events waiting on disk, wake for the next retry even if nothing new arrives.
        var idle = _buffer.IsEmpty ? Timeout.InfiniteTimeSpan : Max(_retryAt - _time.GetUtcNow(), TimeSpan.Zero);
        using (var wake = new CancellationTokenSource(idle, _time))
        {
            try
            {
                if (!await reader.WaitToReadAsync(wake.Token).ConfigureAwait(false))
                {
                    return false;
                }
            }
            catch (OperationCanceledException) when (wake.IsCancellationRequested)
            {
                return true;
            }
        }

        using var window = new CancellationTokenSource(_options.BatchInterval, _time);
        while (batch.Count < _options.BatchSize)
        {
            while (batch.Count < _options.BatchSize && reader.TryRead(out var auditEvent))
            {
                batch.Add(auditEvent);
            }

            if (batch.Count >= _options.BatchSize)
            {
                break;
            }

            try
            {
                if (!await reader.WaitToReadAsync(window.Token).ConfigureAwait(false))
                {
                    return batch.Count > 0 || reader.Count > 0;
                }
            }
            catch (OperationCanceledException) when (window.IsCancellationRequested)
            {
                break;
            }
        }

        return true;
    }

    /// <summary>Sends a batch, or buffers it behind anything already buffered so order holds.</summary>
    private async Task DeliverAsync(List<AuditEvent> batch)
    {
        // After a failure the database is tried again only when the retry is due, even if the buffer is empty
        // (as it is when the disk failed too).
        if (_buffer.IsEmpty && (_healthy || _time.GetUtcNow() >= _retryAt) && await TryInsertAsync(batch).ConfigureAwait(false))
        {
            return;
        }

        Spill(batch);
    }

    /// <summary>Sends buffered segments oldest first until the buffer is empty or the database fails again.</summary>
    private async Task DrainAsync()
    {
        long sent = 0;
        try
        {
            while (!_buffer.IsEmpty)
            {
                var events = _buffer.PeekOldest();
                SyncDropped();
                foreach (var chunk in events.Chunk(_options.BatchSize))
                {
                    if (!await TryInsertAsync(chunk).ConfigureAwait(false))
                    {
                        return;
                    }
                }

                _buffer.RemoveOldest();
                sent += events.Count;
                Volatile.Write(ref _bufferedBytes, _buffer.Bytes);
            }

            _logger.LogInformation("Sent {Count} buffered audit events to PostgreSQL audit store {Target}.", sent, Target);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _retryAt = _time.GetUtcNow() + _options.RetryInterval;
            _logger.LogError("Cannot read the PostgreSQL audit buffer in {Folder}: {Error}; retrying.", _options.BufferFolder, ex.Message);
        }
    }

    private void Spill(List<AuditEvent> batch)
    {
        try
        {
            _buffer.Append(batch);
            _buffered.Add(batch.Count);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The disk is the last resort; with it failing too, these events are lost, but counted.
            Interlocked.Add(ref _droppedTotal, batch.Count);
            _dropped.Add(batch.Count);
            _logger.LogError("Cannot buffer {Count} audit events in {Folder}: {Error}; they are dropped.", batch.Count, _options.BufferFolder, ex.Message);
        }

        SyncDropped();
        Volatile.Write(ref _bufferedBytes, _buffer.Bytes);
    }

    private void SyncDropped()
    {
        var fresh = _buffer.Dropped - _bufferDroppedSeen;
        if (fresh > 0)
        {
            _bufferDroppedSeen = _buffer.Dropped;
            Interlocked.Add(ref _droppedTotal, fresh);
            _dropped.Add(fresh);
            _logger.LogWarning("The PostgreSQL audit buffer in {Folder} is full ({Max} bytes); dropped its {Count} oldest events.", _options.BufferFolder, _options.MaxBufferBytes, fresh);
        }
    }

    private async Task<bool> TryInsertAsync(IReadOnlyList<AuditEvent> events)
    {
        try
        {
            if (!_schemaReady)
            {
                await PostgresSchema.EnsureAsync(_dataSource, _abort.Token).ConfigureAwait(false);
                _schemaReady = true;
            }

            if (!_recovered)
            {
                await RecoverFromChainAsync(_abort.Token).ConfigureAwait(false);
                _recovered = true;
            }

            await InsertAsync(events, _abort.Token).ConfigureAwait(false);
            _inserted.Add(events.Count);
            if (!_healthy)
            {
                _healthy = true;
                _logger.LogInformation("PostgreSQL audit store {Target} is reachable again.", Target);
            }

            return true;
        }
#pragma warning disable CA1031 // Any failure to store is an outage: the events wait on disk and the pump must go on.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _retryAt = _time.GetUtcNow() + _options.RetryInterval;
            // Pooled connections to a restarted server are dead; start the next attempt with fresh ones.
            _dataSource.Clear();
            if (_healthy)
            {
                _healthy = false;
                _logger.LogWarning("PostgreSQL audit store {Target} is unavailable ({Error}); buffering events in {Folder}.", Target, Describe(ex), _options.BufferFolder);
            }

            return false;
        }
    }

    /// <summary>Sends the chain events of this instance the store lacks, oldest first (see <see cref="PostgresSinkOptions.RecoverFromChain"/>).</summary>
    private async Task RecoverFromChainAsync(CancellationToken cancellationToken)
    {
        if (_options.RecoverFromChain is not { } folder || !Directory.Exists(folder))
        {
            return;
        }

        var instance = _options.Instance!;
        DateTimeOffset? newest;
        await using (var command = _dataSource.CreateCommand("SELECT max(time) FROM audit_events WHERE instance = @instance"))
        {
            command.Parameters.AddWithValue("instance", instance);
            newest = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is DateTime stored
                ? new DateTimeOffset(DateTime.SpecifyKind(stored, DateTimeKind.Utc))
                : null;
        }

        var since = newest ?? _time.GetUtcNow() - _options.RecoveryWindow;
        var events = new List<AuditEvent>();
        try
        {
            await foreach (var auditEvent in new FileChain.ChainedFileReader(folder).QueryAsync(new Query.AuditFilter { Since = since }, cancellationToken).ConfigureAwait(false))
            {
                if (auditEvent.Instance == instance)
                {
                    events.Add(auditEvent);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            _logger.LogWarning("Cannot read the audit chain in {Folder} to recover unsent events: {Error}.", folder, ex.Message);
            return;
        }

        foreach (var chunk in events.Chunk(_options.BatchSize))
        {
            await InsertAsync(chunk, cancellationToken).ConfigureAwait(false);
        }

        if (events.Count > 0)
        {
            _logger.LogInformation("Checked {Count} audit events of {Instance} from the chain in {Folder} against PostgreSQL audit store {Target}; any missing were added.",
                events.Count, instance, folder, Target);
        }
    }

    private async Task InsertAsync(IReadOnlyList<AuditEvent> events, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(InsertSql);
        var p = command.Parameters;
        p.Add(Array("id", NpgsqlDbType.Text, events.Select(e => e.Id).ToArray()));
        p.Add(Array("sequence", NpgsqlDbType.Bigint, events.Select(e => e.Sequence).ToArray()));
        p.Add(Array("time", NpgsqlDbType.TimestampTz, events.Select(e => e.Time.ToUniversalTime()).ToArray()));
        p.Add(Array("cluster", NpgsqlDbType.Text, events.Select(e => e.Cluster).ToArray()));
        p.Add(Array("instance", NpgsqlDbType.Text, events.Select(e => e.Instance).ToArray()));
        p.Add(Array("action", NpgsqlDbType.Text, events.Select(e => e.Action).ToArray()));
        p.Add(Array("outcome", NpgsqlDbType.Text, events.Select(e => e.Outcome).ToArray()));
        p.Add(Array("trigger", NpgsqlDbType.Text, events.Select(e => e.Trigger).ToArray()));
        p.Add(Array("namespace", NpgsqlDbType.Text, events.Select(e => e.Namespace).ToArray()));
        p.Add(Array("secret", NpgsqlDbType.Text, events.Select(e => e.Secret).ToArray()));
        p.Add(Array("bundle", NpgsqlDbType.Text, events.Select(e => e.Bundle).ToArray()));
        p.Add(Array("provider", NpgsqlDbType.Text, events.Select(e => e.Provider).ToArray()));
        p.Add(Array("source", NpgsqlDbType.Text, events.Select(e => e.Source).ToArray()));
        p.Add(Array("source_version", NpgsqlDbType.Text, events.Select(e => e.SourceVersion).ToArray()));
        p.Add(Array("previous_version", NpgsqlDbType.Text, events.Select(e => e.PreviousVersion).ToArray()));
        p.Add(Array("content_hmac", NpgsqlDbType.Text, events.Select(e => e.ContentHmac).ToArray()));
        p.Add(Array("error", NpgsqlDbType.Text, events.Select(e => e.Error).ToArray()));
        p.Add(Array("detail", NpgsqlDbType.Text, events.Select(e => e.Detail).ToArray()));
        p.Add(Array("latency_ms", NpgsqlDbType.Double, events.Select(e => e.LatencyMs).ToArray()));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static NpgsqlParameter<string?[]> Array(string name, NpgsqlDbType type, string?[] values) =>
        Array<string?>(name, type, [.. values.Select(Clean)]);

    // PostgreSQL text cannot hold NUL; one such character must not wedge the whole buffer behind it.
    private static string? Clean(string? value) => value is not null && value.Contains('\0', StringComparison.Ordinal) ? value.Replace("\0", "", StringComparison.Ordinal) : value;

    private static NpgsqlParameter<T[]> Array<T>(string name, NpgsqlDbType type, T[] values) =>
        new(name, NpgsqlDbType.Array | type) { TypedValue = values };

    private static string Describe(Exception ex) => ex switch
    {
        PostgresException pg => $"{pg.SqlState}: {pg.MessageText}",
        OperationCanceledException => "shutting down before it answered",
        _ => ex.InnerException is { } inner ? $"{ex.Message} {inner.Message}" : ex.Message,
    };

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
