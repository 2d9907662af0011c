using SecretSync.Core.Desired;
using SecretSync.Core.Model;
using SecretSync.Core.Planning;
using SecretSync.Core.Rendering;
using SecretSync.Core.Tests.Support;

namespace SecretSync.Core.Tests.Planning;

public sealed class SecretPlannerTests
{
    private static readonly ContentHasher Hasher = new(Payloads.InstallKey);
    private static readonly DesiredTarget Target = Payloads.Target();
    private static readonly string Hash = Hasher.Hash("Opaque", Payloads.Data(("password", "p1")));

    /// <summary>A Secret as the daemon last wrote it for <paramref name="hash"/>, with data hashing to <paramref name="dataHash"/>.</summary>
    private static ObservedSecret Written(string hash, string? dataHash = null, string version = "3", string type = "Opaque", SealState seal = SealState.Valid) =>
        new(Target.Secret, type, ManagedMetadata.Labels, ManagedMetadata.AnnotationsFor(Target, Payloads.Version(version), hash), dataHash ?? hash, seal);

    [Fact]
    public void Plan_NoSecret_Creates() =>
        Assert.Equal(PlanAction.Create, SecretPlanner.Plan(Target, Hash, Payloads.Version(), observed: null).Action);

    [Fact]
    public void Plan_NoSecretButOnceWritten_Restores() =>
        Assert.Equal(PlanAction.Restore, SecretPlanner.Plan(Target, Hash, Payloads.Version(), observed: null, lastAppliedHash: Hash).Action);

    [Fact]
    public void Plan_SteadyState_WritesNothing()
    {
        var plan = SecretPlanner.Plan(Target, Hash, Payloads.Version(), Written(Hash));

        Assert.Equal(PlanAction.None, plan.Action);
        Assert.False(plan.Writes);
    }

    [Fact]
    public void Plan_SourceContentChanged_Updates()
    {
        var newHash = Hasher.Hash("Opaque", Payloads.Data(("password", "p2")));

        var plan = SecretPlanner.Plan(Target, newHash, Payloads.Version("4"), Written(Hash));

        Assert.Equal(PlanAction.Update, plan.Action);
        Assert.True(plan.Writes);
    }

    [Fact]
    public void Plan_NewVersionWithSameContent_UpdatesTheVersionAnnotation() =>
        Assert.Equal(PlanAction.Update, SecretPlanner.Plan(Target, Hash, Payloads.Version("4"), Written(Hash, version: "3")).Action);

