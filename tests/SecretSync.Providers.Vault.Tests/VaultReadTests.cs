using SecretSync.Core.Providers;
using SecretSync.DevStack;
using SecretSync.Providers.Contract;

namespace SecretSync.Providers.Vault.Tests;

public sealed class VaultReadTests
{
    [Fact]
    public async Task ReadingTheLatestVersion_ReturnsItsDataVersionAndCreationTime()
    {
        await using var bed = await VaultTestBed.StartAsync();
        bed.Vault.WriteSecret("secret", "payments/db", new Dictionary<string, object?> { ["user"] = "app", ["password"] = "v1" });
        bed.Vault.WriteSecret("secret", "payments/db", new Dictionary<string, object?> { ["user"] = "app", ["password"] = "v2", ["port"] = 5432 });
        var client = bed.Connect();

        var payload = Expect.Found(await client.ReadAsync("payments/db", null, CancellationToken.None));

        Assert.Equal("2", payload.Version.Id);
        Assert.Equal(bed.Vault.ReadSecret("secret", "payments/db")!.CreatedTime, payload.Version.CreatedAt);
        Assert.Equal("v2", Expect.Text(payload, "password"));
        Assert.Equal("5432", Expect.Text(payload, "port"));
        Assert.Equal(3, payload.Values.Count);
    }

    [Fact]
    public async Task ReadingAGivenVersion_SendsVersionQuery_AndReturnsThatVersion()
    {
        await using var bed = await VaultTestBed.StartAsync();
        bed.Vault.WriteSecret("secret", "app", new Dictionary<string, object?> { ["k"] = "one" });
        bed.Vault.WriteSecret("secret", "app", new Dictionary<string, object?> { ["k"] = "two" });
        var client = bed.Connect();

        var payload = Expect.Found(await client.ReadAsync("app", "1", CancellationToken.None));

        Assert.Equal("1", payload.Version.Id);
        Assert.Equal("one", Expect.Text(payload, "k"));
        Assert.Contains(bed.Vault.Requests.Snapshot(), r => r.Verb == "read" && r.Path == "/v1/secret/data/app" && r.Query == "?version=1");
    }

    [Fact]
    public async Task NonStringValues_ArriveAsCompactJson()
    {
        await using var bed = await VaultTestBed.StartAsync();
        bed.Vault.WriteSecret("secret", "cfg", new Dictionary<string, object?>
        {
            ["enabled"] = true, ["ratio"] = 0.5, ["list"] = new[] { 1, 2 }, ["obj"] = new Dictionary<string, object?> { ["a"] = "b" }, ["none"] = null,
        });
        var client = bed.Connect();

        var payload = Expect.Found(await client.ReadAsync("cfg", null, CancellationToken.None));

        Assert.Equal("true", Expect.Text(payload, "enabled"));
        Assert.Equal("0.5", Expect.Text(payload, "ratio"));
        Assert.Equal("[1,2]", Expect.Text(payload, "list"));
        Assert.Equal("""{"a":"b"}""", Expect.Text(payload, "obj"));
        Assert.Equal("null", Expect.Text(payload, "none"));
    }

    [Fact]
    public async Task AMissingSecret_IsAbsentNotFound_AsAWholeSource()
    {
        await using var bed = await VaultTestBed.StartAsync();
        var client = bed.Connect();

        var absence = Expect.Absent(await client.ReadAsync("nope", null, CancellationToken.None));

        Assert.Equal(AbsenceKind.NotFound, absence.Kind);
        Assert.True(absence.IsWholeSource);
    }

    [Fact]
    public async Task AVersionThatNeverExisted_IsNotFound_ButNamesTheLiveVersion()
    {
        await using var bed = await VaultTestBed.StartAsync();
        bed.Vault.WriteSecret("secret", "app", new Dictionary<string, object?> { ["k"] = "v" });
        var client = bed.Connect();

        var absence = Expect.Absent(await client.ReadAsync("app", "9", CancellationToken.None));

        Assert.Equal(AbsenceKind.NotFound, absence.Kind);
        Assert.Equal("1", absence.NewestLiveVersion);
    }

