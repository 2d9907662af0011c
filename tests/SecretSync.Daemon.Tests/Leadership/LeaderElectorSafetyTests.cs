using System.Diagnostics;
using SecretSync.DevStack.Hosting;
using SecretSync.Testing;

namespace SecretSync.Daemon.Tests.Leadership;

public sealed class LeaderElectorSafetyTests
{
    [Fact]
    public async Task TwoCandidates_ExactlyOneLeads_AtEverySample()
    {
        await using var bed = await LeaseBed.StartAsync();
        var candidates = new[] { bed.Start("replica-a"), bed.Start("replica-b") };

        await Eventually.TrueAsync(() => candidates.Count(c => c.Leading) == 1 && bed.LeadsRunning == 1, "one leader");
        var samples = await SampleAsync(bed, candidates, TimeSpan.FromSeconds(1.5), exactlyOne: true);

        var leader = candidates.Single(c => c.Leading);
        var standby = candidates.Single(c => !c.Leading);
        Assert.Equal(leader.Elector.Identity, standby.Elector.CurrentHolder);
        Assert.Equal(0, standby.Terms);
        Assert.Equal(1, bed.MaxConcurrentLeads);
        Assert.True(samples > 100, $"only {samples} samples");
    }

    [Fact]
    public async Task ThreeCandidates_UnderFailingAndSlowLeaseCalls_NeverLeadAtOnce()
    {
        await using var bed = await LeaseBed.StartAsync();
        var candidates = new[] { bed.Start("replica-a"), bed.Start("replica-b"), bed.Start("replica-c") };
        await Eventually.TrueAsync(() => candidates.Count(c => c.Leading) == 1, "one leader");

        using (bed.Emulator.Faults.Add(new FaultRule { Method = "PUT", PathPrefix = LeaseBed.LeasePath, StatusCode = 500, Probability = 0.7 }))
        using (bed.Emulator.Faults.Add(new FaultRule { Method = "GET", PathPrefix = LeaseBed.LeasePath, Latency = TimeSpan.FromMilliseconds(400), Probability = 0.3 }))
        {
            await SampleAsync(bed, candidates, TimeSpan.FromSeconds(3), exactlyOne: false);
        }

        // A term whose renewals failed just before the faults cleared may still run out: let it.
        await SampleAsync(bed, candidates, LeaseBed.Fast.RenewDeadline + LeaseBed.Fast.RetryPeriod, exactlyOne: false);
        await Eventually.TrueAsync(() => candidates.Count(c => c.Leading) == 1 && bed.LeadsRunning == 1, "one leader once the API recovers", TimeSpan.FromSeconds(10));
        await SampleAsync(bed, candidates, TimeSpan.FromSeconds(0.5), exactlyOne: true);
        Assert.Equal(1, bed.MaxConcurrentLeads);
        Assert.True(bed.CountLeaseWrites(500) > 0, "the faults hit the candidates' writes");
    }

    [Fact]
    public async Task StoppedLeader_Releases_AndTheStandbyTakesOverWellWithinTheLeaseDuration()
    {
        await using var bed = await LeaseBed.StartAsync();
        var a = bed.Start("replica-a");
        await Eventually.TrueAsync(() => a.Leading, "replica-a leading");
        var b = bed.Start("replica-b");
        await Eventually.TrueAsync(() => b.Elector.Attempts >= 2 && b.Elector.CurrentHolder == "replica-a", "replica-b standing by");

        var stopped = Stopwatch.StartNew();
        await a.StopAsync();
        await Eventually.TrueAsync(() => b.Leading, "replica-b leading", TimeSpan.FromSeconds(5));
        var takeover = stopped.Elapsed;

        // Without the release replica-b would wait a full lease duration after replica-a's last renewal.
        Assert.True(takeover < LeaseBed.Fast.LeaseDuration * 0.75, $"took over after {takeover}");
        Assert.True(a.LeadEnded < b.LeadStarted, "replica-a's lead had ended before replica-b's began");
        var lease = await bed.ReadLeaseAsync();
        Assert.Equal("replica-b", lease.Spec?.HolderIdentity);
        Assert.Equal(1, lease.Spec?.LeaseTransitions);
        Assert.Equal(2, lease.Spec?.LeaseDurationSeconds);
        Assert.Equal(1, bed.MaxConcurrentLeads);
    }

    /// <summary>Checks at short intervals that at most one candidate believes it leads and at most one lead task runs.</summary>
    private static async Task<int> SampleAsync(LeaseBed bed, Candidate[] candidates, TimeSpan period, bool exactlyOne)
    {
        var clock = Stopwatch.StartNew();
        var samples = 0;
        while (clock.Elapsed < period)
        {
            var leaders = candidates.Where(c => c.Leading).Select(c => c.Elector.Identity).ToList();
            Assert.True(leaders.Count <= 1, $"{string.Join(" and ", leaders)} lead at once after {clock.Elapsed}");
            Assert.True(bed.LeadsRunning <= 1, $"{bed.LeadsRunning} lead tasks run at once after {clock.Elapsed}");
            if (exactlyOne)
            {
                Assert.Single(leaders);
            }

            samples++;
            await Task.Delay(2);
        }

        return samples;
    }
}
