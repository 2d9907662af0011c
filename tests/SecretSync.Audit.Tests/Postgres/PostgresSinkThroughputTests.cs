using System.Diagnostics;
using SecretSync.Audit.Postgres;
using SecretSync.Core.Audit;
using SecretSync.Testing;
using Xunit.Abstractions;

namespace SecretSync.Audit.Tests.Postgres;

public sealed class PostgresSinkThroughputTests(PostgresFixture fixture, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    [PeerFact("postgres")]
    public async Task TwentyThousandEvents_ReportsEventsPerSecond_AndBytesPerEvent()
    {
        const int Count = 20_000;
        var database = await fixture.Server.CreateDatabaseAsync("throughput");
        var events = Enumerable.Range(0, Count).Select(i => PgSome.Event(ns: $"team-{i % 200}", version: $"{i}") with
        {
            ContentHmac = $"hmac-sha256:{Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())}{Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())}",
        }).ToList();
        await using var sink = new PostgresSink(new PostgresSinkOptions { ConnectionString = database, BufferFolder = PgSome.TempFolder() }, TimeProvider.System);
        foreach (var warm in PgSome.Events(500))
        {
            await sink.WriteAsync(warm, default);
        }

        await PostgresSinkTests.FlushAsync(sink);

        var clock = Stopwatch.StartNew();
        foreach (var auditEvent in events)
        {
            await sink.WriteAsync(auditEvent, default);
        }

        await PostgresSinkTests.FlushAsync(sink);
        clock.Stop();

        var rows = await PgSome.ScalarAsync<long>(database, "SELECT count(*) FROM audit_events");
        var bytes = await PgSome.ScalarAsync<long>(database, "SELECT pg_total_relation_size('audit_events')");
        var jsonBytes = events.Average(e => AuditJson.SerializeToUtf8Bytes(e).Length + 1);
        output.WriteLine($"PostgreSQL sink: {Count} events in {clock.Elapsed.TotalMilliseconds:F0} ms = {Count / clock.Elapsed.TotalSeconds:F0} events/s " +
                         $"(batches of {PostgresSinkOptions.DefaultBatchSize}); table incl. indexes {bytes} bytes / {rows} rows = {(double)bytes / rows:F0} bytes/event " +
                         $"(JSON line {jsonBytes:F0} bytes)");
        Assert.Equal(Count + 500, rows);
        Assert.Equal(0, sink.BufferedBytes);
    }
}
