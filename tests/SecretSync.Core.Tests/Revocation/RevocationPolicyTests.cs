using SecretSync.Core.Configuration;
using SecretSync.Core.Model;
using SecretSync.Core.Providers;
using SecretSync.Core.Revocation;
using SecretSync.Core.Tests.Support;

namespace SecretSync.Core.Tests.Revocation;

public sealed class RevocationPolicyTests
{
    private static readonly SourceRef Source = new("vault", "payments/db");
    private static readonly VersionResult Gone = new VersionResult.Absent(new Absence(AbsenceKind.Destroyed, "metadata deleted"));
    private static readonly VersionResult NewestGone = new VersionResult.Absent(new Absence(AbsenceKind.Deleted, "version 4 deleted", "3"));

    private static RevocationDecision DecideOne(VersionResult result, SyncSettings? settings = null) =>
        Assert.Single(RevocationPolicy.Decide(settings ?? new SyncSettings(), new Dictionary<SourceRef, VersionResult> { [Source] = result }).Decisions);

    [Fact]
    public void Decide_Present_Syncs() =>
        Assert.Equal(RevocationAction.Sync, DecideOne(new VersionResult.Current(Payloads.Version())).Action);

    [Theory]
    [InlineData(FailureKind.Unavailable)]
    [InlineData(FailureKind.Throttled)]
    [InlineData(FailureKind.Forbidden)]
    [InlineData(FailureKind.Unauthenticated)]
    [InlineData(FailureKind.InvalidResponse)]
    [InlineData(FailureKind.Rejected)]
    public void Decide_AnyFailure_NeverRevokes(FailureKind kind)
    {
        var settings = new SyncSettings { OnVersionDeleted = VersionDeletedPolicy.Revoke };

        Assert.Equal(RevocationAction.KeepLastGood, DecideOne(new VersionResult.Failed(new ProviderFailure(kind, "x")), settings).Action);
    }

    [Fact]
    public void Decide_SourceGone_RevokesByDefault() => Assert.Equal(RevocationAction.Revoke, DecideOne(Gone).Action);

    [Fact]
    public void Decide_SourceGoneUnderRetain_Retains() =>
        Assert.Equal(RevocationAction.Retain, DecideOne(Gone, new SyncSettings { OnSourceDeleted = SourceDeletedPolicy.Retain }).Action);

    [Fact]
    public void Decide_NewestVersionGone_FallsBackToNewestLiveVersionByDefault()
    {
        var decision = DecideOne(NewestGone);

        Assert.Equal(RevocationAction.FallBack, decision.Action);
        Assert.Equal("3", decision.Version);
    }

    [Fact]
    public void Decide_NewestVersionGoneUnderRevoke_TreatsSourceAsGone() =>
        Assert.Equal(RevocationAction.Revoke, DecideOne(NewestGone, new SyncSettings { OnVersionDeleted = VersionDeletedPolicy.Revoke }).Action);

    [Fact]
    public void Decide_MassDisappearance_PausesRevocationsButStillSyncsTheRest()
    {
        var outcomes = Enumerable.Range(0, 20).ToDictionary(
            i => new SourceRef("vault", $"s{i:D2}"),
            i => i < 5 ? Gone : new VersionResult.Current(Payloads.Version()));

        var plan = RevocationPolicy.Decide(new SyncSettings(), outcomes);

        Assert.True(plan.Brake.Holds);
        Assert.Equal(5, plan.Decisions.Count(d => d.Action == RevocationAction.Paused));
        Assert.Equal(15, plan.Decisions.Count(d => d.Action == RevocationAction.Sync));
        Assert.DoesNotContain(plan.Decisions, d => d.Action == RevocationAction.Revoke);
        Assert.Contains(plan.Brake.ApprovalToken!, plan.Decisions[0].Reason, StringComparison.Ordinal);

        var approved = RevocationPolicy.Decide(new SyncSettings(), outcomes, plan.Brake.ApprovalToken);

        Assert.Equal(5, approved.Decisions.Count(d => d.Action == RevocationAction.Revoke));
    }

    [Fact]
    public void Decide_VersionFallbacks_DoNotCountTowardsTheBrake()
    {
        var outcomes = Enumerable.Range(0, 10).ToDictionary(i => new SourceRef("vault", $"s{i}"), _ => NewestGone);

        var plan = RevocationPolicy.Decide(new SyncSettings(), outcomes);

        Assert.False(plan.Brake.Engaged);
        Assert.All(plan.Decisions, d => Assert.Equal(RevocationAction.FallBack, d.Action));
    }

    [Fact]
    public void ToVersionResult_MapsEveryReadOutcome()
    {
        Assert.IsType<VersionResult.Current>(RevocationPolicy.ToVersionResult(new ReadResult.Found(Payloads.Of(("a", "b")))));
        Assert.IsType<VersionResult.Absent>(RevocationPolicy.ToVersionResult(new ReadResult.Absent(new Absence(AbsenceKind.NotFound, "gone"))));
        Assert.IsType<VersionResult.Failed>(RevocationPolicy.ToVersionResult(new ReadResult.Failed(new ProviderFailure(FailureKind.Unavailable, "x"))));
    }
}
