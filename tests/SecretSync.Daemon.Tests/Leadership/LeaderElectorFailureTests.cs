using System.Diagnostics;
using Microsoft.Extensions.Logging;
using SecretSync.DevStack;
using SecretSync.DevStack.Hosting;
using SecretSync.Testing;

namespace SecretSync.Daemon.Tests.Leadership;

public sealed class LeaderElectorFailureTests
{
    // Timer and scheduling slack on a busy test machine.
    // Timers fire late on a loaded 2-core machine; the safety property (stepping down before a standby may take over) still holds.
    private static readonly TimeSpan Slack = TimeSpan.FromMilliseconds(700);

    // Wall-clock readings of the emulator and the test differ by rounding only.
    private static readonly TimeSpan ClockTolerance = TimeSpan.FromMilliseconds(50);

    [Fact]
    public async Task LeaderWhoseRenewalsGet500_StopsWithinTheRenewDeadline_AndTheStandbyWaitsTheLeaseDuration()
    {
        await using var bed = await LeaseBed.StartAsync();
        var a = bed.Start("replica-a");
        await Eventually.TrueAsync(() => a.Leading, "replica-a leading");
        var b = bed.Start("replica-b");
        await Eventually.TrueAsync(() => b.Elector.Attempts >= 2 && b.Elector.CurrentHolder == "replica-a", "replica-b standing by");

        var failing = bed.Emulator.Faults.Add(new FaultRule { Method = "PUT", PathPrefix = LeaseBed.LeasePath, StatusCode = 500 });
        var cutOff = Stopwatch.StartNew();
        await Eventually.TrueAsync(() => !a.Leading && a.LeadEnded is not null, "replica-a stepping down", TimeSpan.FromSeconds(5));
        var steppedDownAfter = cutOff.Elapsed;

        Assert.True(steppedDownAfter <= LeaseBed.Fast.RenewDeadline + Slack, $"replica-a led on for {steppedDownAfter} without renewing");
        Assert.True(a.TermToken.IsCancellationRequested);
        // The emulator logs a request when its response completes, so the count may trail the elector a little.
        await Eventually.TrueAsync(() => bed.CountLeaseWrites(500) >= 2, "replica-a kept retrying its renewal", TimeSpan.FromSeconds(5));
        Assert.Single(a.Logger.Entries, e => e.Level == LogLevel.Warning); // one warning per outage, not per retry
        Assert.False(b.Leading);

        // replica-a dies still cut off, so it cannot release either: replica-b must wait out the lease.
        await a.StopAsync();
        var lastRenewal = bed.LastSuccessfulWrite();
        failing.Dispose();
        await Eventually.TrueAsync(() => b.Leading, "replica-b leading", TimeSpan.FromSeconds(10));

        Assert.True(b.LeadStarted >= lastRenewal + LeaseBed.Fast.LeaseDuration - ClockTolerance,
            $"replica-b took over {b.LeadStarted - lastRenewal} after replica-a's last renewal");
        Assert.True(a.LeadEnded < b.LeadStarted);
        Assert.Equal(1, bed.MaxConcurrentLeads);
        var lease = await bed.ReadLeaseAsync();
        Assert.Equal("replica-b", lease.Spec?.HolderIdentity);
        Assert.Equal(1, lease.Spec?.LeaseTransitions);
    }

    [Fact]
    public async Task LeaderCutOffFromTheApi_StepsDown_AndStaysDownWhileTheStandbyLeads()
    {
        await using var bed = await LeaseBed.StartAsync();
        var a = bed.Start("replica-a");
        await Eventually.TrueAsync(() => a.Leading, "replica-a leading");
        var b = bed.Start("replica-b");
        await Eventually.TrueAsync(() => b.Elector.Attempts >= 2 && b.Elector.CurrentHolder == "replica-a", "replica-b standing by");

        // Only replica-a's token is refused: it keeps running, partitioned, while replica-b reaches the API.
        bed.Emulator.DenyRules = [new KubernetesDenyRule("*", "leases") { Token = "replica-a" }];
        var cutOff = Stopwatch.StartNew();
        await Eventually.TrueAsync(() => !a.Leading, "replica-a stepping down", TimeSpan.FromSeconds(5));
        Assert.True(cutOff.Elapsed <= LeaseBed.Fast.RenewDeadline + Slack, $"replica-a led on for {cutOff.Elapsed} without renewing");
        Assert.False(b.Leading);
        var lastRenewalByA = bed.LastSuccessfulWrite();

        await Eventually.TrueAsync(() => b.Leading, "replica-b leading", TimeSpan.FromSeconds(10));
        Assert.True(b.LeadStarted >= lastRenewalByA + LeaseBed.Fast.LeaseDuration - ClockTolerance,
            $"replica-b took over {b.LeadStarted - lastRenewalByA} after replica-a's last renewal");
        Assert.True(a.LeadEnded < b.LeadStarted);

        // Reconnected, replica-a sees replica-b holding a live lease and stays a standby.
        var attempts = a.Elector.Attempts;
        bed.Emulator.DenyRules = [];
        await Eventually.TrueAsync(() => a.Elector.Attempts >= attempts + 3 && a.Elector.CurrentHolder == "replica-b", "replica-a standing by");
        Assert.True(b.Leading);
        Assert.False(a.Leading);
        Assert.Equal(1, a.Terms);
        Assert.Equal(1, bed.MaxConcurrentLeads);
    }
}
