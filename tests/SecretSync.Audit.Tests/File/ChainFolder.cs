using SecretSync.Audit.FileChain;
using SecretSync.Core.Audit;
using SecretSync.Core.Configuration;
using SecretSync.Testing;

namespace SecretSync.Audit.Tests.FileChain;

/// <summary>A temporary folder for one chain, with events built from known strings and helpers to edit segments by line.</summary>
public sealed class ChainFolder : IDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public ChainFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "secretsync-chain-tests", Guid.NewGuid().ToString("n"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public ManualTimeProvider Clock { get; } = new(Start);

    public ChainedFileSink Sink(long maxBytes = 1024 * 1024, FsyncPolicy fsync = FsyncPolicy.Never, ChainKey? key = null) =>
        new(new ChainedFileSinkOptions { Path = Path, MaxBytes = maxBytes, Fsync = fsync, Key = key }, Clock);

    public ChainedFileReader Reader() => new(Path, Clock, TimeSpan.FromMilliseconds(10));

    public string Segment(int number) => System.IO.Path.Combine(Path, $"audit-{number:D6}.jsonl");

    public IReadOnlyList<string> SegmentNames() =>
        [.. Directory.EnumerateFiles(Path, "audit-*.jsonl").Select(System.IO.Path.GetFileName).Order(StringComparer.Ordinal)!];

    /// <summary>An event numbered <paramref name="sequence"/>, a minute after the previous one.</summary>
    public static AuditEvent Event(
        long sequence,
        string action = AuditActions.Updated,
        string ns = "payments",
        string secret = "db-credentials",
        string cluster = "prod-eu",
        string outcome = AuditOutcomes.Success,
        string source = "kv/payments/db",
        string? error = null) => new()
        {
            Id = $"0190a000-0000-7000-8000-{sequence:D12}",
            Sequence = sequence,
            Time = Start.AddMinutes(sequence),
            Cluster = cluster,
            Instance = "secretsync-0",
            Action = action,
            Outcome = outcome,
            Trigger = AuditTriggers.Poll,
            Namespace = ns,
            Secret = secret,
            Bundle = "payments-db",
            Provider = "vault",
            Source = source,
            SourceVersion = (sequence + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
            PreviousVersion = sequence.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ContentHmac = "hmac-sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            Error = error,
            LatencyMs = 12.5,
        };

    /// <summary>Writes events 1..<paramref name="count"/> (or the given ones) through a fresh sink and closes it.</summary>
    public async Task WriteAsync(int count, long maxBytes = 1024 * 1024, FsyncPolicy fsync = FsyncPolicy.Never, long first = 1, ChainKey? key = null)
    {
        await using var sink = Sink(maxBytes, fsync, key);
        for (var sequence = first; sequence < first + count; sequence++)
        {
            await sink.WriteAsync(Event(sequence), CancellationToken.None);
        }
    }

    public async Task<List<AuditEvent>> ReadAllAsync(ChainedFileReader? reader = null)
    {
        var events = new List<AuditEvent>();
        await foreach (var auditEvent in (reader ?? Reader()).QueryAsync(new Query.AuditFilter(), CancellationToken.None))
        {
            events.Add(auditEvent);
        }

        return events;
    }

    /// <summary>The lines of a segment, without their newlines (a torn tail, if any, as the last element).</summary>
    public static List<string> Lines(string segment)
    {
        var text = System.IO.File.ReadAllText(segment);
        var lines = text.Split('\n').ToList();
        if (lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        return lines;
    }

    /// <summary>Rewrites a segment from lines, each ended by a newline.</summary>
    public static void Rewrite(string segment, IEnumerable<string> lines) =>
        System.IO.File.WriteAllText(segment, string.Concat(lines.Select(l => l + "\n")));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temporary folder left behind does no harm.
        }
    }
}
