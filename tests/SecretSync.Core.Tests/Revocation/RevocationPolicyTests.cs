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
        Assert.Single(RevocationPolicy.Decide(settings ?? new SyncSettings(), new Dictionary<SourceRef, VersionResult> { [Source] = result }));

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
    public void Decide_MassDisappearance_RevokesEachGoneSourceAndSyncsTheRest_LeavingTheHoldToTheDeleteGuard()
    {
        var outcomes = Enumerable.Range(0, 20).ToDictionary(
            i => new SourceRef("vault", $"s{i:D2}"),
            i => i < 5 ? Gone : new VersionResult.Current(Payloads.Version()));

        var decisions = RevocationPolicy.Decide(new SyncSettings(), outcomes);

        Assert.Equal(5, decisions.Count(d => d.Action == RevocationAction.Revoke));
        Assert.Equal(15, decisions.Count(d => d.Action == RevocationAction.Sync));
    }

    [Fact]
    public void Decide_NewestVersionGone_FallsBackInsteadOfRevoking()
    {
        var outcomes = Enumerable.Range(0, 10).ToDictionary(i => new SourceRef("vault", $"s{i}"), _ => NewestGone);

        Assert.All(RevocationPolicy.Decide(new SyncSettings(), outcomes), d => Assert.Equal(RevocationAction.FallBack, d.Action));
    }

    [Fact]
    public void ToVersionResult_MapsEveryReadOutcome()
    {
        Assert.IsType<VersionResult.Current>(RevocationPolicy.ToVersionResult(new ReadResult.Found(Payloads.Of(("a", "b")))));
        Assert.IsType<VersionResult.Absent>(RevocationPolicy.ToVersionResult(new ReadResult.Absent(new Absence(AbsenceKind.NotFound, "gone"))));
        Assert.IsType<VersionResult.Failed>(RevocationPolicy.ToVersionResult(new ReadResult.Failed(new ProviderFailure(FailureKind.Unavailable, "x"))));
    }
}
