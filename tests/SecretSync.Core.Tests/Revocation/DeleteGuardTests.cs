using SecretSync.Core.Configuration;
using SecretSync.Core.Model;
using SecretSync.Core.Revocation;
using SecretSync.Testing;

namespace SecretSync.Core.Tests.Revocation;

public sealed class DeleteGuardTests
{
    private static readonly RevocationBrakeSettings Defaults = new();
    private readonly ManualTimeProvider _clock = new();

    private static Deletion[] Wanted(int count, DeletionCause cause = DeletionCause.Pruned, int first = 0) =>
        [.. Enumerable.Range(first, count).Select(i => new Deletion(new NamespacedName($"ns{i}", "db"), cause, "payments-db", "no longer requested"))];

    [Theory]
    [InlineData(100, 3, false)]   // count at threshold, share below
    [InlineData(100, 10, false)]  // share at threshold (10%), count above
    [InlineData(100, 11, true)]   // both above
    [InlineData(30, 3, false)]    // both exactly at threshold: 3 and 10% of 30
    [InlineData(30, 4, true)]
    [InlineData(10, 4, true)]
    [InlineData(1000, 50, false)] // count above, share below
    public void Evaluate_HoldsOnlyAboveBothThresholds(int managed, int wanted, bool holds) =>
        Assert.Equal(holds, new DeleteGuard(_clock).Evaluate(Defaults, Wanted(wanted), managed, null).Holds);

    [Fact]
    public void Evaluate_WhileHolding_LetsNothingThroughAndNamesExactlyTheHeldSecrets()
    {
        var verdict = new DeleteGuard(_clock).Evaluate(Defaults, Wanted(5, DeletionCause.Revoked), 20, null);

        Assert.Empty(verdict.Allowed);
        Assert.Equal(Wanted(5).Select(d => d.Secret), verdict.Held.Select(d => d.Secret));
        Assert.StartsWith("hold-", verdict.HoldId, StringComparison.Ordinal);
        Assert.Contains("holding 5 deletions (5 revoked, 0 pruned)", verdict.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluate_ATrickleOfOneDeletionPerCycle_IsHeldOnceTheWindowHoldsMoreThanTheThresholds()
    {
        var guard = new DeleteGuard(_clock);
        for (var i = 0; i < 3; i++)
        {
            var verdict = guard.Evaluate(Defaults, Wanted(1, first: i), 10, null);
            Assert.Single(verdict.Allowed);
            guard.Deleted(approved: false);
            _clock.Advance(TimeSpan.FromMinutes(1));
        }

        var fourth = guard.Evaluate(Defaults, Wanted(1, first: 3), 10, null);
        Assert.True(fourth.Holds);
        Assert.Equal(3, fourth.Recent);

        _clock.Advance(Defaults.Window - TimeSpan.FromMinutes(2));
        Assert.False(guard.Evaluate(Defaults, Wanted(1, first: 3), 10, null).Holds);
    }

    [Fact]
    public void Evaluate_TheApprovedId_ReleasesExactlyThatSet_AndApprovedDeletionsDoNotCountAgainstTheWindow()
    {
        var guard = new DeleteGuard(_clock);
        var held = guard.Evaluate(Defaults, Wanted(5), 20, null);

        Assert.True(guard.Evaluate(Defaults, Wanted(5), 20, "hold-000000000000").Holds);
        var approved = guard.Evaluate(Defaults, Wanted(5), 20, held.HoldId);
        Assert.True(approved.Approved);
        Assert.Equal(5, approved.Allowed.Count);
        for (var i = 0; i < 5; i++)
        {
            guard.Deleted(approved: true);
        }

        Assert.Equal(0, guard.Evaluate(Defaults, Wanted(1, first: 9), 20, null).Recent);
    }

    [Fact]
    public void Evaluate_AnApprovalOfOneSet_DoesNotCoverALargerOne()
    {
        var guard = new DeleteGuard(_clock);
        var id = guard.Evaluate(Defaults, Wanted(5), 20, null).HoldId;

        var larger = guard.Evaluate(Defaults, Wanted(6), 20, id);

        Assert.True(larger.Holds);
        Assert.NotEqual(id, larger.HoldId);
    }

    [Fact]
    public void Evaluate_TheSameSetHeldAgainLater_GetsANewId_SoAnOldApprovalCannotReleaseIt()
    {
        var guard = new DeleteGuard(_clock);
        var first = guard.Evaluate(Defaults, Wanted(5), 20, null).HoldId;
        Assert.False(guard.Evaluate(Defaults, [], 20, null).Holds);
        _clock.Advance(TimeSpan.FromSeconds(1));

        var again = guard.Evaluate(Defaults, Wanted(5), 20, first);

        Assert.True(again.Holds);
        Assert.NotEqual(first, again.HoldId);
    }

    [Fact]
    public void Evaluate_ReleasesByItself_WhenTheWantedDeletionsFallBackWithinTheThresholds()
    {
        var guard = new DeleteGuard(_clock);
        Assert.True(guard.Evaluate(Defaults, Wanted(5), 20, null).Holds);

        var verdict = guard.Evaluate(Defaults, Wanted(2), 20, null);

        Assert.False(verdict.Holds);
        Assert.Equal(2, verdict.Allowed.Count);
    }
}
