using SecretSync.Audit.FileChain;
using SecretSync.Audit.Query;
using SecretSync.Core.Audit;
using SecretSync.Testing;

namespace SecretSync.Audit.Tests.FileChain;

public sealed class ChainedFileReaderTests
{
    [Fact]
    public async Task Query_ReturnsEventsOldestFirstAcrossSegments()
    {
        using var folder = new ChainFolder();
        await folder.WriteAsync(12, maxBytes: 2000);

        var events = await folder.ReadAllAsync();

        Assert.True(folder.SegmentNames().Count > 3);
        Assert.Equal(Enumerable.Range(1, 12).Select(i => (long)i), events.Select(e => e.Sequence));
        Assert.Equal(ChainFolder.Event(7), events[6]);
    }

    [Fact]
    public async Task Query_OverOneSegmentFile_ReadsThatFileOnly()
    {
        using var folder = new ChainFolder();
        await folder.WriteAsync(12, maxBytes: 2000);

        var events = await folder.ReadAllAsync(new ChainedFileReader(folder.Segment(2)));

        Assert.Equal([4L, 5, 6], events.Select(e => e.Sequence));
    }

    [Fact]
    public async Task Query_AppliesEveryFilter()
    {
        using var folder = new ChainFolder();
        await using (var sink = folder.Sink())
        {
            AuditEvent[] events =
            [
                ChainFolder.Event(1),
                ChainFolder.Event(2, action: AuditActions.Created, ns: "billing", secret: "api-key", source: "kv/billing/api"),
                ChainFolder.Event(3, cluster: "prod-us"),
                ChainFolder.Event(4, action: AuditActions.Failed, outcome: AuditOutcomes.Failure, error: "provider unavailable"),
                ChainFolder.Event(5, action: AuditActions.Revoked),
            ];
            foreach (var auditEvent in events)
            {
                await sink.WriteAsync(auditEvent, CancellationToken.None);
            }
        }

        Assert.Equal([2L], await SequencesAsync(folder, new AuditFilter { Namespace = "billing" }));
        Assert.Equal([2L], await SequencesAsync(folder, new AuditFilter { Secret = "billing/api-key" }));
        Assert.Equal([1L, 3, 4, 5], await SequencesAsync(folder, new AuditFilter { Secret = "db-credentials" }));
        Assert.Equal([3L], await SequencesAsync(folder, new AuditFilter { Cluster = "prod-us" }));
        Assert.Equal([2L], await SequencesAsync(folder, new AuditFilter { Source = "vault:kv/billing/api" }));
        Assert.Equal([4L], await SequencesAsync(folder, new AuditFilter { Action = AuditActions.Failed }));
        Assert.Equal([4L], await SequencesAsync(folder, new AuditFilter { Outcome = AuditOutcomes.Failure }));
        Assert.Equal([2L, 3], await SequencesAsync(folder, new AuditFilter { Since = ChainFolder.Start.AddMinutes(2), Until = ChainFolder.Start.AddMinutes(4) }));
        Assert.Equal([5L], await SequencesAsync(folder, new AuditFilter { Action = AuditActions.Revoked, Namespace = "payments", Cluster = "prod-eu" }));
    }

    [Fact]
    public async Task Query_SkipsATornTail_ButThrowsOnACompleteLineThatIsNotARecord()
    {
        using var folder = new ChainFolder();
        await folder.WriteAsync(2);
        File.AppendAllText(folder.Segment(1), "{\"prev\":");
        Assert.Equal(2, (await folder.ReadAllAsync()).Count);

        File.AppendAllText(folder.Segment(1), "\n");

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => folder.ReadAllAsync());
        Assert.Contains("audit-000001.jsonl line 3 is not an audit record", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Follow_ReturnsWhatIsOnDisk_ThenNewRecordsAsTheyAreWritten_AcrossRotation()
    {
        using var folder = new ChainFolder();
        await using var sink = folder.Sink(maxBytes: 2000);
        await sink.WriteAsync(ChainFolder.Event(1), CancellationToken.None);
        var reader = new ChainedFileReader(folder.Path, TimeProvider.System, TimeSpan.FromMilliseconds(10));
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var seen = new List<long>();
        var following = Task.Run(async () =>
        {
            await foreach (var auditEvent in reader.FollowAsync(new AuditFilter { Action = AuditActions.Updated }, stop.Token))
            {
                lock (seen)
                {
                    seen.Add(auditEvent.Sequence);
                }

                if (auditEvent.Sequence == 8)
                {
                    return;
                }
            }
        });

        await Eventually.TrueAsync(() => { lock (seen) { return seen.Count == 1; } }, "the record already on disk");
        for (var sequence = 2; sequence <= 8; sequence++)
        {
            var auditEvent = sequence == 5 ? ChainFolder.Event(sequence, action: AuditActions.Created) : ChainFolder.Event(sequence);
            await sink.WriteAsync(auditEvent, CancellationToken.None);
        }

        await following.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal([1L, 2, 3, 4, 6, 7, 8], seen);
        Assert.True(folder.SegmentNames().Count > 1);
    }

    [Fact]
    public async Task Follow_WaitsForAFolderWithoutSegments_AndSkipsATornTailOnceANewerSegmentExists()
    {
        using var folder = new ChainFolder();
        var reader = new ChainedFileReader(folder.Path, TimeProvider.System, TimeSpan.FromMilliseconds(10));
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var seen = new List<long>();
        var following = Task.Run(async () =>
        {
            await foreach (var auditEvent in reader.FollowAsync(new AuditFilter(), stop.Token))
            {
                lock (seen)
                {
                    seen.Add(auditEvent.Sequence);
                }

                if (auditEvent.Sequence == 3)
                {
                    return;
                }
            }
        });

        await Task.Delay(50);
        await folder.WriteAsync(2);
        await Eventually.TrueAsync(() => { lock (seen) { return seen.Count == 2; } }, "the first two records");
        File.AppendAllText(folder.Segment(1), "{\"prev\":\"torn");
        await folder.WriteAsync(1, first: 3);

        await following.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal([1L, 2, 3], seen);
    }

    [Fact]
    public async Task Follow_EndsWhenCancelled()
    {
        using var folder = new ChainFolder();
        await folder.WriteAsync(1);
        using var stop = new CancellationTokenSource();
        var reader = new ChainedFileReader(folder.Path, TimeProvider.System, TimeSpan.FromMilliseconds(10));

        var following = Task.Run(async () =>
        {
            await foreach (var auditEvent in reader.FollowAsync(new AuditFilter(), stop.Token))
            {
                await stop.CancelAsync();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => following.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    private static async Task<List<long>> SequencesAsync(ChainFolder folder, AuditFilter filter)
    {
        var sequences = new List<long>();
        await foreach (var auditEvent in folder.Reader().QueryAsync(filter, CancellationToken.None))
        {
            sequences.Add(auditEvent.Sequence);
        }

        return sequences;
    }
}
