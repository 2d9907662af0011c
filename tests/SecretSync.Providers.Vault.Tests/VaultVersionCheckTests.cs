using SecretSync.Core.Providers;

namespace SecretSync.Providers.Vault.Tests;

public sealed class VaultVersionCheckTests
{
    [Fact]
    public async Task VersionChecks_MakeExactlyOneMetadataRequestPerDistinctPath()
    {
        await using var bed = await VaultTestBed.StartAsync();
        for (var i = 0; i < 10; i++)
        {
            bed.Vault.WriteSecret("secret", $"app/s{i}", new Dictionary<string, object?> { ["k"] = "v" });
        }

        var client = bed.Connect();
        var paths = Enumerable.Range(0, 10).Select(i => $"app/s{i}").Concat(["app/s0", "app/s3", "app/s3"]).ToList();

        var results = await client.CheckVersionsAsync(paths, CancellationToken.None);

        Assert.Equal(10, results.Count);
        Assert.All(results.Values, r => Assert.Equal("1", Assert.IsType<VersionResult.Current>(r).Version.Id));
        Assert.Equal(10, bed.Count("metadata-read"));
        Assert.Equal(0, bed.Count("read"));
        Assert.All(Enumerable.Range(0, 10), i => Assert.Equal(1, bed.Vault.Requests.CountWhere(r => r.Path == $"/v1/secret/metadata/app/s{i}")));
    }

    [Fact]
    public async Task AVersionCheck_ReportsTheNewVersionAndItsCreationTime_AfterARotation()
    {
        await using var bed = await VaultTestBed.StartAsync();
        bed.Vault.WriteSecret("secret", "app", new Dictionary<string, object?> { ["k"] = "v1" });
        var client = bed.Connect();
        var before = await client.CheckVersionsAsync(["app"], CancellationToken.None);

        bed.Vault.WriteSecret("secret", "app", new Dictionary<string, object?> { ["k"] = "v2" });
        var after = await client.CheckVersionsAsync(["app"], CancellationToken.None);

        Assert.Equal("1", Assert.IsType<VersionResult.Current>(before["app"]).Version.Id);
        var current = Assert.IsType<VersionResult.Current>(after["app"]).Version;
        Assert.Equal("2", current.Id);
        Assert.Equal(bed.Vault.ReadMetadata("secret", "app")!.Versions[2].CreatedTime, current.CreatedAt);
    }

    [Fact]
    public async Task ADeletedCurrentVersion_IsAbsent_WithTheNewestLiveVersion()
    {
        await using var bed = await VaultTestBed.StartAsync();
        bed.Vault.WriteSecret("secret", "soft", new Dictionary<string, object?> { ["k"] = "v1" });
        bed.Vault.WriteSecret("secret", "soft", new Dictionary<string, object?> { ["k"] = "v2" });
        bed.Vault.DeleteLatestVersion("secret", "soft");
        bed.Vault.WriteSecret("secret", "gone", new Dictionary<string, object?> { ["k"] = "v1" });
        bed.Vault.DestroyVersions("secret", "gone", 1);
        var client = bed.Connect();

        var results = await client.CheckVersionsAsync(["soft", "gone", "missing"], CancellationToken.None);

        var soft = Assert.IsType<VersionResult.Absent>(results["soft"]).Absence;
        Assert.Equal((AbsenceKind.Deleted, "1"), (soft.Kind, soft.NewestLiveVersion));
        var gone = Assert.IsType<VersionResult.Absent>(results["gone"]).Absence;
        Assert.Equal((AbsenceKind.Destroyed, (string?)null), (gone.Kind, gone.NewestLiveVersion));
        Assert.Equal(AbsenceKind.NotFound, Assert.IsType<VersionResult.Absent>(results["missing"]).Absence.Kind);
    }

    [Fact]
    public async Task MetadataWithoutAnyVersion_IsAbsentNotFound()
    {
        await using var bed = await VaultTestBed.StartAsync();
        bed.Vault.WriteMetadata("secret", "empty", maxVersions: 3);
        var client = bed.Connect();

        var results = await client.CheckVersionsAsync(["empty"], CancellationToken.None);

        Assert.Equal(AbsenceKind.NotFound, Assert.IsType<VersionResult.Absent>(results["empty"]).Absence.Kind);
    }

    [Fact]
    public async Task AFailingPath_DoesNotSpoilTheOthers()
    {
        await using var bed = await VaultTestBed.StartAsync();
        bed.Vault.WriteSecret("secret", "ok", new Dictionary<string, object?> { ["k"] = "v" });
        bed.Vault.WriteSecret("secret", "sealed-ish", new Dictionary<string, object?> { ["k"] = "v" });
        var client = bed.Connect();
        bed.Vault.Faults.Add(new DevStack.Hosting.FaultRule { PathPrefix = "/v1/secret/metadata/sealed-ish", StatusCode = 503 });

        var results = await client.CheckVersionsAsync(["ok", "sealed-ish"], CancellationToken.None);

        Assert.IsType<VersionResult.Current>(results["ok"]);
        Assert.Equal(FailureKind.Unavailable, Assert.IsType<VersionResult.Failed>(results["sealed-ish"]).Failure.Kind);
    }
}
