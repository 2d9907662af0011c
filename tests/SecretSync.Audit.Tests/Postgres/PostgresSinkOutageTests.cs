using SecretSync.Audit.Postgres;
using SecretSync.Core.Audit;
using SecretSync.Testing;

namespace SecretSync.Audit.Tests.Postgres;

/// <summary>Stops and restarts its own server, so it has a fixture of its own.</summary>
public sealed class PostgresSinkOutageTests(PostgresFixture fixture) : IClassFixture<PostgresFixture>
{
    [PeerFact("postgres")]
    public async Task ADatabaseOutageDuringWrites_LosesNothing_DuplicatesNothing_AndKeepsTheOrder()
    {
        var database = await fixture.Server.CreateDatabaseAsync("outage");
        var folder = PgSome.TempFolder();
        var events = PgSome.Events(600);
        await using var sink = new PostgresSink(PostgresSinkTests.Options(database, folder), TimeProvider.System);

        await WriteAsync(sink, events.Take(200));
        await PostgresSinkTests.FlushAsync(sink);
        Assert.Equal(200, (await PgSome.StoredIdsAsync(database)).Count);

        await fixture.Server.StopAsync();
        await WriteAsync(sink, events.Skip(200).Take(200));
        await PostgresSinkTests.Eventually(() => PostgresSinkTests.CountLines(folder) == 200, "the outage's events buffered on disk");

        await fixture.Server.StartAgainAsync();
        await WriteAsync(sink, events.Skip(400));
        await PostgresSinkTests.FlushAsync(sink);

        Assert.Equal(events.Select(e => e.Id), await PgSome.StoredIdsAsync(database));
        Assert.Equal(0, sink.DroppedEvents);
        Assert.Equal(0, sink.BufferedBytes);
        Assert.Empty(Directory.EnumerateFiles(folder, "*.jsonl"));
    }

    /// <summary>Writes as the audit trail's pump does: one event at a time, a little apart.</summary>
    private static async Task WriteAsync(PostgresSink sink, IEnumerable<AuditEvent> events)
    {
        var i = 0;
        foreach (var auditEvent in events)
        {
            await sink.WriteAsync(auditEvent, default);
            if (++i % 20 == 0)
            {
                await Task.Delay(10);
            }
        }
    }
}