    [Fact]
    public void Plan_DataEditedByHand_Restores()
    {
        var edited = Hasher.Hash("Opaque", Payloads.Data(("password", "hacked")));

        var plan = SecretPlanner.Plan(Target, Hash, Payloads.Version(), Written(Hash, dataHash: edited));

        Assert.Equal(PlanAction.Restore, plan.Action);
        Assert.Contains("edited", plan.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_DataEditedByHandWhileSourceChanged_StillRestores()
    {
        var edited = Hasher.Hash("Opaque", Payloads.Data(("password", "hacked")));
        var newHash = Hasher.Hash("Opaque", Payloads.Data(("password", "p2")));

        Assert.Equal(PlanAction.Restore, SecretPlanner.Plan(Target, newHash, Payloads.Version("4"), Written(Hash, dataHash: edited)).Action);
    }

    [Fact]
    public void Plan_HashAnnotationRemoved_Restores()
    {
        var observed = Written(Hash) with { Annotations = Some.Labels((Annotations.Bundle, "payments-db")) };

        Assert.Equal(PlanAction.Restore, SecretPlanner.Plan(Target, Hash, Payloads.Version(), observed).Action);
    }

    [Fact]
    public void Plan_SecretSyncMetadataEditedByHand_RestoresItAsDrift()
    {
        var plan = SecretPlanner.Plan(Target, Hash, Payloads.Version(), Written(Hash, seal: SealState.MetadataEdited));

        Assert.Equal(PlanAction.Restore, plan.Action);
        Assert.Contains("secretsync.io/* annotations were edited", plan.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SealState.Foreign, "p1")]
    [InlineData(SealState.Foreign, "tenant-data")]
    [InlineData(SealState.Missing, "tenant-data")]
    public void Plan_AnObjectThatMerelyCarriesTheManagedByLabel_IsAConflictAndNeverPruned(SealState seal, string data)
    {
        var observed = Written(Hash, dataHash: Hasher.Hash("Opaque", Payloads.Data(("password", data))), seal: seal);

        var plan = SecretPlanner.Plan(Target, Hash, Payloads.Version(), observed);

        Assert.Equal(PlanAction.Conflict, plan.Action);
        Assert.Contains("SecretSync did not write it", plan.Reason, StringComparison.Ordinal);
        Assert.Empty(SecretPlanner.Prune(DesiredOf(), [observed]));
    }

    [Fact]
    public void Plan_AnUnsealedSecretWhoseContentHashVerifies_IsAdoptedWhole() =>
        Assert.Equal(PlanAction.Adopt, SecretPlanner.Plan(Target, Hash, Payloads.Version(), Written(Hash, seal: SealState.Missing)).Action);

    [Fact]
    public void Plan_UnmanagedSecretOfSameName_IsConflictEvenWithMatchingData()
    {
        var observed = Written(Hash) with { Labels = Some.Labels(("app", "mine")) };

        var plan = SecretPlanner.Plan(Target, Hash, Payloads.Version(), observed);

        Assert.Equal(PlanAction.Conflict, plan.Action);
        Assert.False(plan.Writes);
    }

    [Fact]
    public void Plan_TypeChanged_AsksForRecreate()
    {
        var tls = Target with { Type = "kubernetes.io/tls" };
        var newHash = Hasher.Hash("kubernetes.io/tls", Payloads.Data(("password", "p1")));

        var plan = SecretPlanner.Plan(tls, newHash, Payloads.Version(), Written(Hash));

        Assert.Equal(PlanAction.Update, plan.Action);
        Assert.True(plan.Recreate);
    }

    [Fact]
    public void AnnotationsFor_CarriesBundleSourceVersionAndHash()
    {
        var annotations = ManagedMetadata.AnnotationsFor(Target, Payloads.Version("7"), Hash);

        Assert.Equal("payments-db", annotations[Annotations.Bundle]);
        Assert.Equal("vault", annotations[Annotations.Provider]);
        Assert.Equal("payments/db", annotations[Annotations.Source]);
        Assert.Equal("7", annotations[Annotations.SourceVersion]);
        Assert.Equal("2026-01-02T03:04:05Z", annotations[Annotations.SourceCreated]);
        Assert.Equal(Hash, annotations[Annotations.ContentHash]);
    }

    [Fact]
    public void Prune_ManagedSecretNoLongerDesired_IsPruned_UnmanagedAndDesiredAreNot()
    {
        var desired = DesiredOf(Target);
        var stale = Written(Hash) with { Secret = new("payments", "old") };
        var unmanaged = Written(Hash) with { Secret = new("payments", "theirs"), Labels = Some.Labels() };

        var decisions = SecretPlanner.Prune(desired, [Written(Hash), stale, unmanaged]);

        Assert.Equal([new NamespacedName("payments", "old")], decisions.Select(d => d.Secret));
        Assert.Equal("payments-db", decisions[0].Bundle);
    }

    [Fact]
    public void Prune_SecretOfADeniedBundle_IsPrunedWithTheDenialAsReason()
    {
        var desired = DesiredOf() with { Denied = [new BundleDenial("payments", "payments-db")] };

        var decision = Assert.Single(SecretPlanner.Prune(desired, [Written(Hash)]));

        Assert.Contains("no longer allowed", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Prune_ContestedName_IsKept()
    {
        var desired = DesiredOf() with { Collisions = [new TargetCollision(Target.Secret, ["a", "b"])] };

        Assert.Empty(SecretPlanner.Prune(desired, [Written(Hash)]));
    }

    private static DesiredState DesiredOf(params DesiredTarget[] targets) =>
        new(targets.ToDictionary(t => t.Secret), [], [], [], [], new Dictionary<SourceRef, int>());
}
