using SecretSync.Core.Configuration;

namespace SecretSync.Audit.FileChain;

/// <summary>Where and how the <see cref="ChainedFileSink"/> writes its hash-chained segments.</summary>
public sealed record ChainedFileSinkOptions
{
    /// <summary>The default of <see cref="BatchInterval"/>: 200 milliseconds.</summary>
    public static readonly TimeSpan DefaultBatchInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>The default of <see cref="BatchRecords"/>.</summary>
    public const int DefaultBatchRecords = 100;

    /// <summary>The folder holding the chain's segments, <c>audit-000001.jsonl</c>, <c>audit-000002.jsonl</c>, …; created when missing.</summary>
    /// <remarks>Always a folder, never a file: rotation adds segments beside each other. In <c>dev</c> it is <c>&lt;state-dir&gt;/audit</c>.</remarks>
    public required string Path { get; init; }

    /// <summary>The size a segment may reach before the next record goes to a new segment.</summary>
    /// <value>64 MiB (<see cref="AuditFileSettings.DefaultMaxBytes"/>). A single record larger than this gets a segment of its own.</value>
    public long MaxBytes { get; init; } = AuditFileSettings.DefaultMaxBytes;

    /// <summary>When written records are forced to disk.</summary>
    /// <value><see cref="FsyncPolicy.Batch"/> (<see cref="AuditFileSettings.DefaultFsync"/>).</value>
    public FsyncPolicy Fsync { get; init; } = AuditFileSettings.DefaultFsync;

    /// <summary>How long a closed segment is kept after its newest record; older ones are deleted at start and whenever a segment is closed.</summary>
    /// <value>Null: segments are kept forever. Once segment 1 is gone, <c>--verify</c> notes that the chain's first link is not checked.</value>
    public TimeSpan? Retention { get; init; }

    /// <summary>The key that authenticates each record (HMAC-SHA256), derived from the daemon's install key.</summary>
    /// <value>Null writes legacy, unkeyed records, which <c>--verify</c> reports as not authenticated; the daemon always sets it.</value>
    public ChainKey? Key { get; init; }

    /// <summary>Under <see cref="FsyncPolicy.Batch"/>, the longest a written record waits for its fsync.</summary>
    /// <value>200 milliseconds.</value>
    public TimeSpan BatchInterval { get; init; } = DefaultBatchInterval;

    /// <summary>Under <see cref="FsyncPolicy.Batch"/>, the most records that wait for an fsync; the one that reaches it is synced at once.</summary>
    /// <value>100.</value>
    public int BatchRecords { get; init; } = DefaultBatchRecords;

    /// <summary>The options the <c>audit.file</c> section of the configuration asks for, keyed with <paramref name="key"/>, with the batch defaults.</summary>
    public static ChainedFileSinkOptions From(AuditFileSettings settings, ChainKey key)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(key);
        return new ChainedFileSinkOptions { Path = settings.Path, MaxBytes = settings.MaxBytes, Fsync = settings.Fsync, Key = key, Retention = settings.Retention };
    }

    /// <summary>Checks every value.</summary>
    /// <exception cref="ArgumentException"><see cref="Path"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size, count or interval is zero or negative, or the policy is unknown.</exception>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Path);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxBytes);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(BatchInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(BatchRecords);
        if (Retention is { } retention)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(retention, TimeSpan.Zero, nameof(Retention));
        }
        if (!Enum.IsDefined(Fsync))
        {
            throw new ArgumentOutOfRangeException(nameof(Fsync), Fsync, "Fsync must be always, batch or never.");
        }
    }
}
