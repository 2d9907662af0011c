using System.Diagnostics;
using System.Globalization;
using SecretSync.Audit.FileChain;
using SecretSync.Core.Configuration;
using Xunit.Abstractions;

namespace SecretSync.Audit.Tests.FileChain;

/// <summary>Measures, without asserting speed, how many events per second the file sink sustains and how many bytes each takes.</summary>
public sealed class ChainedFileSinkThroughputTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(FsyncPolicy.Always, 3_000)]
    [InlineData(FsyncPolicy.Batch, 100_000)]
    [InlineData(FsyncPolicy.Never, 100_000)]
    public async Task Throughput_IsMeasuredForEachFsyncPolicy(FsyncPolicy policy, int maxEvents)
    {
        using var folder = new ChainFolder();
        var events = Enumerable.Range(1, maxEvents).Select(i => ChainFolder.Event(i)).ToArray();
        var budget = TimeSpan.FromSeconds(3);
        var clock = Stopwatch.StartNew();
        var written = 0;
        await using (var sink = new ChainedFileSink(new ChainedFileSinkOptions { Path = folder.Path, Fsync = policy }, TimeProvider.System))
        {
            while (written < maxEvents && clock.Elapsed < budget)
            {
                await sink.WriteAsync(events[written++], CancellationToken.None);
            }
        }

        clock.Stop();
        var bytes = folder.SegmentNames().Sum(name => new FileInfo(Path.Combine(folder.Path, name)).Length);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"fsync={policy}: {written} events in {clock.Elapsed.TotalMilliseconds:F0} ms = {written / clock.Elapsed.TotalSeconds:F0} events/s; {(double)bytes / written:F0} bytes/event on disk ({AuditEventBytes(events[0])} of them the event JSON)"));
        var verification = folder.Reader().Verify();
        Assert.True(verification.IsIntact);
        Assert.Equal(written, verification.Records);
    }

    private static int AuditEventBytes(SecretSync.Core.Audit.AuditEvent auditEvent) => SecretSync.Core.Audit.AuditJson.SerializeToUtf8Bytes(auditEvent).Length;
}
