using System.Runtime.CompilerServices;
using SecretSync.Audit.Query;
using SecretSync.Core.Audit;

namespace SecretSync.Audit.FileChain;

/// <summary>Reads, tails and verifies what a <see cref="ChainedFileSink"/> wrote: a folder of segments, or one segment file.</summary>
/// <remarks>
/// Records are read oldest first: segments by number, lines in order. Only newline-terminated lines are records; bytes after a
/// segment's last newline are a write in progress or a torn write, and are skipped. A terminated line that is not a record makes
/// <see cref="QueryAsync"/> and <see cref="FollowAsync"/> throw <see cref="InvalidDataException"/>; <see cref="Verify"/> reports it.
/// </remarks>
public sealed class ChainedFileReader : IAuditQuery
{
    /// <summary>The default of how often <see cref="FollowAsync"/> looks for new records: 200 milliseconds.</summary>
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromMilliseconds(200);

    private readonly TimeProvider _time;
    private readonly TimeSpan _pollInterval;

    /// <summary>Reads the chain at <paramref name="path"/>.</summary>
    /// <param name="path">A sink's folder, or a single segment file.</param>
    /// <param name="time">The clock <see cref="FollowAsync"/> waits on; null uses the system clock.</param>
    /// <param name="pollInterval">How often <see cref="FollowAsync"/> looks for new records; null uses <see cref="DefaultPollInterval"/>.</param>
    public ChainedFileReader(string path, TimeProvider? time = null, TimeSpan? pollInterval = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        _time = time ?? TimeProvider.System;
        _pollInterval = pollInterval ?? DefaultPollInterval;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_pollInterval, TimeSpan.Zero);
    }

    /// <summary>The full path read.</summary>
    public string Path { get; }

    private bool IsFolder => Directory.Exists(Path);

    /// <inheritdoc />
    /// <exception cref="FileNotFoundException">The path is neither a folder nor a file.</exception>
    /// <exception cref="InvalidDataException">A complete line is not a chained audit record.</exception>
    public async IAsyncEnumerable<AuditEvent> QueryAsync(AuditFilter filter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        await Task.Yield();
        foreach (var segment in Segments())
        {
            using var cursor = new SegmentCursor(segment);
            while (cursor.TryReadLine(out var line))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var auditEvent = Parse(cursor, line);
                if (filter.Matches(auditEvent))
                {
                    yield return auditEvent;
                }
            }
        }
    }

    /// <summary>Every matching event on disk, oldest first, then each new one as it is written, until cancelled.</summary>
    /// <remarks>
    /// Looks for new records every poll interval. A segment's unterminated tail is awaited until a newer segment appears; then it is
    /// a torn write and is skipped. Following a folder that has no segments yet waits for the first.
    /// </remarks>
    /// <exception cref="FileNotFoundException">The path is neither a folder nor a file.</exception>
    /// <exception cref="InvalidDataException">A complete line is not a chained audit record.</exception>
    /// <exception cref="OperationCanceledException">The token fired; this is how following ends.</exception>
    public async IAsyncEnumerable<AuditEvent> FollowAsync(AuditFilter filter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        SegmentCursor? cursor = null;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (cursor is null)
                {
                    var next = Segments().FirstOrDefault();
                    if (next is null)
                    {
                        await Task.Delay(_pollInterval, _time, cancellationToken);
                        continue;
                    }

                    cursor = new SegmentCursor(next);
                }

                while (cursor.TryReadLine(out var line))
                {
                    var auditEvent = Parse(cursor, line);
                    if (filter.Matches(auditEvent))
                    {
                        yield return auditEvent;
                    }
                }

                var newer = cursor.Segment.Number is { } number ? Segments().FirstOrDefault(s => s.Number > number) : null;
                if (newer is null)
                {
                    await Task.Delay(_pollInterval, _time, cancellationToken);
                    continue;
                }

                // The writer never returns to a segment once it has started the next, so one more read drains this one.
                while (cursor.TryReadLine(out var line))
                {
                    var auditEvent = Parse(cursor, line);
                    if (filter.Matches(auditEvent))
                    {
                        yield return auditEvent;
                    }
                }

                cursor.Dispose();
                cursor = new SegmentCursor(newer);
            }
        }
        finally
        {
            cursor?.Dispose();
        }
    }

    /// <summary>Checks every record's MAC (or legacy hash), link and sequence, oldest first, and returns the first record that does not match.</summary>
    /// <remarks>
    /// With <paramref name="key"/>, each keyed record's MAC is checked, so a chain edited or recomputed without the key fails.
    /// Without it only links and sequences are checked, which anyone can recompute: <see cref="ChainVerification.KeyChecked"/> is
    /// false and the chain is not authenticated. Legacy records (plain SHA-256) are accepted only before the first keyed record.
    /// Keyed sequences must run 1, 2, 3, … from the first keyed record; a gap or a repeat is a break.
    /// The first record of segment 1 must link to 64 zeros; when the chain read starts at a later segment (older ones removed, or a
    /// single later segment given), that first link cannot be checked and <see cref="ChainVerification.UncheckedStart"/> says so.
    /// Removing records from the end of the chain cannot be detected by the chain itself.
    /// </remarks>
    /// <exception cref="FileNotFoundException">The path is neither a folder nor a file.</exception>
    /// <param name="key">The chain key derived from the install key, or null to check only what needs no key.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    public ChainVerification Verify(ChainKey? key = null, CancellationToken cancellationToken = default)
    {
        var segments = Segments();
        var torn = new List<TornWrite>();
        string? uncheckedStart = null;
        byte[]? expected = null;
        if (segments.Count > 0)
        {
            if (segments[0].Number == 1)
            {
                expected = ChainFormat.Genesis;
            }
            else
            {
                uncheckedStart = $"the chain read starts at {segments[0].Name}, not at segment 1, so its first record's link is not checked";
            }
        }

        Position? previous = null;
        long? lastSequence = null;
        long legacy = 0;
        long records = 0;
        var files = 0;
        foreach (var segment in segments)
        {
            files++;
            using var cursor = new SegmentCursor(segment);
            while (cursor.TryReadLine(out var line))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!ChainFormat.TryParse(line, out var record, out var error))
                {
                    return Broken(new ChainBreak(segment.Path, cursor.LineNumber, null, null, ChainBreakKind.Unparsable, error));
                }

                var here = new Position(segment, cursor.LineNumber, record.Event.Sequence, record.Event.Id, record.Event.Instance, records);
                if (!record.Keyed)
                {
                    if (lastSequence is not null)
                    {
                        return Broken(At(here, ChainBreakKind.Downgraded,
                            $"a legacy record (plain SHA-256) follows keyed record {lastSequence}: the chain was rewritten without the key"));
                    }

                    if (!record.HashMatches)
                    {
                        return Broken(At(here, ChainBreakKind.BadHash,
                            $"the stored hash {Short(record.Hash)} is not the hash of the record's content ({Short(ChainFormat.Hash(record.Prev, record.EventJson.Span))}): the record was changed"));
                    }
                }
                else if (key is not null && !record.MacMatches(key))
                {
                    return Broken(At(here, ChainBreakKind.BadMac,
                        $"chain record {record.Sequence}'s MAC {Short(record.Hash)} is not the one the key gives: the record was changed, or the chain rewritten without the key (or it was written under another install key)"));
                }

                if (expected is not null && !record.Prev.AsSpan().SequenceEqual(expected))
                {
                    return Broken(DiagnoseLink(segments, here, record.Prev, previous, cancellationToken));
                }

                if (record.Sequence is { } sequence)
                {
                    var want = lastSequence + 1 ?? (expected is null ? (long?)null : 1);
                    if (want is { } next && sequence != next)
                    {
                        return Broken(At(here, ChainBreakKind.BadSequence, sequence < next
                            ? $"chain record {sequence} comes where {next} should: a sequence is repeated"
                            : $"chain record {sequence} comes where {next} should: {sequence - next} record(s) are missing"));
                    }

                    lastSequence = sequence;
                }
                else
                {
                    legacy++;
                }

                expected = record.Hash;
                previous = here;
                records++;
            }

            if (cursor.PartialBytes > 0)
            {
                torn.Add(new TornWrite(segment.Path, cursor.LineNumber + 1, cursor.PartialBytes));
            }
        }

        return new ChainVerification(records, files, null, torn, uncheckedStart) { LegacyRecords = legacy, KeyChecked = key is not null };

        ChainVerification Broken(ChainBreak found) => new(records, files, found, torn, uncheckedStart) { LegacyRecords = legacy, KeyChecked = key is not null };
    }

    private IReadOnlyList<Segment> Segments()
    {
        if (Directory.Exists(Path))
        {
            return ChainFormat.ListSegments(Path);
        }

        if (System.IO.File.Exists(Path))
        {
            return [new Segment(Path, ChainFormat.SegmentNumber(Path))];
        }

        throw new FileNotFoundException($"No audit chain at {Path}: it is neither a folder nor a file.", Path);
    }

    private static AuditEvent Parse(SegmentCursor cursor, ReadOnlyMemory<byte> line) =>
        ChainFormat.TryParse(line, out var record, out var error)
            ? record.Event
            : throw new InvalidDataException($"{cursor.Segment.Path} line {cursor.LineNumber} is not an audit record ({error}); `secretsync audit --verify` checks the whole chain.");

    // A second pass, only after a break: where, if anywhere, is the record the broken one links to?
    private ChainBreak DiagnoseLink(IReadOnlyList<Segment> segments, Position broken, byte[] prev, Position? previous, CancellationToken cancellationToken)
    {
        var after = previous is null ? "the start of the chain (64 zeros)" : $"the record before it ({previous.Describe()})";
        var expectedText = $"its prev {Short(prev)} is not the hash of {after}";
        Position? target = null;
        long index = 0;
        foreach (var segment in segments)
        {
            using var cursor = new SegmentCursor(segment);
            while (target is null && cursor.TryReadLine(out var line))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (ChainFormat.TryParse(line, out var record, out _) && record.Hash.AsSpan().SequenceEqual(prev))
                {
                    target = new Position(segment, cursor.LineNumber, record.Event.Sequence, record.Event.Id, record.Event.Instance, index);
                }

                index++;
            }

            if (target is not null)
            {
                break;
            }
        }

        if (target is null)
        {
            var missingSegment = broken.Line == 1 && previous is not null && broken.Segment.Number is { } number && previous.Segment.Number is { } before && number > before + 1
                ? $"; segment {ChainFormat.SegmentName(before + 1)} is missing"
                : "";
            var gap = previous is not null && previous.Instance == broken.Instance && broken.Sequence > previous.Sequence + 1
                ? $"; the sequence jumps from {previous.Sequence} to {broken.Sequence}"
                : "";
            return At(broken, ChainBreakKind.Deleted, $"{expectedText}, and no record in the chain has that hash: the record it links to was deleted or replaced{missingSegment}{gap}");
        }

        return target.Index > broken.Index
            ? At(broken, ChainBreakKind.Reordered, $"{expectedText}; it links to {target.Describe()}, which comes after it: records were swapped or moved")
            : At(broken, ChainBreakKind.Inserted, $"{expectedText}; it links to {target.Describe()}, {broken.Index - target.Index - 1} record(s) before it: records were inserted or moved between them");
    }

    private static ChainBreak At(Position position, ChainBreakKind kind, string detail) =>
        new(position.Segment.Path, position.Line, position.Sequence, position.Id, kind, detail);

    private static string Short(ReadOnlySpan<byte> hash) => ChainFormat.Hex(hash)[..12] + "…";

    private sealed record Position(Segment Segment, long Line, long Sequence, string Id, string Instance, long Index)
    {
        public string Describe() => $"{Segment.Name} line {Line}, sequence {Sequence}";
    }
}
