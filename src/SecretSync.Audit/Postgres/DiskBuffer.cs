using System.Globalization;
using System.Text.Json;
using SecretSync.Core.Audit;

namespace SecretSync.Audit.Postgres;

/// <summary>A bounded, ordered, on-disk queue of audit events: JSON lines in numbered segment files.</summary>
/// <remarks>
/// Not thread-safe: the sink's single pump owns it. Appends go to the newest segment; reads take the oldest
/// whole segment, which is deleted only once its events are in the database, so a crash or an outage in the
/// middle of a flush re-sends a segment (the insert is idempotent on event id) instead of losing it. When an
/// append would pass the byte bound, the oldest segments are dropped and their events counted.
/// A lock file keeps a second process from sharing the folder.
/// </remarks>
internal sealed class DiskBuffer : IDisposable
{
    private const string Prefix = "events-";
    private const string Suffix = ".jsonl";

    private readonly string _folder;
    private readonly long _maxBytes;
    private readonly long _segmentBytes;
    private readonly FileStream _lock;
    private readonly LinkedList<Segment> _segments = new();
    private FileStream? _tail;
    private long _nextNumber;

    public DiskBuffer(string folder, long maxBytes)
    {
        _folder = folder;
        _maxBytes = maxBytes;
        // Small segments make dropping on overflow fine-grained; 16 keep the file count low.
        _segmentBytes = Math.Max(1024, maxBytes / 16);
        Directory.CreateDirectory(folder);
        try
        {
            _lock = new FileStream(Path.Combine(folder, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new IOException($"The audit buffer folder {folder} is in use by another secretsync process; give each sink its own folder.", ex);
        }

        foreach (var file in Directory.EnumerateFiles(folder, $"{Prefix}*{Suffix}").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(file);
            if (long.TryParse(name.AsSpan(Prefix.Length, name.Length - Prefix.Length - Suffix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                var info = new FileInfo(file);
                _segments.AddLast(new Segment(file, info.Length, CountLines(file)));
                Bytes += info.Length;
                _nextNumber = Math.Max(_nextNumber, number + 1);
            }
        }
    }

    /// <summary>Bytes held in all segments.</summary>
    public long Bytes { get; private set; }

    /// <summary>Events held (including any unreadable lines not yet discovered).</summary>
    public long Count => _segments.Sum(s => s.Events);

    public bool IsEmpty => _segments.Count == 0;

    /// <summary>Events dropped because the buffer was full, or unreadable when read back.</summary>
    public long Dropped { get; private set; }

    /// <summary>Appends events after everything already held and flushes them to disk.</summary>
    /// <returns>How many older events were dropped to make room.</returns>
    public long Append(IReadOnlyList<AuditEvent> events)
    {
        var droppedBefore = Dropped;
        foreach (var auditEvent in events)
        {
            var line = AuditJson.SerializeToUtf8Bytes(auditEvent);
            var length = line.Length + 1;
            if (length > _maxBytes)
            {
                Dropped++;
                continue;
            }

            while (Bytes + length > _maxBytes && _segments.First is { } oldest)
            {
                DropOldest(oldest.Value);
            }

            if (_tail is null || _segments.Last!.Value.Bytes + length > _segmentBytes)
            {
                OpenTail();
            }

            _tail!.Write(line);
            _tail.WriteByte((byte)'\n');
            var last = _segments.Last!.Value;
            last.Bytes += length;
            last.Events++;
            Bytes += length;
        }

        _tail?.Flush(flushToDisk: true);
        return Dropped - droppedBefore;
    }

    /// <summary>The oldest segment's events, in order, without removing them; empty when the buffer is.</summary>
    /// <remarks>Lines that do not parse (a write cut short by a crash) are skipped and counted as dropped.</remarks>
    public List<AuditEvent> PeekOldest()
    {
        if (_segments.First is not { } first)
        {
            return [];
        }

        if (_segments.Count == 1)
        {
            // Later appends start a new segment, so the one being sent no longer changes.
            CloseTail();
        }

        var events = new List<AuditEvent>();
        foreach (var line in File.ReadLines(first.Value.Path))
        {
            if (line.Length == 0)
            {
                continue;
            }

            try
            {
                events.Add(AuditJson.Deserialize(line));
            }
            catch (JsonException)
            {
                Dropped++;
                first.Value.Events--;
            }
        }

        return events;
    }

    /// <summary>Deletes the oldest segment once its events are safely stored elsewhere.</summary>
    public void RemoveOldest()
    {
        if (_segments.First is { } first)
        {
            Remove(first.Value);
        }
    }

    public void Dispose()
    {
        CloseTail();
        _lock.Dispose();
    }

    private void DropOldest(Segment oldest)
    {
        Dropped += oldest.Events;
        Remove(oldest);
    }

    private void Remove(Segment segment)
    {
        if (_segments.Count == 1)
        {
            CloseTail();
        }

        File.Delete(segment.Path);
        Bytes -= segment.Bytes;
        _segments.Remove(segment);
    }

    private void OpenTail()
    {
        CloseTail();
        var path = Path.Combine(_folder, string.Create(CultureInfo.InvariantCulture, $"{Prefix}{_nextNumber++:D12}{Suffix}"));
        _tail = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        _segments.AddLast(new Segment(path, 0, 0));
    }

    private void CloseTail()
    {
        _tail?.Dispose();
        _tail = null;
    }

    private static long CountLines(string path) => File.ReadLines(path).LongCount(line => line.Length > 0);

    private sealed class Segment(string path, long bytes, long events)
    {
        public string Path { get; } = path;

        public long Bytes { get; set; } = bytes;

        public long Events { get; set; } = events;
    }
}
