using SecretSync.Daemon.Leadership;
using SecretSync.DevStack.Hosting;
using SecretSync.Kubernetes.Models;
using SecretSync.Testing;

namespace SecretSync.Daemon.Tests.Leadership;

/// <summary>The elector on a manual clock with the default 15 s / 10 s / 2 s timings; the emulator answers in real time.</summary>
public sealed class LeaderElectorClockTests
{
    private static readonly LeaderElectionTimings Timings = LeaderElectionTimings.Default;

    [Theory]
    [InlineData(-24, 15, 15)]
    [InlineData(24, 15, 15)]
    [InlineData(0, 30, 30)] // a holder promising longer than our lease duration is never cut short
    [InlineData(0, 5, 15)] // a shorter promise does not shorten our own wait
    public async Task StaleHolder_IsTakenOverOnlyAfterAFullLeaseDurationOnTheLocalClock(int renewTimeOffsetHours, int recordedSeconds, int waitSeconds)
    {
        var wait = TimeSpan.FromSeconds(waitSeconds);
        await using var bed = await LeaseBed.StartAsync();
        var clock = new ManualTimeProvider();
        // A renewTime far in the past or future: server timestamps must not shorten or stretch the wait.
        var stamped = clock.GetUtcNow().AddHours(renewTimeOffsetHours);
        var seeded = await bed.Client.Leases.CreateAsync(new Lease
        {
            Metadata = new ObjectMeta { Name = LeaseBed.LeaseName, Namespace = LeaseBed.Namespace },
            Spec = new LeaseSpec { HolderIdentity = "replica-dead", LeaseDurationSeconds = recordedSeconds, AcquireTime = stamped, RenewTime = stamped, LeaseTransitions = 4 },
        });

        var firstSeen = clock.GetUtcNow();
        var c = bed.Start("replica-c", Timings, clock);
        await ParkedAsync(c, clock, attempts: 0, timers: 0);
        Assert.Equal("replica-dead", c.Elector.CurrentHolder);

        await StepAsync(c, clock, wait - TimeSpan.FromSeconds(1));
        Assert.False(c.Leading, "took over before the lease duration had passed");
        Assert.Equal(seeded.Metadata.ResourceVersion, (await bed.ReadLeaseAsync()).Metadata.ResourceVersion);

        for (var step = 0; step < 5 && !c.Leading; step++)
        {
            // The longest jittered wait: RetryPeriod × (1 + JitterFactor).
            await StepAsync(c, clock, Timings.RetryPeriod * (1 + LeaderElectionTimings.JitterFactor));
        }

        Assert.True(c.Leading, "did not take over after the lease duration");
        var lease = await bed.ReadLeaseAsync();
        Assert.Equal("replica-c", lease.Spec?.HolderIdentity);
        Assert.Equal(5, lease.Spec?.LeaseTransitions);
        Assert.Equal(15, lease.Spec?.LeaseDurationSeconds);
        Assert.InRange(lease.Spec!.AcquireTime!.Value - firstSeen, wait, wait + (Timings.RetryPeriod * (1 + LeaderElectionTimings.JitterFactor)));
        Assert.Equal(lease.Spec.AcquireTime, lease.Spec.RenewTime);
    }

    [Fact]
    public async Task Leader_KeepsLeadingWhileRenewalsSucceed_AndStopsExactlyAtTheRenewDeadlineWhenTheyFail()
    {
        await using var bed = await LeaseBed.StartAsync();
        var clock = new ManualTimeProvider();
        var a = bed.Start("replica-a", Timings, clock);
        await Eventually.TrueAsync(() => a.Leading, "replica-a leading");
        await Eventually.TrueAsync(() => clock.TimersCreated >= 2, "the term deadline and the first renewal scheduled");

        // Six renewals carry the term well past one renew deadline.
        for (var renewal = 0; renewal < 6; renewal++)
        {
            await StepAsync(a, clock, Timings.RetryPeriod);
        }

        Assert.True(a.Leading);
        Assert.Equal(6, bed.CountLeaseWrites(200));

        // The last successful renewal began now; from here every renewal fails.
        using var failing = bed.Emulator.Faults.Add(new FaultRule { Method = "PUT", PathPrefix = LeaseBed.LeasePath, StatusCode = 500 });
        for (var renewal = 0; renewal < 4; renewal++)
        {
            await StepAsync(a, clock, Timings.RetryPeriod);
        }

        Assert.Equal(4, bed.CountLeaseWrites(500));
        clock.Advance(Timings.RetryPeriod - TimeSpan.FromMilliseconds(1));
        Assert.True(a.Leading, "stopped before the renew deadline");
        Assert.False(a.TermToken.IsCancellationRequested);

        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(a.Leading, "still leading at the renew deadline");
        Assert.True(a.TermToken.IsCancellationRequested);
        await Eventually.TrueAsync(() => bed.LeadsRunning == 0, "lead finished");
    }

    /// <summary>Advances the clock, then waits for the attempt that wakes up and for the elector to wait again.</summary>
    private static async Task StepAsync(Candidate candidate, ManualTimeProvider clock, TimeSpan by)
    {
        var attempts = candidate.Elector.Attempts;
        var timers = clock.TimersCreated;
        clock.Advance(by);
        await ParkedAsync(candidate, clock, attempts, timers);
    }

    private static Task ParkedAsync(Candidate candidate, ManualTimeProvider clock, long attempts, int timers) =>
        Eventually.TrueAsync(
            () => candidate.Elector.Attempts > attempts && clock.TimersCreated > timers,
            $"an attempt after #{attempts} and a wait after it",
            TimeSpan.FromSeconds(5));
}
