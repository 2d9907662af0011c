using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SecretSync.Audit.FileChain;
using SecretSync.Core.Audit;
using SecretSync.Core.Configuration;

namespace SecretSync.Audit.Tests.FileChain;

public sealed class ChainedFileSinkTests
{
    [Fact]
    public async Task EachRecord_CarriesTheEventThePreviousHashAndItsOwnHash()
    {
        using var folder = new ChainFolder();

        await folder.WriteAsync(3);

        Assert.Equal(["audit-000001.jsonl"], folder.SegmentNames());
        var lines = ChainFolder.Lines(folder.Segment(1));
        Assert.Equal(3, lines.Count);
        var previous = new string('0', 64);
        for (var i = 0; i < lines.Count; i++)
        {
            using var record = JsonDocument.Parse(lines[i]);
            var root = record.RootElement;
            Assert.Equal(["prev", "hash", "event"], root.EnumerateObject().Select(p => p.Name));
            Assert.Equal(previous, root.GetProperty("prev").GetString());
            var eventJson = AuditJson.Serialize(ChainFolder.Event(i + 1));
            Assert.Equal(eventJson, root.GetProperty("event").GetRawText());
            var expected = Convert.ToHexStringLower(SHA256.HashData([.. Convert.FromHexString(previous), .. Encoding.UTF8.GetBytes(eventJson)]));
            Assert.Equal(expected, root.GetProperty("hash").GetString());
            previous = expected;
        }

        Assert.Equal([1L, 2, 3], (await folder.ReadAllAsync()).Select(e => e.Sequence));
    }

