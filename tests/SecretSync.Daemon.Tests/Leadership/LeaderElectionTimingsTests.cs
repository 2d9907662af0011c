using SecretSync.Daemon.Leadership;

namespace SecretSync.Daemon.Tests.Leadership;

public sealed class LeaderElectionTimingsTests
{
    [Fact]
    public void Default_IsTheClientGoDefaults()
    {
        var timings = LeaderElectionTimings.Default;

        Assert.Equal(TimeSpan.FromSeconds(15), timings.LeaseDuration);
        Assert.Equal(TimeSpan.FromSeconds(10), timings.RenewDeadline);
        Assert.Equal(TimeSpan.FromSeconds(2), timings.RetryPeriod);
    }

    [Theory]
    [InlineData(10, 10, 2, "leaseDuration")]
    [InlineData(9, 10, 2, "leaseDuration")]
    [InlineData(15, 2.4, 2, "renewDeadline")]
    [InlineData(15, 10, 0, "retryPeriod")]
    [InlineData(15, 10, -1, "retryPeriod")]
    public void Constructor_RefusesTimingsThatCouldMakeTwoLeaders(double lease, double renew, double retry, string parameter)
    {
        var refused = Assert.Throws<ArgumentOutOfRangeException>(
            () => new LeaderElectionTimings(TimeSpan.FromSeconds(lease), TimeSpan.FromSeconds(renew), TimeSpan.FromSeconds(retry)));

        Assert.Equal(parameter, refused.ParamName);
    }

    [Fact]
    public void Constructor_AcceptsTheShortestValidOrdering()
    {
        var timings = new LeaderElectionTimings(TimeSpan.FromSeconds(1.3), TimeSpan.FromSeconds(1.25), TimeSpan.FromSeconds(1));

        Assert.Equal(TimeSpan.FromSeconds(1.25), timings.RenewDeadline);
    }
}
