using SecretSync.Audit.Postgres;

namespace SecretSync.Audit.Tests.Postgres;

public sealed class DiskBufferTests
{
    [Fact]
    public void Segments_AreReadOldestFirst_AndSurviveReopening()
    {
        var folder = PgSome.TempFolder();
        var events = PgSome.Events(50);
        using (var buffer = new DiskBuffer(folder, 64 * 1024))
        {
            buffer.Append([.. events.Take(30)]);
            buffer.Append([.. events.Skip(30)]);
            Assert.Equal(50, buffer.Count);
        }

        using var reopened = new DiskBuffer(folder, 64 * 1024);
        var read = new List<string>();
        while (!reopened.IsEmpty)
        {
            read.AddRange(reopened.PeekOldest().Select(e => e.Id));
            reopened.RemoveOldest();
        }

        Assert.Equal(events.Select(e => e.Id), read);
        Assert.Equal(0, reopened.Bytes);
    }

    [Fact]
    public void AppendingWhileTheOldestIsBeingSent_LeavesThatSegmentUnchanged()
    {
        using var buffer = new DiskBuffer(PgSome.TempFolder(), 64 * 1024);
        var first = PgSome.Events(3);
        buffer.Append(first);
        var sending = buffer.PeekOldest();
        var later = PgSome.Events(2);
        buffer.Append(later);
        buffer.RemoveOldest();

        Assert.Equal(first.Select(e => e.Id), sending.Select(e => e.Id));
        Assert.Equal(later.Select(e => e.Id), buffer.PeekOldest().Select(e => e.Id));
    }

    [Fact]
    public void ALineCutShortByACrash_IsSkippedAndCounted()
    {
        var folder = PgSome.TempFolder();
        var events = PgSome.Events(3);
        using (var buffer = new DiskBuffer(folder, 64 * 1024))
        {
            buffer.Append(events);
        }

        File.AppendAllText(Directory.GetFiles(folder, "*.jsonl").Single(), "{\"id\":\"half");
        using var reopened = new DiskBuffer(folder, 64 * 1024);

        Assert.Equal(events.Select(e => e.Id), reopened.PeekOldest().Select(e => e.Id));
        Assert.Equal(1, reopened.Dropped);
    }

    [Fact]
    public void WhenFull_TheOldestEventsGo_AndTheBoundHolds()
    {
        using var buffer = new DiskBuffer(PgSome.TempFolder(), 8 * 1024);
        var events = PgSome.Events(100);
        var dropped = buffer.Append(events);

        Assert.True(buffer.Bytes <= 8 * 1024, $"{buffer.Bytes} bytes held");
        Assert.Equal(100, dropped + buffer.Count);
        var kept = new List<string>();
        while (!buffer.IsEmpty)
        {
            kept.AddRange(buffer.PeekOldest().Select(e => e.Id));
            buffer.RemoveOldest();
        }

        Assert.Equal(events.Skip((int)dropped).Select(e => e.Id), kept);
    }
}
