using SecretSync.Core.Providers;
using SecretSync.DevStack.Hosting;

namespace SecretSync.Providers.Aws.Tests;

public sealed class AwsVersionCheckTests : IAsyncLifetime
{
    private AwsTestBed _bed = null!;

    public async Task InitializeAsync() => _bed = await AwsTestBed.StartAsync();

    public async Task DisposeAsync() => await _bed.DisposeAsync();

    /// <summary>The closing figure of issue 6: 100 sources used by 500 namespaces cost one ListSecrets page per poll cycle.</summary>
    [Fact]
    public async Task HundredSourcesInFiveHundredNamespaces_CostOneListSecretsCallPerCycle()
    {
        var sources = Enumerable.Range(0, 100).Select(i => $"team{i % 5}/app{i:000}").ToList();
        sources.ForEach(s => _bed.Aws.PutSecret(s, "{\"k\":\"v\"}"));
        // Every namespace asks for every source: 50,000 (namespace, source) pairs, as a naive one-call-per-pair peer would read.
        var pairs = Enumerable.Range(0, 500).SelectMany(_ => sources).ToList();
        var client = _bed.Connect();
        _bed.Aws.Requests.Clear();

        var results = await client.CheckVersionsAsync(pairs, default);

        Assert.Equal(100, results.Count);
        Assert.All(results.Values, r => Assert.IsType<VersionResult.Current>(r));
        Assert.Equal(50_000, pairs.Count);
        Assert.Equal(1, _bed.Aws.Requests.Count);
        Assert.Equal(1, _bed.Count("ListSecrets"));
    }

    [Fact]
    public async Task AListingLargerThanAPage_IsPagedWithNextToken_OncePerCycle()
    {
        // 250 secrets in 12 folders: too many folders for a name filter, so the whole account is listed, 100 a page.
        var sources = Enumerable.Range(0, 250).Select(i => $"f{i % 12}/s{i:000}").ToList();
        sources.ForEach(s => _bed.Aws.PutSecret(s, "{\"k\":\"v\"}"));
        var client = _bed.Connect();

        var first = await client.CheckVersionsAsync(sources, default);
        var second = await client.CheckVersionsAsync(sources, default);

        Assert.All(first.Values.Concat(second.Values), r => Assert.IsType<VersionResult.Current>(r));
        Assert.Equal(6, _bed.Count("ListSecrets"));
        Assert.Equal(0, _bed.Count("DescribeSecret") + _bed.Count("GetSecretValue") + _bed.Count("BatchGetSecretValue"));
    }

    [Fact]
    public async Task NameFilters_NarrowTheListing_ToTheFoldersInUse()
    {
        Enumerable.Range(0, 150).ToList().ForEach(i => _bed.Aws.PutSecret($"other/s{i:000}", "{}"));
        var mine = Enumerable.Range(0, 30).Select(i => $"mine/s{i:00}").ToList();
        mine.ForEach(s => _bed.Aws.PutSecret(s, "{}"));
        var client = _bed.Connect();

        var results = await client.CheckVersionsAsync(mine, default);

        Assert.All(results.Values, r => Assert.IsType<VersionResult.Current>(r));
        Assert.Equal(1, _bed.Count("ListSecrets"));
        Assert.Equal(["mine/"], AwsSecretsClient.NamePrefixes(mine));
    }

    [Fact]
    public async Task ANewVersion_IsSeenInTheNextListing()
    {
        var first = _bed.Aws.PutSecret("app/db", "{\"pw\":\"1\"}");
        var client = _bed.Connect();
        var before = Assert.IsType<VersionResult.Current>((await client.CheckVersionsAsync(["app/db"], default))["app/db"]);

        var second = _bed.Aws.PutSecret("app/db", "{\"pw\":\"2\"}");
        var after = Assert.IsType<VersionResult.Current>((await client.CheckVersionsAsync(["app/db"], default))["app/db"]);

        Assert.Equal(first, before.Version.Id);
        Assert.Equal(second, after.Version.Id);
        Assert.True(after.Version.CreatedAt > DateTimeOffset.UnixEpoch);
    }

    [Fact]
    public async Task ScheduledForDeletion_IsAbsent_FromTheListingItself()
    {
        _bed.Aws.PutSecret("app/db", "{}");
        _bed.Aws.DeleteSecret("app/db");
        var client = _bed.Connect();

        var absent = Assert.IsType<VersionResult.Absent>((await client.CheckVersionsAsync(["app/db"], default))["app/db"]);

        Assert.Equal(AbsenceKind.ScheduledForDeletion, absent.Absence.Kind);
        Assert.Equal(1, _bed.Count("ListSecrets"));
        Assert.Equal(0, _bed.Count("DescribeSecret"));
    }

    [Fact]
    public async Task ASecretMissingFromTheListing_IsConfirmedWithDescribeSecret()
    {
        _bed.Aws.PutSecret("app/live", "{}");
        var client = _bed.Connect();

        var results = await client.CheckVersionsAsync(["app/live", "app/never"], default);

        Assert.IsType<VersionResult.Current>(results["app/live"]);
        Assert.Equal(AbsenceKind.NotFound, Assert.IsType<VersionResult.Absent>(results["app/never"]).Absence.Kind);
        Assert.Equal(1, _bed.Count("ListSecrets"));
        Assert.Equal(1, _bed.Count("DescribeSecret"));
    }

    [Fact]
    public async Task AListingThatFails_FailsEveryPath_WithoutAbsence()
    {
        _bed.Aws.PutSecret("app/a", "{}");
        using var outage = _bed.Aws.Faults.Add(new FaultRule { StatusCode = 500, Verb = "ListSecrets" });
        var client = _bed.Connect();

        var results = await client.CheckVersionsAsync(["app/a", "app/b"], default);

        Assert.All(results.Values, r => Assert.Equal(FailureKind.Unavailable, Assert.IsType<VersionResult.Failed>(r).Failure.Kind));
        Assert.Equal(0, _bed.Count("DescribeSecret"));
    }

    [Fact]
    public async Task SecretsAddressedByArn_AreMatchedByArn()
    {
        _bed.Aws.PutSecret("app/db", "{}");
        var arn = _bed.Aws.Describe("app/db")!.Arn;
        var client = _bed.Connect();

        var results = await client.CheckVersionsAsync([arn], default);

        Assert.IsType<VersionResult.Current>(results[arn]);
        Assert.Null(AwsSecretsClient.NamePrefixes([arn]));
    }
}