    [Fact]
    public async Task RotationBySize_StartsNumberedSegments_AndTheChainRunsAcrossThem()
    {
        using var folder = new ChainFolder();
        var oneRecord = RecordLength(1);

        await folder.WriteAsync(10, maxBytes: (oneRecord * 3) + 10);

        Assert.Equal(["audit-000001.jsonl", "audit-000002.jsonl", "audit-000003.jsonl", "audit-000004.jsonl"], folder.SegmentNames());
        Assert.All(folder.SegmentNames().Select(n => new FileInfo(Path.Combine(folder.Path, n)).Length), size => Assert.True(size <= (oneRecord * 3) + 10));
        using var lastOfFirst = JsonDocument.Parse(ChainFolder.Lines(folder.Segment(1))[^1]);
        using var firstOfSecond = JsonDocument.Parse(ChainFolder.Lines(folder.Segment(2))[0]);
        Assert.Equal(lastOfFirst.RootElement.GetProperty("hash").GetString(), firstOfSecond.RootElement.GetProperty("prev").GetString());
        var verification = folder.Reader().Verify();
        Assert.True(verification.IsIntact, verification.FirstBreak?.ToString());
        Assert.Equal((10L, 4), (verification.Records, verification.Files));
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), (await folder.ReadAllAsync()).Select(e => e.Sequence));
    }

    [Fact]
    public async Task ARecordLargerThanMaxBytes_GetsASegmentOfItsOwn()
    {
        using var folder = new ChainFolder();
        await using (var sink = folder.Sink(maxBytes: 100))
        {
            await sink.WriteAsync(ChainFolder.Event(1), CancellationToken.None);
            await sink.WriteAsync(ChainFolder.Event(2), CancellationToken.None);
        }

        Assert.Equal(2, folder.SegmentNames().Count);
        Assert.True(folder.Reader().Verify().IsIntact);
    }

    [Fact]
    public async Task Restart_ResumesTheChainFromTheLastRecordOnDisk_InTheSameSegment()
    {
        using var folder = new ChainFolder();

        await folder.WriteAsync(3);
        await folder.WriteAsync(2, first: 4);

        Assert.Equal(["audit-000001.jsonl"], folder.SegmentNames());
        var verification = folder.Reader().Verify();
        Assert.True(verification.IsIntact, verification.FirstBreak?.ToString());
        Assert.Equal(5, verification.Records);
    }

    [Fact]
    public async Task Restart_WhenTheNewestSegmentIsFull_ContinuesInTheNextSegment()
    {
        using var folder = new ChainFolder();
        var oneRecord = RecordLength(1);

        await folder.WriteAsync(2, maxBytes: oneRecord * 2);
        await folder.WriteAsync(1, maxBytes: oneRecord * 2, first: 3);

        Assert.Equal(["audit-000001.jsonl", "audit-000002.jsonl"], folder.SegmentNames());
        Assert.True(folder.Reader().Verify().IsIntact);
    }

    [Fact]
    public async Task Restart_AfterATornLastLine_LeavesItAndContinuesInANewSegmentLinkedToTheLastCompleteRecord()
    {
        using var folder = new ChainFolder();
        await folder.WriteAsync(3);
        var lines = ChainFolder.Lines(folder.Segment(1));
        var torn = lines[2][..40];
        File.WriteAllText(folder.Segment(1), $"{lines[0]}\n{lines[1]}\n{torn}");

        await folder.WriteAsync(2, first: 3);

        Assert.Equal(["audit-000001.jsonl", "audit-000002.jsonl"], folder.SegmentNames());
        Assert.EndsWith(torn, File.ReadAllText(folder.Segment(1)), StringComparison.Ordinal);
        var verification = folder.Reader().Verify();
        Assert.True(verification.IsIntact, verification.FirstBreak?.ToString());
        Assert.Equal(4, verification.Records);
        var tornWrite = Assert.Single(verification.TornWrites);
        Assert.Equal((folder.Segment(1), 3L, 40), (tornWrite.File, tornWrite.Line, tornWrite.Bytes));
        Assert.Equal([1L, 2, 3, 4], (await folder.ReadAllAsync()).Select(e => e.Sequence));
    }

    [Fact]
    public async Task Restart_AfterATornFirstWrite_LinksTheNewSegmentToThePreviousSegment()
    {
        using var folder = new ChainFolder();
        await folder.WriteAsync(2);
        File.WriteAllText(folder.Segment(2), "{\"prev\":\"00");

        await folder.WriteAsync(1, first: 3);

        Assert.Equal(["audit-000001.jsonl", "audit-000002.jsonl", "audit-000003.jsonl"], folder.SegmentNames());
        var verification = folder.Reader().Verify();
        Assert.True(verification.IsIntact, verification.FirstBreak?.ToString());
        Assert.Equal((3L, 1), (verification.Records, verification.TornWrites.Count));
    }

    [Fact]
    public async Task Restart_RefusesToContinue_WhenTheLastCompleteLineIsNotARecord()
    {
        using var folder = new ChainFolder();
        await folder.WriteAsync(2);
        File.AppendAllText(folder.Segment(1), "not a record\n");

        var refused = Assert.Throws<InvalidDataException>(() => folder.Sink());

        Assert.Contains("audit-000001.jsonl (line 3)", refused.Message, StringComparison.Ordinal);
        Assert.Contains("--verify", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASecondWriterOnTheSameFolder_IsRefused()
    {
        using var folder = new ChainFolder();
        await using var first = folder.Sink();

        var refused = Assert.Throws<IOException>(() => folder.Sink());

        Assert.Contains("Another process is writing", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void APathThatIsAFile_IsRefused()
    {
        using var folder = new ChainFolder();
        var file = Path.Combine(folder.Path, "audit.jsonl");
        File.WriteAllText(file, "");

        var refused = Assert.Throws<IOException>(() => new ChainedFileSink(new ChainedFileSinkOptions { Path = file }, TimeProvider.System));

        Assert.Contains("must be a folder", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(FsyncPolicy.Always)]
    [InlineData(FsyncPolicy.Batch)]
    [InlineData(FsyncPolicy.Never)]
    public async Task EveryFsyncPolicy_WritesAVerifiableChain(FsyncPolicy policy)
    {
        using var folder = new ChainFolder();

        await folder.WriteAsync(250, maxBytes: 64 * 1024, fsync: policy);

        var verification = folder.Reader().Verify();
        Assert.True(verification.IsIntact, verification.FirstBreak?.ToString());
        Assert.Equal(250, verification.Records);
        Assert.True(verification.Files > 1);
    }

    [Fact]
    public async Task BatchPolicy_SyncsWhenTheIntervalPasses_AndRecordsAreReadableBeforeThat()
    {
        using var folder = new ChainFolder();
        await using var sink = new ChainedFileSink(
            new ChainedFileSinkOptions { Path = folder.Path, Fsync = FsyncPolicy.Batch, BatchInterval = TimeSpan.FromSeconds(1), BatchRecords = 1000 }, folder.Clock);

        await sink.WriteAsync(ChainFolder.Event(1), CancellationToken.None);
        Assert.Single(await folder.ReadAllAsync());

        // The timer's fsync runs on the test thread here; it must neither throw nor disturb the chain.
        folder.Clock.Advance(TimeSpan.FromSeconds(1));
        await sink.WriteAsync(ChainFolder.Event(2), CancellationToken.None);

        Assert.True(folder.Reader().Verify().IsIntact);
        Assert.Equal(2, sink.Written);
    }

    [Fact]
    public async Task OnlyTheAuditEventsFieldsAreWritten_SoNoSecretValueCanGetIn()
    {
        using var folder = new ChainFolder();
        var auditEvent = ChainFolder.Event(1, error: "vault returned 403 for kv/payments/db");

        await using (var sink = folder.Sink())
        {
            await sink.WriteAsync(auditEvent, CancellationToken.None);
        }

        var written = File.ReadAllText(folder.Segment(1));
        using var record = JsonDocument.Parse(written);
        var eventFields = record.RootElement.GetProperty("event").EnumerateObject().Select(p => p.Name).ToHashSet();
        var modelFields = typeof(AuditEvent).GetProperties().Select(p => JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name)).ToHashSet();
        Assert.Subset(modelFields, eventFields);
        Assert.Equal(["event", "hash", "prev"], record.RootElement.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        // Every string on disk is one the event was built from, or a hash: nothing else reached the file.
        var known = typeof(AuditEvent).GetProperties().Select(p => p.GetValue(auditEvent)).OfType<string>().ToHashSet();
        var strings = Strings(record.RootElement).ToList();
        Assert.All(strings, s => Assert.True(known.Contains(s) || s.Length == 64 || DateTimeOffset.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, out _), $"unexpected string on disk: {s}"));
    }

    private static IEnumerable<string> Strings(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => [element.GetString()!],
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => Strings(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(Strings),
        _ => [],
    };

    private static long RecordLength(long sequence)
    {
        var eventJson = AuditJson.SerializeToUtf8Bytes(ChainFolder.Event(sequence));
        return ChainFormat.EncodeLine(ChainFormat.Genesis, ChainFormat.Hash(ChainFormat.Genesis, eventJson), eventJson).Length;
    }
}