    [Fact]
    public async Task ASoftDeletedLatestVersion_IsAbsentDeleted_WithTheNewestLiveVersion()
    {
        await using var bed = await VaultTestBed.StartAsync();
        for (var i = 1; i <= 3; i++)
        {
            bed.Vault.WriteSecret("secret", "app", new Dictionary<string, object?> { ["k"] = $"v{i}" });
        }

        bed.Vault.DestroyVersions("secret", "app", 2);
        bed.Vault.DeleteLatestVersion("secret", "app");
        var client = bed.Connect();

        var absence = Expect.Absent(await client.ReadAsync("app", null, CancellationToken.None));

        Assert.Equal(AbsenceKind.Deleted, absence.Kind);
        Assert.Equal("1", absence.NewestLiveVersion);
        Assert.False(absence.IsWholeSource);
        Assert.Equal("v1", Expect.Text(Expect.Found(await client.ReadAsync("app", absence.NewestLiveVersion, CancellationToken.None)), "k"));
    }

    [Fact]
    public async Task ADestroyedOnlyVersion_IsAbsentDestroyed_AsAWholeSource()
    {
        await using var bed = await VaultTestBed.StartAsync();
        bed.Vault.WriteSecret("secret", "app", new Dictionary<string, object?> { ["k"] = "v" });
        bed.Vault.DestroyVersions("secret", "app", 1);
        var client = bed.Connect();

        var absence = Expect.Absent(await client.ReadAsync("app", null, CancellationToken.None));

        Assert.Equal(AbsenceKind.Destroyed, absence.Kind);
        Assert.Null(absence.NewestLiveVersion);
    }

    [Fact]
    public async Task DeletedMetadata_IsAbsentNotFound()
    {
        await using var bed = await VaultTestBed.StartAsync();
        bed.Vault.WriteSecret("secret", "app", new Dictionary<string, object?> { ["k"] = "v" });
        bed.Vault.DeleteMetadata("secret", "app");
        var client = bed.Connect();

        Assert.Equal(AbsenceKind.NotFound, Expect.Absent(await client.ReadAsync("app", null, CancellationToken.None)).Kind);
    }

    [Fact]
    public async Task AWrongMount_IsRejected_NeverAbsent()
    {
        await using var bed = await VaultTestBed.StartAsync();
        var client = bed.Connect(("mount", "kv"));

        var failure = Expect.Failed(await client.ReadAsync("app", null, CancellationToken.None), FailureKind.Rejected);

        Assert.Contains("404", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADeletedVersionWhoseMetadataIsForbidden_IsAFailure_NotAWholeSourceAbsence()
    {
        await using var bed = await VaultTestBed.StartAsync();
        bed.Vault.WriteSecret("secret", "app", new Dictionary<string, object?> { ["k"] = "v1" });
        bed.Vault.WriteSecret("secret", "app", new Dictionary<string, object?> { ["k"] = "v2" });
        bed.Vault.DeleteLatestVersion("secret", "app");
        bed.Vault.SetPolicy("data-only", ("secret/data/", ["read"]));
        var client = bed.Connect(("auth.token", bed.Vault.CreateToken(["data-only"])));

        var failure = Expect.Failed(await client.ReadAsync("app", null, CancellationToken.None), FailureKind.Forbidden);

        Assert.Contains("deleted", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ANonDefaultMountAndNamespace_AreUsed()
    {
        await using var bed = await VaultTestBed.StartAsync(new VaultEmulatorOptions { KvMounts = ["secret", "team/kv"] });
        bed.Vault.WriteSecret("team/kv", "app", new Dictionary<string, object?> { ["k"] = "v" });
        var client = bed.Connect(("mount", "team/kv"), ("namespace", "team-a/"));

        Assert.Equal("v", Expect.Text(Expect.Found(await client.ReadAsync("app", null, CancellationToken.None)), "k"));
    }

    [Theory]
    [InlineData("latest")]
    [InlineData("0")]
    [InlineData("-1")]
    public async Task ANonNumericVersion_IsRejectedWithoutARequest(string version)
    {
        await using var bed = await VaultTestBed.StartAsync();
        var client = bed.Connect();

        Expect.Failed(await client.ReadAsync("app", version, CancellationToken.None), FailureKind.Rejected);
        Assert.Equal(0, bed.Count("read"));
    }
}
