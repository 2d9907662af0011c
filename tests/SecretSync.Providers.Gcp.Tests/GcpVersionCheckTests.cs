using System.Text;
using SecretSync.Core.Configuration;
using SecretSync.Core.Desired;
using SecretSync.Core.Model;
using SecretSync.Core.Providers;
using SecretSync.DevStack.Hosting;
using SecretSync.Providers.Contract;
using Xunit.Abstractions;

namespace SecretSync.Providers.Gcp.Tests;

public sealed class GcpVersionCheckTests(ITestOutputHelper output)
{
    [Fact]
    public async Task VersionChecks_MakeOneListCallPerDistinctSecret_AndReadNoPayload()
    {
        await using var bed = await GcpTestBed.StartAsync();
        for (var i = 0; i < 10; i++)
        {
            bed.Emulator.AddVersion($"app-s{i}", "v");
        }

        var client = bed.Connect();
        // app/s3 and app-s3 name the same secret; duplicates come from many namespaces using one source.
        var paths = Enumerable.Range(0, 10).Select(i => $"app-s{i}").Concat(["app-s0", "app/s3", "app-s3"]).ToList();

        var results = await client.CheckVersionsAsync(paths, default);

        Assert.Equal(11, results.Count);
        Assert.All(results.Values, r => Assert.Equal("1", Assert.IsType<VersionResult.Current>(r).Version.Id));
        Assert.Equal(10, await bed.LoggedAsync(10));
        Assert.Equal(10, bed.Count("list-versions"));
    }

    [Fact]
    public async Task ANewVersion_IsReportedWithItsCreateTime()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Emulator.AddVersion("app", "v1");
        var client = bed.Connect();
        var before = await client.CheckVersionsAsync(["app"], default);

        bed.Emulator.AddVersion("app", "v2");
        var after = await client.CheckVersionsAsync(["app"], default);

