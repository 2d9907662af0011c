using Microsoft.Extensions.Logging;
using SecretSync.Testing;

namespace SecretSync.Daemon.Tests.Leadership;

public sealed class LeaderElectorTests
{
    [Fact]
    public async Task SingleCandidate_CreatesTheLease_AndRunsLead()
    {
        await using var bed = await LeaseBed.StartAsync();
        var a = bed.Start("replica-a");

        await Eventually.TrueAsync(() => a.Leading && a.Terms == 1, "replica-a leading");

        var lease = await bed.ReadLeaseAsync();
        Assert.Equal("replica-a", lease.Spec?.HolderIdentity);
        Assert.Equal(2, lease.Spec?.LeaseDurationSeconds);
        Assert.Equal(0, lease.Spec?.LeaseTransitions);
        Assert.NotNull(lease.Spec?.AcquireTime);
        Assert.Equal(lease.Spec?.AcquireTime, lease.Spec?.RenewTime);
        Assert.Equal("replica-a", a.Elector.CurrentHolder);
        Assert.False(a.TermToken.IsCancellationRequested);
        Assert.Equal(1, bed.Emulator.Requests.CountWhere(r => r.Verb == "create" && r.Path.Contains("/leases", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Leader_RenewsEveryRetryPeriod_KeepingAcquireTimeAndTransitions()
    {
        await using var bed = await LeaseBed.StartAsync();
        var a = bed.Start("replica-a");
        await Eventually.TrueAsync(() => a.Leading, "replica-a leading");
        var first = await bed.ReadLeaseAsync();

        await Eventually.TrueAsync(() => bed.CountLeaseWrites(200) >= 4, "four renewals");

        var renewed = await bed.ReadLeaseAsync();
        Assert.Equal("replica-a", renewed.Spec?.HolderIdentity);
        Assert.Equal(first.Spec?.AcquireTime, renewed.Spec?.AcquireTime);
        Assert.Equal(0, renewed.Spec?.LeaseTransitions);
        Assert.True(renewed.Spec?.RenewTime > first.Spec?.RenewTime, "renewTime moves forward");
        Assert.True(a.Leading);
        Assert.Equal(1, a.Terms);
    }

    [Fact]
    public async Task StoppedLeader_EndsLeadFirst_ThenReleasesTheLease()
    {
        await using var bed = await LeaseBed.StartAsync();
        var a = bed.Start("replica-a");
        await Eventually.TrueAsync(() => a.Leading, "replica-a leading");

        await a.StopAsync();

        Assert.False(a.Leading);
        Assert.True(a.TermToken.IsCancellationRequested);
        var lease = await bed.ReadLeaseAsync();
        Assert.True(string.IsNullOrEmpty(lease.Spec?.HolderIdentity), $"released, but held by '{lease.Spec?.HolderIdentity}'");
        Assert.Equal(1, lease.Spec?.LeaseDurationSeconds);
        Assert.Equal(0, lease.Spec?.LeaseTransitions);
        Assert.Null(a.Elector.CurrentHolder);
        Assert.True(a.LeadEnded <= bed.LastSuccessfulWrite(), "the release was written only after lead had finished");
        Assert.Equal([true, false], a.Changes.Select(c => c.IsLeader));
        Assert.Equal("stopping", a.Changes[^1].Reason);
        var transitions = a.Logger.Entries.Where(e => e.Level == LogLevel.Information).Select(e => e.Id.Id).ToList();
        Assert.Equal([1, 2, 3], transitions); // acquired, stopped, released
    }

    [Fact]
    public async Task LeaseTransitions_CountEachChangeOfHolder()
    {
        await using var bed = await LeaseBed.StartAsync();
        var acquireTimes = new List<DateTimeOffset?>();
        var holders = new List<(string Holder, int? Transitions)>();
        foreach (var identity in new[] { "replica-a", "replica-b", "replica-c" })
        {
            var candidate = bed.Start(identity);
            await Eventually.TrueAsync(() => candidate.Leading, $"{identity} leading");
            var lease = await bed.ReadLeaseAsync();
            holders.Add((lease.Spec!.HolderIdentity!, lease.Spec.LeaseTransitions));
            acquireTimes.Add(lease.Spec.AcquireTime);
            await candidate.StopAsync();
        }

        Assert.Equal([("replica-a", 0), ("replica-b", 1), ("replica-c", 2)], holders);
        Assert.True(acquireTimes[0] < acquireTimes[1] && acquireTimes[1] < acquireTimes[2], "acquireTime is set on each takeover");
    }

    [Fact]
    public async Task RunAsync_WhenLeadEndsOnItsOwn_ReleasesAndReturns()
    {
        await using var bed = await LeaseBed.StartAsync();
        var elector = new Daemon.Leadership.LeaderElector(
            bed.Client.Leases, LeaseBed.Namespace, LeaseBed.LeaseName, "replica-a", LeaseBed.Fast, TimeProvider.System, new RecordingLogger<Daemon.Leadership.LeaderElector>());

        await elector.RunAsync(_ => Task.CompletedTask, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        var lease = await bed.ReadLeaseAsync();
        Assert.True(string.IsNullOrEmpty(lease.Spec?.HolderIdentity));
        Assert.False(elector.IsLeader);
    }

    [Fact]
    public async Task RunAsync_WhenLeadFails_ReleasesAndRethrows()
    {
        await using var bed = await LeaseBed.StartAsync();
        var elector = new Daemon.Leadership.LeaderElector(
            bed.Client.Leases, LeaseBed.Namespace, LeaseBed.LeaseName, "replica-a", LeaseBed.Fast, TimeProvider.System, new RecordingLogger<Daemon.Leadership.LeaderElector>());

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(
            () => elector.RunAsync(_ => throw new InvalidOperationException("boom"), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.Equal("boom", failure.Message);
        var lease = await bed.ReadLeaseAsync();
        Assert.True(string.IsNullOrEmpty(lease.Spec?.HolderIdentity));
    }
}
