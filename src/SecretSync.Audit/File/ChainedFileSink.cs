using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SecretSync.Core.Audit;
using SecretSync.Core.Configuration;

namespace SecretSync.Audit.FileChain;

/// <summary>Appends audit events to hash-chained JSON-lines files that <c>secretsync audit --verify</c> can check.</summary>
/// <remarks>
/// <para><b>Format.</b> Each record is one line <c>{"seq":N,"prev":"&lt;hex&gt;","mac":"&lt;hex&gt;","event":{…}}</c>: <c>event</c> is
/// the event exactly as <see cref="AuditJson"/> serializes it (so nothing but <see cref="AuditEvent"/>'s fields can get in),
/// <c>seq</c> numbers the keyed records from 1 without a gap, <c>mac</c> is the HMAC-SHA256 under
/// <see cref="ChainedFileSinkOptions.Key"/> of <c>seq</c>, <c>prev</c> and <c>event</c>, and <c>prev</c> is the previous record's
/// <c>mac</c> (or legacy <c>hash</c>; 64 zeros for the first record of the chain). Without the key nobody can recompute the chain
/// after deleting or editing a record. A chain begun by an older build (legacy <c>{"prev","hash","event"}</c> records, plain
/// SHA-256) is continued with keyed records linked to its last one; a keyed chain is never continued without a key.</para>
/// <para><b>Segments.</b> <see cref="ChainedFileSinkOptions.Path"/> is a folder of segments <c>audit-000001.jsonl</c>,
/// <c>audit-000002.jsonl</c>, … (ordered by number). A record that would take a segment past
/// <see cref="ChainedFileSinkOptions.MaxBytes"/> starts the next one; the chain runs on across segments.</para>
/// <para><b>Restart.</b> On construction the sink reads the last line of the newest segment and continues the chain from its
/// hash. Only a line ended by a newline is a record. When the newest segment ends in bytes after its last newline (a write torn
/// by a crash), those bytes are left as they are and the next record starts a new segment, linking to the last complete record;
/// the verifier reports such a torn write but does not count it as a break. A last complete line that is not a record stops the
/// sink from starting (<see cref="InvalidDataException"/>): it cannot know what to link to. A write that fails half-way is
/// treated the same way as a torn write: the next record goes to a new segment.</para>
/// <para><b>Durability.</b> Each record reaches the operating system in one write as it is recorded, so readers see it at once.
/// <see cref="FsyncPolicy.Always"/> fsyncs after every record; <see cref="FsyncPolicy.Batch"/> fsyncs once
/// <see cref="ChainedFileSinkOptions.BatchRecords"/> records wait or <see cref="ChainedFileSinkOptions.BatchInterval"/> after the
/// first of them, whichever is sooner, and at rotation and disposal; <see cref="FsyncPolicy.Never"/> leaves it to the operating
/// system. An fsync that fails in the background is thrown from the next <see cref="WriteAsync"/>.</para>
/// <para><b>One writer.</b> The sink holds an exclusive lock on <c>.lock</c> in the folder while open, so a second writer on the
/// same folder fails at construction. Calls are serialized.</para>
/// </remarks>
public sealed class ChainedFileSink : IAuditSink, IAsyncDisposable
{
    private const string LockFileName = ".lock";

    private readonly ChainedFileSinkOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly FileStream _lockFile;
    private readonly ITimer? _batchTimer;
    private FileStream? _segment;
    private long _segmentNumber;
    private long _segmentSize;
    private byte[] _lastHash;
    private long _nextSequence = 1;
    private int _unsynced;
    private Exception? _backgroundFailure;
    private bool _disposed;

