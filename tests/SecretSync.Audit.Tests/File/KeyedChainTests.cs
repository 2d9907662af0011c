using System.Text.Json.Nodes;
using SecretSync.Audit.FileChain;

namespace SecretSync.Audit.Tests.FileChain;

/// <summary>A keyed chain: records authenticated under a key derived from the install key, with continuous sequences.</summary>
public sealed class KeyedChainTests
{
    private static readonly ChainKey Key = ChainKey.Derive("install-key-of-the-daemon-0123456789"u8);
    private static readonly ChainKey OtherKey = ChainKey.Derive("a-key-the-attacker-made-up-9876543"u8);

    [Fact]
    public async Task AKeyedChain_IsAuthenticatedWithTheKey_AndOnlyLinkCheckedWithout()
    {
        using var folder = new ChainFolder();
        await folder.WriteAsync(5, key: Key);

        var withKey = folder.Reader().Verify(Key);
        var withoutKey = folder.Reader().Verify();

        Assert.True(withKey.IsAuthenticated, withKey.FirstBreak?.ToString());
        Assert.Equal(5, withKey.Records);
        Assert.True(withoutKey.IsIntact);
        Assert.False(withoutKey.IsAuthenticated);
        Assert.DoesNotContain("\"hash\"", File.ReadAllText(folder.Segment(1)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARecordDeleted_AndTheChainRecomputedWithoutTheKey_FailsVerification()
    {
        using var folder = new ChainFolder();
        await folder.WriteAsync(5, key: Key);
        var kept = (await folder.ReadAllAsync()).Where(e => e.Sequence != 3).ToList();

        // The attacker can recompute links and sequences, under a key of their own or as unkeyed legacy records.
        using var forgedKeyed = new ChainFolder();
        using var forgedLegacy = new ChainFolder();
        await using (var keyed = forgedKeyed.Sink(key: OtherKey))
        await using (var legacy = forgedLegacy.Sink())
        {
            foreach (var e in kept)
            {
                await keyed.WriteAsync(e, CancellationToken.None);
                await legacy.WriteAsync(e, CancellationToken.None);
            }
        }

        var keyedResult = forgedKeyed.Reader().Verify(Key);
        var legacyResult = forgedLegacy.Reader().Verify(Key);

        Assert.Equal(ChainBreakKind.BadMac, keyedResult.FirstBreak?.Kind);
        Assert.Equal(1, keyedResult.FirstBreak?.Line);
        Assert.True(legacyResult.IsIntact);
        Assert.False(legacyResult.IsAuthenticated);
        Assert.Equal(4, legacyResult.LegacyRecords);
    }

    [Fact]
    public async Task ARecordDeleted_WithoutRecomputing_IsABrokenLinkEvenWithoutTheKey()
    {
        using var folder = new ChainFolder();
        await folder.WriteAsync(5, key: Key);
        var lines = ChainFolder.Lines(folder.Segment(1));
        lines.RemoveAt(2);
        ChainFolder.Rewrite(folder.Segment(1), lines);

        var result = folder.Reader().Verify();

        Assert.Equal(ChainBreakKind.Deleted, result.FirstBreak?.Kind);
    }

    [Theory]
    [InlineData(5, "missing")]
    [InlineData(3, "repeated")]
    public async Task ASequenceGapOrRepeat_FailsEvenWhenEveryMacIsValid(long forgedSequence, string what)
    {
        using var folder = new ChainFolder();
        await folder.WriteAsync(4, key: Key);
        var lines = ChainFolder.Lines(folder.Segment(1));
        var line = JsonNode.Parse(lines[3])!.AsObject();
        var prev = Convert.FromHexString(line["prev"]!.GetValue<string>());
        var eventJson = EventBytes(lines[3]);
        // Re-signed under the real key: only the sequence check can catch it.
        lines[3] = System.Text.Encoding.UTF8.GetString(ChainFormat.EncodeKeyedLine(forgedSequence, prev, Key.Mac(forgedSequence, prev, eventJson), eventJson)).TrimEnd('\n');
        ChainFolder.Rewrite(folder.Segment(1), lines);

        var result = folder.Reader().Verify(Key);

        Assert.Equal(ChainBreakKind.BadSequence, result.FirstBreak?.Kind);
        Assert.Contains(what, result.FirstBreak!.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALegacyChain_IsContinuedKeyed_AndALegacyRecordAfterKeyedOnesIsADowngrade()
    {
        using var folder = new ChainFolder();
        await folder.WriteAsync(3);
        await folder.WriteAsync(2, first: 4, key: Key);

        var upgraded = folder.Reader().Verify(Key);
        Assert.True(upgraded.IsAuthenticated, upgraded.FirstBreak?.ToString());
        Assert.Equal((5L, 3L), (upgraded.Records, upgraded.LegacyRecords));

        Assert.Throws<InvalidDataException>(() => folder.Sink());
    }

    [Fact]
    public async Task TheChainKey_IsDerived_NotTheInstallKeyItself()
    {
        var installKey = "install-key-of-the-daemon-0123456789"u8.ToArray();
        using var folder = new ChainFolder();
        await folder.WriteAsync(1, key: Key);
        var text = ChainFolder.Lines(folder.Segment(1))[0];
        var line = JsonNode.Parse(text)!.AsObject();
        var eventJson = EventBytes(text);
        using var raw = System.Security.Cryptography.IncrementalHash.CreateHMAC(System.Security.Cryptography.HashAlgorithmName.SHA256, installKey);
        raw.AppendData([0, 0, 0, 0, 0, 0, 0, 1]);
        raw.AppendData(ChainFormat.Genesis);
        raw.AppendData(eventJson);

        Assert.NotEqual(Convert.ToHexStringLower(raw.GetHashAndReset()), line["mac"]!.GetValue<string>());
        Assert.True(folder.Reader().Verify(Key).IsAuthenticated);
    }

    [Fact]
    public async Task Retention_DeletesClosedSegmentsPastIt_AndWhatRemainsStillAuthenticates()
    {
        using var folder = new ChainFolder();
        folder.Clock.Advance(TimeSpan.FromMinutes(35));
        await using (var sink = new ChainedFileSink(
            new ChainedFileSinkOptions { Path = folder.Path, MaxBytes = 2000, Fsync = Core.Configuration.FsyncPolicy.Never, Key = Key, Retention = TimeSpan.FromMinutes(10) }, folder.Clock))
        {
            for (var sequence = 1; sequence <= 30; sequence++)
            {
                await sink.WriteAsync(ChainFolder.Event(sequence), CancellationToken.None);
            }
        }

        var kept = await folder.ReadAllAsync();
        var verification = folder.Reader().Verify(Key);

        Assert.DoesNotContain("audit-000001.jsonl", folder.SegmentNames());
        // Event n happened n minutes after the start; the cut-off is minute 25, and a segment goes only as a whole.
        Assert.InRange(kept.First().Sequence, 2, 25);
        Assert.Equal(30, kept.Last().Sequence);
        Assert.True(verification.IsAuthenticated, verification.FirstBreak?.ToString());
        Assert.NotNull(verification.UncheckedStart);
    }

    /// <summary>The event's bytes exactly as they stand in a record line (what the MAC covers).</summary>
    private static byte[] EventBytes(string line)
    {
        const string Marker = ",\"event\":";
        var start = line.IndexOf(Marker, StringComparison.Ordinal) + Marker.Length;
        return System.Text.Encoding.UTF8.GetBytes(line[start..^1]);
    }
}
