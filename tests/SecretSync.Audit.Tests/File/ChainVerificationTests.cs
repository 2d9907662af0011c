using System.Text.Json.Nodes;
using SecretSync.Audit.FileChain;

namespace SecretSync.Audit.Tests.FileChain;

public sealed class ChainVerificationTests
{
    [Fact]
    public async Task AnIntactChain_VerifiesEveryRecordInEveryFile()
    {
        using var folder = new ChainFolder();
        await folder.WriteAsync(20, maxBytes: 4096);

        var verification = folder.Reader().Verify();

        Assert.True(verification.IsIntact);
        Assert.Equal(20, verification.Records);
        Assert.Equal(folder.SegmentNames().Count, verification.Files);
        Assert.Empty(verification.TornWrites);
        Assert.Null(verification.UncheckedStart);
    }

    [Fact]
    public async Task ChangingOneFieldOfOneRecord_FailsAtThatRecordWithABadHash()
    {
        using var folder = new ChainFolder();
        await folder.WriteAsync(5);
        var lines = ChainFolder.Lines(folder.Segment(1));
        lines[2] = lines[2].Replace("\"action\":\"updated\"", "\"action\":\"created\"", StringComparison.Ordinal);
        ChainFolder.Rewrite(folder.Segment(1), lines);

        var found = folder.Reader().Verify().FirstBreak;

        Assert.NotNull(found);
        Assert.Equal((folder.Segment(1), 3L, 3L, ChainBreakKind.BadHash), (found.File, found.Line, found.Sequence, found.Kind));
        Assert.Equal(ChainFolder.Event(3).Id, found.Id);
        Assert.Contains("line 3 (sequence 3", found.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChangingARecordAndRecomputingItsHash_FailsAtTheNextRecordsLink()
    {
        using var folder = new ChainFolder();
        await folder.WriteAsync(5);
        var lines = ChainFolder.Lines(folder.Segment(1));
        var record = JsonNode.Parse(lines[2])!.AsObject();
        var tampered = ChainFolder.Event(3) with { Outcome = "failure" };
        var eventJson = SecretSync.Core.Audit.AuditJson.SerializeToUtf8Bytes(tampered);
        var prev = Convert.FromHexString(record["prev"]!.GetValue<string>());
        var hash = ChainFormat.Hash(prev, eventJson);
        lines[2] = System.Text.Encoding.UTF8.GetString(ChainFormat.EncodeLine(prev, hash, eventJson)).TrimEnd('\n');
        ChainFolder.Rewrite(folder.Segment(1), lines);

        var found = folder.Reader().Verify().FirstBreak;

        Assert.NotNull(found);
        Assert.Equal((4L, 4L, ChainBreakKind.Deleted), (found.Line, found.Sequence, found.Kind));
    }

    [Fact]
    public async Task DeletingOneRecord_FailsAtTheRecordAfterTheGap()
    {
        using var folder = new ChainFolder();
        await folder.WriteAsync(6);
        var lines = ChainFolder.Lines(folder.Segment(1));
        lines.RemoveAt(2);
        ChainFolder.Rewrite(folder.Segment(1), lines);

        var verification = folder.Reader().Verify();

        var found = verification.FirstBreak;
        Assert.NotNull(found);
        Assert.Equal((3L, 4L, ChainBreakKind.Deleted), (found.Line, found.Sequence, found.Kind));
        Assert.Contains("sequence jumps from 2 to 4", found.Detail, StringComparison.Ordinal);
        Assert.Equal(2, verification.Records);
    }

    [Fact]
    public async Task DeletingTheFirstRecord_FailsAtTheNewFirstRecord()
    {
        using var folder = new ChainFolder();
        await folder.WriteAsync(3);
        var lines = ChainFolder.Lines(folder.Segment(1));
        ChainFolder.Rewrite(folder.Segment(1), lines.Skip(1));

        var found = folder.Reader().Verify().FirstBreak;

        Assert.NotNull(found);
        Assert.Equal((1L, 2L, ChainBreakKind.Deleted), (found.Line, found.Sequence, found.Kind));
        Assert.Contains("start of the chain", found.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SwappingTwoRecords_FailsAtTheFirstOfThemAsReordered()
    {
        using var folder = new ChainFolder();
        await folder.WriteAsync(6);
        var lines = ChainFolder.Lines(folder.Segment(1));
        (lines[2], lines[3]) = (lines[3], lines[2]);
        ChainFolder.Rewrite(folder.Segment(1), lines);

        var found = folder.Reader().Verify().FirstBreak;

        Assert.NotNull(found);
        Assert.Equal((3L, 4L, ChainBreakKind.Reordered), (found.Line, found.Sequence, found.Kind));
        Assert.Contains("audit-000001.jsonl line 4, sequence 3", found.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DuplicatingARecord_FailsAtTheCopyAsInserted()
    {
        using var folder = new ChainFolder();
        await folder.WriteAsync(4);
        var lines = ChainFolder.Lines(folder.Segment(1));
        lines.Insert(2, lines[1]);
        ChainFolder.Rewrite(folder.Segment(1), lines);

        var found = folder.Reader().Verify().FirstBreak;

        Assert.NotNull(found);
        Assert.Equal((3L, 2L, ChainBreakKind.Inserted), (found.Line, found.Sequence, found.Kind));
    }

    [Fact]
    public async Task AnUnparsableLine_FailsAtThatLine()
    {
        using var folder = new ChainFolder();
        await folder.WriteAsync(4);
        var lines = ChainFolder.Lines(folder.Segment(1));
        lines[1] = lines[1][..30] + "garbage";
        ChainFolder.Rewrite(folder.Segment(1), lines);

        var found = folder.Reader().Verify().FirstBreak;

        Assert.NotNull(found);
        Assert.Equal((2L, null, ChainBreakKind.Unparsable), (found.Line, found.Sequence, found.Kind));
    }

    [Theory]
    [InlineData("{\"prev\":\"00\",\"hash\":\"00\",\"event\":{}}", "lower-case hex")]
    [InlineData("[]", "not a JSON object")]
    [InlineData("{\"prev\":\"0000000000000000000000000000000000000000000000000000000000000000\",\"hash\":\"0000000000000000000000000000000000000000000000000000000000000000\",\"event\":{},\"x\":1}", "unexpected or repeated field \"x\"")]
    [InlineData("{\"prev\":\"0000000000000000000000000000000000000000000000000000000000000000\",\"hash\":\"0000000000000000000000000000000000000000000000000000000000000000\",\"event\":{}}", "not an audit event")]
    public void LinesThatAreNotRecords_SayWhy(string line, string why)
    {
        Assert.False(ChainFormat.TryParse(System.Text.Encoding.UTF8.GetBytes(line), out _, out var error));
        Assert.Contains(why, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeletingAWholeSegment_FailsAtTheFirstRecordOfTheNextAndNamesTheMissingSegment()
    {
        using var folder = new ChainFolder();
        await folder.WriteAsync(9, maxBytes: 2000);
        Assert.True(folder.SegmentNames().Count >= 3);
        File.Delete(folder.Segment(2));

        var found = folder.Reader().Verify().FirstBreak;

        Assert.NotNull(found);
        Assert.Equal((folder.Segment(3), 1L, ChainBreakKind.Deleted), (found.File, found.Line, found.Kind));
        Assert.Contains("segment audit-000002.jsonl is missing", found.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AChainWhoseOldestSegmentsWereRemoved_VerifiesAndSaysItsFirstLinkIsUnchecked()
    {
        using var folder = new ChainFolder();
        await folder.WriteAsync(9, maxBytes: 2000);
        File.Delete(folder.Segment(1));

        var verification = folder.Reader().Verify();

        Assert.True(verification.IsIntact, verification.FirstBreak?.ToString());
        Assert.Contains("audit-000002.jsonl", verification.UncheckedStart, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OneSegmentFile_CanBeVerifiedOnItsOwn()
    {
        using var folder = new ChainFolder();
        await folder.WriteAsync(9, maxBytes: 2000);

        var first = new ChainedFileReader(folder.Segment(1)).Verify();
        var second = new ChainedFileReader(folder.Segment(2)).Verify();

        Assert.True(first.IsIntact && first.UncheckedStart is null);
        Assert.True(second.IsIntact && second.UncheckedStart is not null);
        Assert.Equal(1, second.Files);
    }

    [Fact]
    public async Task ATornLastLine_IsReportedButIsNotABreak()
    {
        using var folder = new ChainFolder();
        await folder.WriteAsync(3);
        File.AppendAllText(folder.Segment(1), "{\"prev\":\"ab");

        var verification = folder.Reader().Verify();

        Assert.True(verification.IsIntact);
        var torn = Assert.Single(verification.TornWrites);
        Assert.Equal((4L, 11), (torn.Line, torn.Bytes));
        Assert.Contains("torn write", torn.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingPath_IsAClearError()
    {
        var missing = Path.Combine(Path.GetTempPath(), "secretsync-chain-tests", "does-not-exist");

        var error = Assert.Throws<FileNotFoundException>(() => new ChainedFileReader(missing).Verify());

        Assert.Contains("neither a folder nor a file", error.Message, StringComparison.Ordinal);
    }
}
