namespace SecretSync.Audit.Postgres;

/// <summary>Where and how the <see cref="PostgresSink"/> writes: the database, batching, and the outage buffer.</summary>
public sealed record PostgresSinkOptions
{
    /// <summary>The default of <see cref="BatchSize"/>.</summary>
    public const int DefaultBatchSize = 500;

    /// <summary>The default of <see cref="MaxBufferBytes"/>: 64 MiB.</summary>
    public const long DefaultMaxBufferBytes = 64L * 1024 * 1024;

    /// <summary>The Npgsql connection string; may hold a password, so it is never printed unredacted.</summary>
    public required string ConnectionString { get; init; }

    /// <summary>The folder holding events written while the database is unreachable, as JSON lines files.</summary>
    /// <remarks>One sink per folder: the sink holds a lock file there. Events left from an earlier run are sent first.</remarks>
    public required string BufferFolder { get; init; }

    /// <summary>The folder of the file chain this same daemon writes (its file sink), if it has one.</summary>
    /// <remarks>
    /// A process killed outright loses the events the sink had not sent yet, while the file sink has already appended them.
    /// So at its first successful connection the sink sends first the chain's events of <see cref="Instance"/> from the newest
    /// one the store holds from that instance on (at most <see cref="RecoveryWindow"/> back); ids already stored are skipped.
    /// </remarks>
    /// <value>Null: nothing is recovered.</value>
    public string? RecoverFromChain { get; init; }

    /// <summary>The daemon instance whose chain events <see cref="RecoverFromChain"/> recovers; required with it.</summary>
    public string? Instance { get; init; }

    /// <summary>How far back <see cref="RecoverFromChain"/> looks when the store holds nothing from the instance yet.</summary>
    /// <value>1 hour.</value>
    public TimeSpan RecoveryWindow { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Most events sent in one insert.</summary>
    /// <value>500.</value>
    public int BatchSize { get; init; } = DefaultBatchSize;

    /// <summary>Longest an event waits for its batch to fill before the batch is sent anyway.</summary>
    /// <value>200 ms.</value>
    public TimeSpan BatchInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Most bytes the outage buffer holds; when full, its oldest events are dropped and counted.</summary>
    /// <value>64 MiB.</value>
    public long MaxBufferBytes { get; init; } = DefaultMaxBufferBytes;

    /// <summary>How long after a failed attempt the database is tried again while events wait in the buffer.</summary>
    /// <value>1 second.</value>
    public TimeSpan RetryInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long disposing waits for the database before putting what is still in memory into the buffer.</summary>
    /// <value>5 seconds.</value>
    public TimeSpan ShutdownGrace { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A buffer folder for one daemon instance of one cluster under the system's temporary folder.</summary>
    /// <param name="cluster">The cluster name from the configuration.</param>
    /// <param name="instance">The daemon instance (pod name).</param>
    public static string DefaultBufferFolder(string cluster, string instance)
    {
        ArgumentException.ThrowIfNullOrEmpty(cluster);
        ArgumentException.ThrowIfNullOrEmpty(instance);
        var name = string.Concat($"{cluster}-{instance}".Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
        return Path.Combine(Path.GetTempPath(), "secretsync", "audit-postgres", name);
    }

    /// <summary>Checks every value.</summary>
    /// <exception cref="ArgumentException">The connection string or buffer folder is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A size or interval is zero or negative, or the buffer is smaller than 4 KiB.</exception>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(ConnectionString);
        ArgumentException.ThrowIfNullOrWhiteSpace(BufferFolder);
        if (RecoverFromChain is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(Instance);
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(BatchSize);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(BatchInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBufferBytes, 4096);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RetryInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(ShutdownGrace, TimeSpan.Zero);
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"PostgresSinkOptions {{ ConnectionString = {PostgresSchema.Redact(ConnectionString)}, BufferFolder = {BufferFolder}, " +
        $"BatchSize = {BatchSize}, BatchInterval = {BatchInterval}, MaxBufferBytes = {MaxBufferBytes} }}";
}