    /// <summary>Opens the chain in <see cref="ChainedFileSinkOptions.Path"/>, creating the folder, or resuming the chain already there.</summary>
    /// <param name="options">Folder, rotation size and fsync policy.</param>
    /// <param name="time">The clock for <see cref="FsyncPolicy.Batch"/>'s interval.</param>
    /// <param name="logger">Told when the sink resumes after a torn write; null logs nothing.</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    /// <exception cref="IOException">The folder cannot be created or read, or another writer holds it.</exception>
    /// <exception cref="InvalidDataException">The last complete line on disk is not a record, so the chain cannot be continued, or the chain is keyed and no key was given.</exception>
    public ChainedFileSink(ChainedFileSinkOptions options, TimeProvider time, ILogger<ChainedFileSink>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        options.Validate();
        _options = options;
        _time = time;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        Folder = System.IO.Path.GetFullPath(options.Path);
        if (System.IO.File.Exists(Folder))
        {
            throw new IOException($"The audit file sink's path {Folder} is a file; it must be a folder (segments audit-000001.jsonl, … are written inside it).");
        }

        Directory.CreateDirectory(Folder);
        try
        {
            _lockFile = new FileStream(System.IO.Path.Combine(Folder, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new IOException($"Another process is writing the audit chain in {Folder} (it holds {LockFileName}).", ex);
        }

        try
        {
            _lastHash = Resume();
        }
        catch
        {
            _lockFile.Dispose();
            throw;
        }

        PruneExpired();
        if (options.Fsync == FsyncPolicy.Batch)
        {
            _batchTimer = time.CreateTimer(_ => SyncInBackground(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>The full path of the folder the segments are in.</summary>
    public string Folder { get; }

    /// <summary>Records written since the sink was opened.</summary>
    public long Written { get; private set; }

    /// <inheritdoc />
    /// <exception cref="IOException">The record could not be written or synced; the chain stays consistent and continues with the next record.</exception>
    /// <exception cref="ObjectDisposedException">The sink is disposed.</exception>
    public ValueTask WriteAsync(AuditEvent auditEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        var eventJson = AuditJson.SerializeToUtf8Bytes(auditEvent);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_backgroundFailure is { } failure)
            {
                _backgroundFailure = null;
                throw new IOException($"An earlier fsync of the audit chain in {Folder} failed: {failure.Message}", failure);
            }

            byte[] hash, line;
            if (_options.Key is { } key)
            {
                hash = key.Mac(_nextSequence, _lastHash, eventJson);
                line = ChainFormat.EncodeKeyedLine(_nextSequence, _lastHash, hash, eventJson);
            }
            else
            {
                hash = ChainFormat.Hash(_lastHash, eventJson);
                line = ChainFormat.EncodeLine(_lastHash, hash, eventJson);
            }

            if (_segment is not null && _segmentSize > 0 && _segmentSize + line.Length > _options.MaxBytes)
            {
                CloseSegment();
            }

            var segment = _segment ?? OpenNextSegment();
            try
            {
                segment.Write(line);
            }
            catch
            {
                // A partial line may be on disk now: leave it as a torn tail and continue in a new segment.
                AbandonSegment();
                throw;
            }

            _segmentSize += line.Length;
            _lastHash = hash;
            if (_options.Key is not null)
            {
                _nextSequence++;
            }

            Written++;
            AfterWrite(segment);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Forces every record written so far to disk, whatever the policy.</summary>
    public void Sync()
    {
        lock (_gate)
        {
            if (_segment is not null && !_disposed)
            {
                _segment.Flush(flushToDisk: true);
                _unsynced = 0;
            }
        }
    }

    /// <summary>Syncs what <see cref="FsyncPolicy.Batch"/> still holds, closes the current segment and releases the folder.</summary>
    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return ValueTask.CompletedTask;
            }

            _disposed = true;
            _batchTimer?.Dispose();
            try
            {
                CloseSegment();
            }
            finally
            {
                _lockFile.Dispose();
            }
        }

        return ValueTask.CompletedTask;
    }

    private byte[] Resume()
    {
        var segments = ChainFormat.ListSegments(Folder);
        if (segments.Count == 0)
        {
            _segmentNumber = 0;
            return ChainFormat.Genesis;
        }

        var newest = segments[^1];
        _segmentNumber = newest.Number!.Value;
        var tail = SegmentTail.Read(newest.Path);
        if (tail.Torn)
        {
            _logger.LogWarning(
                "Audit segment {Segment} ends in a torn write ({Bytes} bytes after its last complete record), likely from a crash; it is left as is and the chain continues in a new segment.",
                newest.Path, tail.Length - (tail.LastLine is null ? 0 : tail.LastLineOffset + tail.LastLine.Length + 1));
        }
        else if (tail.Length < _options.MaxBytes)
        {
            _segment = OpenSegment(newest.Path, FileMode.Append);
            _segmentSize = tail.Length;
        }

        for (var i = segments.Count - 1; i >= 0; i--)
        {
            var last = i == segments.Count - 1 ? tail : SegmentTail.Read(segments[i].Path);
            if (last.LastLine is null)
            {
                continue;
            }

            if (!ChainFormat.TryParse(last.LastLine, out var record, out var error))
            {
                _segment?.Dispose();
                var line = SegmentTail.LineNumberAt(segments[i].Path, last.LastLineOffset);
                throw new InvalidDataException(
                    $"Cannot continue the audit chain: the last record of {segments[i].Path} (line {line}) is unreadable ({error}). Run `secretsync audit --verify --path {Folder}`, and move the damaged segments aside once inspected.");
            }

            if (record.Keyed && _options.Key is null)
            {
                _segment?.Dispose();
                throw new InvalidDataException($"The audit chain in {Folder} is keyed; it is continued only with its key (the daemon's install key).");
            }

            _nextSequence = record.Sequence is { } sequence ? sequence + 1 : 1;
            return record.Hash;
        }

        return ChainFormat.Genesis;
    }

    /// <summary>Deletes the closed segments whose newest record is older than the retention; the newest segment always stays.</summary>
    private void PruneExpired()
    {
        if (_options.Retention is not { } retention)
        {
            return;
        }

        var cutoff = _time.GetUtcNow() - retention;
        var segments = ChainFormat.ListSegments(Folder);
        foreach (var segment in segments.Take(segments.Count - 1))
        {
            var tail = SegmentTail.Read(segment.Path);
            if (tail.LastLine is null || !ChainFormat.TryParse(tail.LastLine, out var record, out _) || record.Event.Time >= cutoff)
            {
                // Oldest first: once one segment is kept, the ones after it are newer.
                break;
            }

            System.IO.File.Delete(segment.Path);
            _logger.LogInformation("Deleted audit segment {Segment}: its newest record ({Time:O}) is past the retention of {Retention}.", segment.Path, record.Event.Time, retention);
        }
    }

    private FileStream OpenNextSegment()
    {
        _segmentNumber++;
        PruneExpired();
        var path = System.IO.Path.Combine(Folder, ChainFormat.SegmentName(_segmentNumber));
        _segment = OpenSegment(path, FileMode.CreateNew);
        _segmentSize = 0;
        return _segment;
    }

    // Unbuffered: every record goes to the operating system in one write, so a crash can tear at most the record being written.
    private static FileStream OpenSegment(string path, FileMode mode) =>
        new(path, mode, FileAccess.Write, FileShare.Read | FileShare.Delete, bufferSize: 0);

    private void AfterWrite(FileStream segment)
    {
        switch (_options.Fsync)
        {
            case FsyncPolicy.Always:
                segment.Flush(flushToDisk: true);
                break;
            case FsyncPolicy.Batch:
                _unsynced++;
                if (_unsynced >= _options.BatchRecords)
                {
                    segment.Flush(flushToDisk: true);
                    _unsynced = 0;
                    _batchTimer!.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                }
                else if (_unsynced == 1)
                {
                    _batchTimer!.Change(_options.BatchInterval, Timeout.InfiniteTimeSpan);
                }

                break;
        }
    }

    private void SyncInBackground()
    {
        lock (_gate)
        {
            if (_disposed || _segment is null || _unsynced == 0)
            {
                return;
            }

            try
            {
                _segment.Flush(flushToDisk: true);
                _unsynced = 0;
            }
            catch (IOException ex)
            {
                _backgroundFailure = ex;
            }
        }
    }

    private void CloseSegment()
    {
        if (_segment is null)
        {
            return;
        }

        try
        {
            if (_unsynced > 0)
            {
                _segment.Flush(flushToDisk: true);
            }
        }
        finally
        {
            _unsynced = 0;
            _segment.Dispose();
            _segment = null;
        }
    }

    private void AbandonSegment()
    {
        try
        {
            _segment?.Dispose();
        }
        catch (IOException)
        {
            // The segment is abandoned already; a failure to close it changes nothing.
        }

        _segment = null;
        _unsynced = 0;
    }
}
