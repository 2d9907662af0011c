using SecretSync.Core.Model;
using SecretSync.Core.Rendering;
using SecretSync.Core.Tests.Support;

namespace SecretSync.Core.Tests.Rendering;

public sealed class ContentHasherTests
{
    private readonly ContentHasher _hasher = new(Payloads.InstallKey);

    [Fact]
    public void Hash_HasPrefixAndLowercaseHex()
    {
        var hash = _hasher.Hash("Opaque", Payloads.Data(("a", "1")));

        Assert.Matches("^hmac-sha256:[0-9a-f]{64}$", hash);
    }

    [Fact]
    public void Hash_SameData_IsStableAcrossInstances() =>
        Assert.Equal(_hasher.Hash("Opaque", Payloads.Data(("a", "1"))), new ContentHasher(Payloads.InstallKey).Hash("Opaque", Payloads.Data(("a", "1"))));

    [Fact]
    public void Hash_SameDataInAnotherOrder_IsEqual() =>
        Assert.Equal(
            _hasher.Hash("Opaque", Payloads.Data(("a", "1"), ("b", "2"), ("c", "3"))),
            _hasher.Hash("Opaque", Payloads.Data(("c", "3"), ("a", "1"), ("b", "2"))));

    [Theory]
    [InlineData("kubernetes.io/tls", "a", "1", "b", "2")]
    [InlineData("Opaque", "x", "1", "b", "2")]
    [InlineData("Opaque", "a", "1", "b", "3")]
    [InlineData("Opaque", "a", "12", "b", "")]
    [InlineData("Opaque", "a", "1", "b2", "")]
    [InlineData("Opaque", "b", "1", "a", "2")]
    public void Hash_AnyDifferenceInTypeKeyOrValue_ChangesTheHash(string type, string k1, string v1, string k2, string v2)
    {
        var reference = _hasher.Hash("Opaque", Payloads.Data(("a", "1"), ("b", "2")));

        Assert.NotEqual(reference, _hasher.Hash(type, Payloads.Data((k1, v1), (k2, v2))));
    }

    [Fact]
    public void Hash_UnderAnotherInstallKey_Differs()
    {
        var other = new ContentHasher([.. Payloads.InstallKey.Reverse()]);

        Assert.NotEqual(_hasher.Hash("Opaque", Payloads.Data(("a", "1"))), other.Hash("Opaque", Payloads.Data(("a", "1"))));
    }

    [Fact]
    public void Hash_KeyMutatedAfterConstruction_IsUnaffected()
    {
        var key = Payloads.InstallKey.ToArray();
        var hasher = new ContentHasher(key);
        var before = hasher.Hash("Opaque", Payloads.Data(("a", "1")));

        key[0] ^= 0xFF;

        Assert.Equal(before, hasher.Hash("Opaque", Payloads.Data(("a", "1"))));
    }

    [Fact]
    public void Construction_WithShortKey_Throws() => Assert.Throws<ArgumentException>(() => new ContentHasher(new byte[8]));

    [Fact]
    public void Seal_OfTheAnnotationsAsWritten_IsValid_AndAnyEditOfThemIsSeen()
    {
        var name = new NamespacedName("payments", "db");
        var annotations = new Dictionary<string, string>(StringComparer.Ordinal) { [Annotations.Source] = "payments/db", [Annotations.SourceVersion] = "3" };
        annotations[Annotations.Seal] = _hasher.Seal(name, annotations);

        Assert.Equal(SealState.Valid, _hasher.CheckSeal(name, annotations));
        Assert.Equal(SealState.MetadataEdited, _hasher.CheckSeal(name, new Dictionary<string, string>(annotations) { [Annotations.Source] = "other/path" }));
        Assert.Equal(SealState.MetadataEdited, _hasher.CheckSeal(name, new Dictionary<string, string>(annotations) { [Annotations.Bundle] = "added" }));
    }

    [Fact]
    public void Seal_CopiedToAnotherName_OrMadeWithoutTheKey_IsForeign()
    {
        var annotations = new Dictionary<string, string>(StringComparer.Ordinal) { [Annotations.Source] = "payments/db" };
        annotations[Annotations.Seal] = _hasher.Seal(new NamespacedName("payments", "db"), annotations);
        var other = new ContentHasher([.. Payloads.InstallKey.Reverse()]);

        Assert.Equal(SealState.Foreign, _hasher.CheckSeal(new NamespacedName("checkout", "db"), annotations));
        Assert.Equal(SealState.Foreign, other.CheckSeal(new NamespacedName("payments", "db"), annotations));
        Assert.Equal(SealState.Foreign, _hasher.CheckSeal(new NamespacedName("payments", "db"), new Dictionary<string, string> { [Annotations.Seal] = "v1.x.y" }));
        Assert.Equal(SealState.Missing, _hasher.CheckSeal(new NamespacedName("payments", "db"), new Dictionary<string, string>()));
    }
}
