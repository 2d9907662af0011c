using SecretSync.Core.Providers;
using SecretSync.DevStack;
using SecretSync.DevStack.Hosting;
using SecretSync.Providers.Contract;
using SecretSync.Testing;
using Xunit.Abstractions;

namespace SecretSync.Providers.Azure.Tests;

/// <summary>Change detection cost: list pages per cycle, GETs only for what changed (DESIGN §3 "cheap at rest").</summary>
public sealed class AzureVersionCheckTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly ManualTimeProvider _clock = new(TimeProvider.System.GetUtcNow());
    private AzureTestBed _bed = null!;

    public async Task InitializeAsync() => _bed = await AzureTestBed.StartAsync(new AzureKeyVaultEmulatorOptions { Time = _clock });

    public async Task DisposeAsync() => await _bed.DisposeAsync();

    [Fact]
    public async Task HundredSourcesUsedByFiveHundredNamespaces_CostFourListPagesPerSteadyCycle_NotFiftyThousandCalls()
    {
        var versions = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < 100; i++)
        {
            versions[$"team{i % 10}/app{i}"] = _bed.Vault.SetSecret($"team{i % 10}-app{i}", $"{{\"password\":\"p{i}\"}}");
        }

        // What the engine hands over: each of 500 namespaces uses all 100 sources, de-duplicated to distinct paths.
        var references = Enumerable.Range(0, 500).SelectMany(_ => versions.Keys).ToList();
        var paths = references.Distinct(StringComparer.Ordinal).ToList();
        var client = _bed.Connect();

        var cold = await CycleAsync(client, paths);
        _clock.Advance(TimeSpan.FromSeconds(10));
        var settling = await CycleAsync(client, paths);
        var steady = await CycleAsync(client, paths);

        _clock.Advance(TimeSpan.FromSeconds(10));
        versions["team3/app3"] = _bed.Vault.SetSecret("team3-app3", "{\"password\":\"rotated\"}");
        var rotation = await CycleAsync(client, paths);

        output.WriteLine($"{references.Count} namespace x source references, {paths.Count} distinct sources:");
        output.WriteLine($"  cold cycle {cold.Calls} calls, first settled cycle {settling.Calls}, steady cycle {steady.Calls}, cycle with one rotation {rotation.Calls}");
        output.WriteLine($"  one call per namespace per secret would be {references.Count}");
        Assert.Equal(50_000, references.Count);
        Assert.Equal(4 + 100, cold.Calls);       // the listing, then one GET per source to learn its version id
        Assert.Equal(4 + 100, settling.Calls);   // versions written within SettleMargin of the last GET are not trusted yet
        Assert.Equal(4, steady.Calls);           // steady state: ceil(100 / 25) list pages, nothing else
        Assert.All(steady.Verbs, v => Assert.Equal("list", v));
        Assert.Equal(4 + 1, rotation.Calls);     // the rotated source alone is read
        foreach (var (path, version) in versions)
        {
            Assert.Equal(version, Expect.Current(rotation.Results[path]).Id);
        }
    }

    [Fact]
    public async Task TwoVersionsWithinOneSecond_AreTold_Apart()
    {
        var client = _bed.Connect();
        var first = _bed.Vault.SetSecret("db", "p1");
        Assert.Equal(first, Expect.Current((await client.CheckVersionsAsync(["db"], default))["db"]).Id);

        // Same second on the vault's clock: the list entry (created, updated, enabled) looks the same.
        var second = _bed.Vault.SetSecret("db", "p2");

        Assert.Equal(second, Expect.Current((await client.CheckVersionsAsync(["db"], default))["db"]).Id);
    }

    [Fact]
    public async Task ASourceDisabledOrDeletedAfterItWasCached_IsConfirmedAbsentByAGet()
    {
        _bed.Vault.SetSecret("a", "1");
        _bed.Vault.SetSecret("b", "2");
        var client = _bed.Connect();
        await client.CheckVersionsAsync(["a", "b"], default);
        _clock.Advance(TimeSpan.FromSeconds(10));
        await client.CheckVersionsAsync(["a", "b"], default);

        _bed.Vault.DisableSecret("a");
        _bed.Vault.DeleteSecret("b");
        _bed.Vault.Requests.Clear();
        var results = await client.CheckVersionsAsync(["a", "b"], default);

        Expect.Absent(results["a"], AbsenceKind.Disabled);
        Expect.Absent(results["b"], AbsenceKind.NotFound);
        Assert.Equal(["get", "get", "list"], _bed.Vault.Requests.Snapshot().Select(r => r.Verb).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task AVaultMuchLargerThanTheSyncedSet_IsReadPerSource_InsteadOfListed()
    {
        for (var i = 0; i < 120; i++)
        {
            _bed.Vault.SetSecret($"other{i}", "x");
        }

        _bed.Vault.SetSecret("db", "p1");
        _bed.Vault.SetSecret("api", "k1");
        var client = _bed.Connect();
        await client.CheckVersionsAsync(["db", "api"], default);
        _bed.Vault.Requests.Clear();

        var results = await client.CheckVersionsAsync(["db", "api"], default);

        Assert.Equal(5, client.LastListPages);
        Assert.Equal(["get", "get"], _bed.Vault.Requests.Snapshot().Select(r => r.Verb));
        Expect.Current(results["db"]);
        Expect.Current(results["api"]);
    }

    [Fact]
    public async Task WithoutListPermission_EachSourceIsRead()
    {
        _bed.Vault.SetSecret("db", "p1");
        var client = _bed.Connect();
        using var noList = _bed.Vault.Faults.Add(new FaultRule { Verb = "list", StatusCode = 403 });

        var results = await client.CheckVersionsAsync(["db", "gone"], default);
        _bed.Vault.Requests.Clear();
        var next = await client.CheckVersionsAsync(["db", "gone"], default);

        Expect.Current(results["db"]);
        Expect.Absent(results["gone"], AbsenceKind.NotFound);
        Expect.Current(next["db"]);
        Assert.Equal(["get", "get"], _bed.Vault.Requests.Snapshot().Select(r => r.Verb)); // no futile listing every cycle
    }

    [Fact]
    public async Task AThrottledListing_FailsTheCycle_WithoutAGetPerSource()
    {
        _bed.Vault.SetSecret("db", "p1");
        var client = _bed.Connect();
        await client.CheckVersionsAsync(["db"], default);
        _bed.Vault.Requests.Clear();
        using var throttle = _bed.Vault.Faults.Add(new FaultRule { Verb = "list", StatusCode = 429, RetryAfter = TimeSpan.FromSeconds(20) });

        var results = await client.CheckVersionsAsync(["db", "other"], default);

        Assert.Equal(TimeSpan.FromSeconds(20), Expect.Failed(results["db"], FailureKind.Throttled).RetryAfter);
        Expect.Failed(results["other"], FailureKind.Throttled);
        Assert.Equal(1, _bed.Vault.Requests.Count);
    }

    [Fact]
    public async Task PathsNamingTheSameSecret_ShareOneAnswer()
    {
        var version = _bed.Vault.SetSecret("payments-db", "p1");
        var client = _bed.Connect();

        var results = await client.CheckVersionsAsync(["payments/db", "payments-db", "PAYMENTS/DB"], default);

        Assert.All(results.Values, r => Assert.Equal(version, Expect.Current(r).Id));
        Assert.Equal(1, _bed.Count("get"));
    }

    private async Task<(int Calls, IReadOnlyList<string> Verbs, IReadOnlyDictionary<string, VersionResult> Results)> CycleAsync(AzureClient client, List<string> paths)
    {
        _bed.Vault.Requests.Clear();
        var results = await client.CheckVersionsAsync(paths, default);
        Assert.Equal(paths.Count, results.Count);
        var calls = _bed.Vault.Requests.Snapshot().Where(r => r.Status != 401).Select(r => r.Verb).ToList();
        return (calls.Count, calls, results);
    }
}
