using SecretSync.Core.Configuration;
using SecretSync.Core.Model;
using SecretSync.Core.Revocation;

namespace SecretSync.Core.Tests.Revocation;

public sealed class RevocationBrakeTests
{
    private static readonly RevocationBrake Default = new(new RevocationBrakeSettings());

    private static SourceRef[] Absent(int count) => [.. Enumerable.Range(0, count).Select(i => new SourceRef("vault", $"s{i}"))];

    [Theory]
    [InlineData(100, 3, false)]   // count at threshold, share below
    [InlineData(100, 10, false)]  // share at threshold (10%), count above
    [InlineData(100, 11, true)]   // both above
    [InlineData(30, 3, false)]    // both exactly at threshold: 3 and 10% of 30
    [InlineData(30, 4, true)]     // both above
    [InlineData(10, 3, false)]    // 30% share but count at threshold
    [InlineData(10, 4, true)]
    [InlineData(1000, 50, false)] // count above, share below
    public void Evaluate_EngagesOnlyAboveBothThresholds(int distinct, int absent, bool engaged) =>
        Assert.Equal(engaged, Default.Evaluate(distinct, Absent(absent), null).Engaged);

    [Fact]
    public void Evaluate_Engaged_HoldsUntilTheMatchingTokenIsSupplied()
    {
        var status = Default.Evaluate(20, Absent(5), null);

        Assert.True(status.Holds);
        Assert.StartsWith("rb-", status.ApprovalToken, StringComparison.Ordinal);
        Assert.True(Default.Evaluate(20, Absent(5), "wrong").Holds);
        var approved = Default.Evaluate(20, Absent(5), status.ApprovalToken);
        Assert.True(approved.Approved);
        Assert.False(approved.Holds);
    }

    [Fact]
    public void Evaluate_ApprovalOfOneStorm_DoesNotCoverALargerOne()
    {
        var token = Default.Evaluate(20, Absent(5), null).ApprovalToken;

        Assert.True(Default.Evaluate(20, Absent(6), token).Holds);
    }

    [Fact]
    public void Evaluate_Token_IsIndependentOfOrder()
    {
        var absent = Absent(5);

        Assert.Equal(Default.Evaluate(20, absent, null).ApprovalToken, Default.Evaluate(20, absent.Reverse().ToArray(), null).ApprovalToken);
    }

    [Fact]
    public void Evaluate_ClearsOnceAbsencesFallBackWithinThresholds() =>
        Assert.False(Default.Evaluate(20, Absent(2), null).Holds);
}
