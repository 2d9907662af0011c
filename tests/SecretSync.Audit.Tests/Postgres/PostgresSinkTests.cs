using Microsoft.Extensions.Logging;
using SecretSync.Audit.FileChain;
using SecretSync.Audit.Postgres;
using SecretSync.Audit.Query;
using SecretSync.Core.Audit;
using SecretSync.Testing;

namespace SecretSync.Audit.Tests.Postgres;

public sealed class PostgresSinkTests(PostgresFixture fixture) : IClassFixture<PostgresFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [PeerFact("postgres")]
    public async Task Start_CreatesTheSchemaWithItsIndexes_AndStoresEveryField()
    {
        var database = await fixture.Server.CreateDatabaseAsync("schema");
        var original = PgSome.Event() with { Error = "none", Time = new DateTimeOffset(2026, 3, 4, 5, 6, 7, 891, TimeSpan.Zero) };
        await using (var sink = NewSink(database))
        {
            await sink.WriteAsync(original, default);
            await FlushAsync(sink);
        }

        await using var store = new PostgresAuditStore(database);
        var stored = Assert.Single(await ReadAllAsync(store));
        Assert.Equal(original, stored);
        Assert.Equal(PostgresSchema.CurrentVersion, await PgSome.ScalarAsync<int>(database, "SELECT max(version) FROM schema_version"));
        var indexes = await fixture.Server.QueryAsync(DatabaseName(database), "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE tablename = 'audit_events'");
        Assert.Equal("audit_events_action,audit_events_cluster,audit_events_namespace,audit_events_pkey,audit_events_source,audit_events_time", indexes);
    }

    [PeerFact("postgres")]
    public async Task TheSameEventTwice_IsStoredOnce_EvenFromAnotherSinkAfterARestart()
    {
        var database = await fixture.Server.CreateDatabaseAsync("idempotent");
        var auditEvent = PgSome.Event();
        await using (var sink = NewSink(database))
        {
            await sink.WriteAsync(auditEvent, default);
            await sink.WriteAsync(auditEvent, default);
            await FlushAsync(sink);
        }

        await using (var again = NewSink(database))
        {
            await again.WriteAsync(auditEvent, default);
            await FlushAsync(again);
        }

        Assert.Equal([auditEvent.Id], await PgSome.StoredIdsAsync(database));
    }

    [PeerFact("postgres")]
    public async Task EventsAKilledProcessHadNotSent_AreSentFromItsFileChainAtTheNextStart_BeforeNewOnes()
    {
        var database = await fixture.Server.CreateDatabaseAsync("recover");
        var chain = PgSome.TempFolder();
        var events = PgSome.Events(6);
        var otherInstance = PgSome.Event() with { Instance = "secretsync-1" };
        // The killed run: its file sink appended four events, its PostgreSQL sink had sent only the first two.
        await using (var file = new ChainedFileSink(new ChainedFileSinkOptions { Path = chain }, TimeProvider.System))
        {
            foreach (var auditEvent in events.Take(4).Append(otherInstance))
            {
                await file.WriteAsync(auditEvent, default);
            }
        }

        await using (var killed = NewSink(database))
        {
            await killed.WriteAsync(events[0], default);
            await killed.WriteAsync(events[1], default);
            await FlushAsync(killed);
        }

        await using (var next = new PostgresSink(Options(database) with { RecoverFromChain = chain, Instance = "secretsync-0" }, TimeProvider.System))
        {
            await next.WriteAsync(events[4], default);
            await next.WriteAsync(events[5], default);
            await FlushAsync(next);
        }

        Assert.Equal(events.Select(e => e.Id), await PgSome.StoredIdsAsync(database));
    }

    [PeerFact("postgres")]
    public async Task ManySinksStartingTogether_MigrateOnce_AndAllWrite()
    {
        var database = await fixture.Server.CreateDatabaseAsync("concurrent");
        var sinks = Enumerable.Range(0, 4).Select(_ => NewSink(database)).ToList();
        var events = PgSome.Events(40);
        await Task.WhenAll(sinks.Select(async (sink, i) =>
        {
            foreach (var auditEvent in events.Where((_, j) => j % sinks.Count == i))
            {
                await sink.WriteAsync(auditEvent, default);
            }

            await FlushAsync(sink);
        }));
        foreach (var sink in sinks)
        {
            await sink.DisposeAsync();
        }

        Assert.Equal(40L, await PgSome.ScalarAsync<long>(database, "SELECT count(*) FROM audit_events"));
        Assert.Equal((long)PostgresSchema.CurrentVersion, await PgSome.ScalarAsync<long>(database, "SELECT count(*) FROM schema_version"));
    }

    [PeerFact("postgres")]
    public async Task EventsWrittenWhileTheDatabaseIsUnreachable_WaitOnDisk_AndTheNextSinkSendsThemInOrder()
    {
        var database = await fixture.Server.CreateDatabaseAsync("later");
        var folder = PgSome.TempFolder();
        var events = PgSome.Events(120);
        await using (var offline = new PostgresSink(Options(PgSome.DeadConnectionString(), folder) with { ShutdownGrace = TimeSpan.FromSeconds(1) }, TimeProvider.System))
        {
            foreach (var auditEvent in events)
            {
                await offline.WriteAsync(auditEvent, default);
            }

            await Eventually(() => offline.BufferedBytes > 0 && CountLines(folder) == events.Count, "all events buffered on disk");
            Assert.Equal(0, offline.DroppedEvents);
        }

        Assert.Equal(events.Count, CountLines(folder));
        await using (var online = new PostgresSink(Options(database, folder), TimeProvider.System))
        {
            await FlushAsync(online);
            Assert.Equal(0, online.BufferedBytes);
        }

        Assert.Equal(events.Select(e => e.Id), await PgSome.StoredIdsAsync(database));
        Assert.Empty(Directory.EnumerateFiles(folder, "*.jsonl"));
    }

    [PeerFact("postgres")]
    public async Task AFullBuffer_DropsItsOldestEvents_CountsThem_AndKeepsTheNewestInOrder()
    {
        var database = await fixture.Server.CreateDatabaseAsync("bound");
        var folder = PgSome.TempFolder();
        var events = PgSome.Events(200);
        long dropped;
        await using (var offline = new PostgresSink(Options(PgSome.DeadConnectionString(), folder) with { MaxBufferBytes = 16 * 1024, ShutdownGrace = TimeSpan.Zero }, TimeProvider.System))
        {
            foreach (var auditEvent in events)
            {
                await offline.WriteAsync(auditEvent, default);
            }

            await Eventually(() => offline.DroppedEvents + CountLines(folder) == events.Count, "every event buffered or dropped");
            dropped = offline.DroppedEvents;
            Assert.InRange(offline.BufferedBytes, 1, 16 * 1024);
        }

        Assert.InRange(dropped, 1, events.Count - 1);
        Assert.True(Directory.EnumerateFiles(folder, "*.jsonl").Sum(f => new FileInfo(f).Length) <= 16 * 1024);
        await using (var online = new PostgresSink(Options(database, folder), TimeProvider.System))
        {
            await FlushAsync(online);
        }

        Assert.Equal(events.Skip((int)dropped).Select(e => e.Id), await PgSome.StoredIdsAsync(database));
    }

    [PeerFact("postgres")]
    public async Task TwoSinks_CannotShareABufferFolder()
    {
        var folder = PgSome.TempFolder();
        await using var first = NewSink(await fixture.Server.CreateDatabaseAsync("lock"), folder);
        var refused = Assert.Throws<IOException>(() => NewSink(fixture.Server.ConnectionString, folder));
        Assert.Contains("in use by another", refused.Message, StringComparison.Ordinal);
    }

    [PeerFact("postgres")]
    public async Task ThePassword_AppearsInNoLogOrDescription()
    {
        var logs = new ListLogger<PostgresSink>();
        var connection = PgSome.DeadConnectionString() + ";Password=hunter2-do-not-print";
        var options = Options(connection, PgSome.TempFolder()) with { ShutdownGrace = TimeSpan.Zero };
        await using (var sink = new PostgresSink(options, TimeProvider.System, logs))
        {
            await sink.WriteAsync(PgSome.Event(), default);
            await Eventually(() => sink.BufferedBytes > 0, "event buffered");
            Assert.DoesNotContain("hunter2", sink.ToString(), StringComparison.Ordinal);
        }

        await using var store = new PostgresAuditStore(connection);
        Assert.Contains(logs.Lines, l => l.Contains("unavailable", StringComparison.Ordinal));
        Assert.DoesNotContain("hunter2", string.Join('\n', logs.Lines) + options + store, StringComparison.Ordinal);
        Assert.Contains("Password=***", store.Target, StringComparison.Ordinal);
    }

    internal static PostgresSinkOptions Options(string connectionString, string? folder = null) => new()
    {
        ConnectionString = connectionString,
        BufferFolder = folder ?? PgSome.TempFolder(),
        RetryInterval = TimeSpan.FromMilliseconds(200),
        BatchInterval = TimeSpan.FromMilliseconds(50),
    };

    private static PostgresSink NewSink(string connectionString, string? folder = null) => new(Options(connectionString, folder), TimeProvider.System);

    internal static async Task FlushAsync(PostgresSink sink)
    {
        using var timeout = new CancellationTokenSource(Patience);
        await sink.FlushAsync(timeout.Token);
    }

    internal static async Task<List<AuditEvent>> ReadAllAsync(PostgresAuditStore store, AuditFilter? filter = null)
    {
        var events = new List<AuditEvent>();
        await foreach (var auditEvent in store.QueryAsync(filter ?? new AuditFilter(), default))
        {
            events.Add(auditEvent);
        }

        return events;
    }

    internal static Task Eventually(Func<bool> condition, string what) => Testing.Eventually.TrueAsync(condition, what, Patience);

    internal static int CountLines(string folder) =>
        Directory.EnumerateFiles(folder, "*.jsonl").Sum(f =>
        {
            try
            {
                return File.ReadLines(f).Count(l => l.Length > 0);
            }
            catch (IOException)
            {
                return 0;
            }
        });

    private static string DatabaseName(string connectionString) => new Npgsql.NpgsqlConnectionStringBuilder(connectionString).Database!;
}

/// <summary>Keeps formatted log lines.</summary>
internal sealed class ListLogger<T> : ILogger<T>
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _lines.Enqueue($"{logLevel}: {formatter(state, exception)} {exception}");
}