        Assert.Equal("1", Assert.IsType<VersionResult.Current>(before["app"]).Version.Id);
        var current = Assert.IsType<VersionResult.Current>(after["app"]).Version;
        Assert.Equal("2", current.Id);
        Assert.Equal(bed.Emulator.GetVersions("app")![0].CreateTime, current.CreatedAt);
    }

    [Fact]
    public async Task DisabledAndDestroyedNewestVersions_AreAbsent_WithTheNewestEnabledVersion()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Emulator.AddVersion("soft", "v1");
        bed.Emulator.AddVersion("soft", "v2");
        bed.Emulator.DisableVersion("soft", 2);
        bed.Emulator.AddVersion("hard", "v1");
        bed.Emulator.AddVersion("hard", "v2");
        bed.Emulator.DestroyVersion("hard", 2);
        bed.Emulator.AddVersion("off", "v1");
        bed.Emulator.DisableVersion("off", 1);
        bed.Emulator.AddVersion("burnt", "v1");
        bed.Emulator.DestroyVersion("burnt", 1);
        bed.Emulator.CreateSecret("empty");
        bed.Emulator.AddVersion("older-disabled", "v1");
        bed.Emulator.AddVersion("older-disabled", "v2");
        bed.Emulator.DisableVersion("older-disabled", 1);
        var client = bed.Connect();

        var results = await client.CheckVersionsAsync(["soft", "hard", "off", "burnt", "empty", "missing", "older-disabled"], default);

        Assert.Equal((AbsenceKind.Disabled, "1"), Kind(results["soft"]));
        Assert.Equal((AbsenceKind.Destroyed, "1"), Kind(results["hard"]));
        Assert.Equal((AbsenceKind.Disabled, (string?)null), Kind(results["off"]));
        Assert.Equal((AbsenceKind.Destroyed, (string?)null), Kind(results["burnt"]));
        Assert.Equal((AbsenceKind.NotFound, (string?)null), Kind(results["empty"]));
        Assert.Equal((AbsenceKind.NotFound, (string?)null), Kind(results["missing"]));
        Assert.Equal("2", Assert.IsType<VersionResult.Current>(results["older-disabled"]).Version.Id);

        static (AbsenceKind, string?) Kind(VersionResult result)
        {
            var absence = Assert.IsType<VersionResult.Absent>(result).Absence;
            return (absence.Kind, absence.NewestLiveVersion);
        }
    }

    [Fact]
    public async Task Paging_FollowsNextPageToken_OnlyUntilTheNewestEnabledVersionIsSeen()
    {
        await using var bed = await GcpTestBed.StartAsync();
        for (var i = 1; i <= 9; i++)
        {
            bed.Emulator.AddVersion("deep", $"v{i}");
        }

        for (var i = 9; i >= 4; i--)
        {
            bed.Emulator.DisableVersion("deep", i);
        }

        bed.Emulator.AddVersion("shallow", "v1");
        bed.Emulator.AddVersion("shallow", "v2");
        var client = bed.ConnectWith(new GcpProvider(TimeProvider.System), bed.SettingsFor("gcp-main"), pageSize: 2);

        var results = await client.CheckVersionsAsync(["deep", "shallow"], default);
        var read = Expect.Absent(await client.ReadAsync("deep", null, default), AbsenceKind.Disabled);

        var deep = Assert.IsType<VersionResult.Absent>(results["deep"]).Absence;
        Assert.Equal((AbsenceKind.Disabled, "3"), (deep.Kind, deep.NewestLiveVersion));
        Assert.Equal("3", read.NewestLiveVersion);
        Assert.Equal("2", Assert.IsType<VersionResult.Current>(results["shallow"]).Version.Id);
        var lists = bed.Emulator.Requests.Snapshot().Where(r => r.Verb == "list-versions").ToList();
        // deep: versions 9,8 | 7,6 | 5,4 | 3,2 → four pages for the check and four for the read's fall-back; shallow: one page.
        Assert.Equal(4 + 4 + 1, lists.Count);
        Assert.Equal(3 + 3, lists.Count(r => r.Query.Contains("pageToken=", StringComparison.Ordinal)));
        Assert.All(lists, r => Assert.Contains("pageSize=2", r.Query, StringComparison.Ordinal));
    }

    [Fact]
    public async Task OneSourceFailing_DoesNotSpoilTheOthers()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Emulator.AddVersion("ok", "v");
        bed.Emulator.AddVersion("flaky", "v");
        var client = bed.Connect();
        bed.Emulator.Faults.Add(new FaultRule { PathPrefix = $"/v1/projects/{bed.Emulator.Project}/secrets/flaky/", StatusCode = 503 });

        var results = await client.CheckVersionsAsync(["ok", "flaky"], default);

        Assert.IsType<VersionResult.Current>(results["ok"]);
        Assert.Equal(FailureKind.Unavailable, Assert.IsType<VersionResult.Failed>(results["flaky"]).Failure.Kind);
    }

    /// <summary>
    /// The closing figure of issue 6: 100 sources used by 500 namespaces. The desired state (computed by Core from a real
    /// configuration) holds 50,000 target Secrets but 100 distinct sources; a steady-state poll cycle costs 100 list calls,
    /// against 50,000 for one call per namespace per secret. A cycle in which every source rotated adds one access call each.
    /// </summary>
    [Fact]
    public async Task APollCycle_For100SourcesUsedBy500Namespaces_Costs100Calls()
    {
        const int sources = 100;
        const int namespaces = 500;
        await using var bed = await GcpTestBed.StartAsync();
        for (var i = 0; i < sources; i++)
        {
            bed.Emulator.AddJsonVersion($"app-s{i:000}", new Dictionary<string, string> { ["password"] = $"pw-{i}" });
        }

        var registry = new ProviderRegistry([new GcpProvider(TimeProvider.System)]);
        var yaml = new StringBuilder($"""
            cluster: test
            providers:
              gcp-main:
                type: gcp
                project: {bed.Emulator.Project}
                endpoint: {bed.Endpoint}
                auth:
                  accessTokenFile: {bed.File(bed.Emulator.AccessToken)}
            bundles:
              everything:
                provider: gcp-main
                namespaces: all
                secrets:

            """);
        for (var i = 0; i < sources; i++)
        {
            yaml.Append($"      - {{ source: app/s{i:000}, target: secret-{i:000} }}\n");
        }

        var config = Assert.IsType<ConfigResult.Valid>(ConfigLoader.Parse(yaml.ToString(), "config.yaml", registry)).Config;
        var annotated = Enumerable.Range(0, namespaces).Select(n => new NamespaceInfo($"ns-{n}", new Dictionary<string, string>(),
            new Dictionary<string, string> { [Annotations.Bundles] = "everything" }));
        var desired = DesiredState.Compute(config, annotated);
        Assert.Equal(sources * namespaces, desired.Targets.Count);
        Assert.Equal(sources, desired.Sources.Count);

        await using var source = registry.Get("gcp").Connect(config.Providers["gcp-main"]);
        var paths = desired.Sources.Keys.Select(s => s.Path).ToList();
        bed.Emulator.Requests.Clear();

        var steady = await source.CheckVersionsAsync(paths, default);
        var steadyCalls = await bed.LoggedAsync(sources);

        for (var i = 0; i < sources; i++)
        {
            bed.Emulator.AddJsonVersion($"app-s{i:000}", new Dictionary<string, string> { ["password"] = $"pw-{i}-rotated" });
        }

        bed.Emulator.Requests.Clear();
        var rotated = await source.CheckVersionsAsync(paths, default);
        foreach (var path in paths)
        {
            Expect.Found(await source.ReadAsync(path, null, default));
        }

        var rotationCalls = await bed.LoggedAsync(2 * sources);

        Assert.All(steady.Values, r => Assert.Equal("1", Assert.IsType<VersionResult.Current>(r).Version.Id));
        Assert.All(rotated.Values, r => Assert.Equal("2", Assert.IsType<VersionResult.Current>(r).Version.Id));
        Assert.Equal(sources, steadyCalls);
        Assert.Equal(2 * sources, rotationCalls);
        Assert.Equal(sources, bed.Count("access"));
        output.WriteLine($"{sources} sources x {namespaces} namespaces = {desired.Targets.Count} Secrets: {steadyCalls} Secret Manager calls per steady " +
            $"poll cycle ({rotationCalls} when every source rotated), against {sources * namespaces} for one call per namespace per secret.");
    }
}
