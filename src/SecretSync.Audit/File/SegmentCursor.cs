namespace SecretSync.Audit.FileChain;

/// <summary>Reads the newline-terminated lines of one segment, and later the lines appended to it since.</summary>
/// <remarks>
/// Only a line ended by <c>\n</c> is complete. Bytes after the last newline are held back as <see cref="PartialBytes"/>: a write
/// still in progress while the file is live, or a torn write once a newer segment exists.
/// </remarks>
internal sealed class SegmentCursor : IDisposable
{
    private const int ChunkBytes = 64 * 1024;

    private readonly FileStream _stream;
    private byte[] _buffer = new byte[ChunkBytes];
    private int _start;
    private int _end;

    public SegmentCursor(Segment segment)
    {
        Segment = segment;
        _stream = new FileStream(segment.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1);
    }

    public Segment Segment { get; }

    /// <summary>Complete lines read so far; the number of the last line returned.</summary>
    public long LineNumber { get; private set; }

    /// <summary>Bytes read after the last complete line.</summary>
    public int PartialBytes => _end - _start;

    /// <summary>The next complete line (without its newline), reading more of the file as needed; false when there is none yet.</summary>
    public bool TryReadLine(out ReadOnlyMemory<byte> line)
    {
        while (true)
        {
            var newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                line = _buffer.AsMemory(_start, newline).ToArray();
                _start += newline + 1;
                LineNumber++;
                return true;
            }

            if (_start > 0)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }

            if (_end == _buffer.Length)
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }

            var read = _stream.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0)
            {
                line = default;
                return false;
            }

            _end += read;
        }
    }

    public void Dispose() => _stream.Dispose();
}

/// <summary>The end of a segment file, read backwards: its last complete line and whether a torn write follows it.</summary>
/// <param name="LastLine">The last newline-terminated line (without the newline), or null when there is none.</param>
/// <param name="LastLineOffset">Where that line starts in the file.</param>
/// <param name="Torn">True when bytes follow the last newline.</param>
/// <param name="Length">The file's length in bytes.</param>
internal sealed record SegmentTail(byte[]? LastLine, long LastLineOffset, bool Torn, long Length)
{
    private const int BlockBytes = 8 * 1024;

    public static SegmentTail Read(string path)
    {
        using var handle = System.IO.File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var length = RandomAccess.GetLength(handle);
        var lastNewline = FindNewlineBefore(handle, length);
        if (lastNewline < 0)
        {
            return new SegmentTail(null, 0, length > 0, length);
        }

        var lineStart = FindNewlineBefore(handle, lastNewline) + 1;
        var line = new byte[lastNewline - lineStart];
        RandomAccess.Read(handle, line, lineStart);
        return new SegmentTail(line, lineStart, lastNewline + 1 < length, length);
    }

    private static long FindNewlineBefore(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long end)
    {
        var block = new byte[BlockBytes];
        while (end > 0)
        {
            var start = Math.Max(0, end - BlockBytes);
            var span = block.AsSpan(0, (int)(end - start));
            RandomAccess.Read(handle, span, start);
            var at = span.LastIndexOf((byte)'\n');
            if (at >= 0)
            {
                return start + at;
            }

            end = start;
        }

        return -1;
    }

    /// <summary>The 1-based number of the line starting at <paramref name="offset"/>; a pass over the file, for messages only.</summary>
    public static long LineNumberAt(string path, long offset)
    {
        using var handle = System.IO.File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return CountNewlines(handle, offset) + 1;
    }

    private static long CountNewlines(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long length)
    {
        var block = new byte[64 * 1024];
        long count = 0;
        for (long at = 0; at < length;)
        {
            var read = RandomAccess.Read(handle, block.AsSpan(0, (int)Math.Min(block.Length, length - at)), at);
            if (read == 0)
            {
                break;
            }

            count += block.AsSpan(0, read).Count((byte)'\n');
            at += read;
        }

        return count;
    }
}
