using System.Diagnostics;
using SecretSync.Core.Providers;
using SecretSync.DevStack.Hosting;
using SecretSync.Providers.Common;
using SecretSync.Providers.Contract;

namespace SecretSync.Providers.Vault.Tests;

public sealed class VaultFaultTests
{
    private const string DataPrefix = "/v1/secret/data/";

    private static async Task<(VaultTestBed Bed, VaultClient Client)> StartAsync(params (string Key, string Value)[] settings)
    {
        var bed = await VaultTestBed.StartAsync();
        bed.Vault.WriteSecret("secret", "app", new Dictionary<string, object?> { ["k"] = "v" });
        var client = bed.Connect(settings);
        Expect.Found(await client.ReadAsync("app", null, CancellationToken.None));
        bed.Vault.Requests.Clear();
        return (bed, client);
    }

    [Fact]
    public async Task ASealedVault_IsUnavailable_NeverAbsent()
    {
        var (bed, client) = await StartAsync();
        await using var _ = bed;
        bed.Vault.Sealed = true;

        var failure = Expect.Failed(await client.ReadAsync("app", null, CancellationToken.None), FailureKind.Unavailable);
        var versions = await client.CheckVersionsAsync(["app"], CancellationToken.None);

        Assert.Contains("sealed", failure.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(FailureKind.Unavailable, Assert.IsType<VersionResult.Failed>(versions["app"]).Failure.Kind);
    }

    [Fact]
    public async Task AShortSealedSpell_IsRiddenOutByRetries()
    {
        var (bed, client) = await StartAsync();
        await using var _ = bed;
        bed.Vault.Faults.Add(new FaultRule { PathPrefix = DataPrefix, StatusCode = 503, Times = 2 });

        Expect.Found(await client.ReadAsync("app", null, CancellationToken.None));

        Assert.Equal(3, bed.Count("read"));
    }

    [Fact]
    public async Task APersistent500_IsUnavailable_AfterBoundedRetries()
    {
        var (bed, client) = await StartAsync();
        await using var _ = bed;
        bed.Vault.Faults.Add(new FaultRule { PathPrefix = DataPrefix, StatusCode = 500 });

        Expect.Failed(await client.ReadAsync("app", null, CancellationToken.None), FailureKind.Unavailable);

        Assert.Equal(1 + ProviderPipeline.DefaultMaxRetries, bed.Count("read"));
    }

    [Fact]
    public async Task AnInjected403_IsForbidden_NeverAbsent()
    {
        var (bed, client) = await StartAsync();
        await using var _ = bed;
        bed.Vault.Faults.Add(new FaultRule { PathPrefix = DataPrefix, StatusCode = 403 });

        var result = await client.ReadAsync("app", null, CancellationToken.None);

        Assert.IsNotType<ReadResult.Absent>(result);
        Expect.Failed(result, FailureKind.Forbidden);
    }

    [Fact]
    public async Task A429WithAShortRetryAfter_IsHonouredAndRetried()
    {
        var (bed, client) = await StartAsync();
        await using var _ = bed;
        bed.Vault.Faults.Add(new FaultRule { PathPrefix = DataPrefix, StatusCode = 429, RetryAfter = TimeSpan.FromSeconds(1), Times = 1 });
        var watch = Stopwatch.StartNew();

        Expect.Found(await client.ReadAsync("app", null, CancellationToken.None));

        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(950), $"Retried after {watch.Elapsed}, before Retry-After.");
        var reads = bed.Vault.Requests.Snapshot().Where(r => r.Verb == "read").ToList();
        Assert.Equal([429, 200], reads.Select(r => r.Status));
        Assert.True(reads[1].Time - reads[0].Time >= TimeSpan.FromMilliseconds(950));
    }

    [Fact]
    public async Task A429WithALongRetryAfter_IsThrottled_AtOnce_CarryingRetryAfter()
    {
        var (bed, client) = await StartAsync();
        await using var _ = bed;
        bed.Vault.Faults.Add(new FaultRule { PathPrefix = DataPrefix, StatusCode = 429, RetryAfter = TimeSpan.FromSeconds(60) });
        var watch = Stopwatch.StartNew();

        var failure = Expect.Failed(await client.ReadAsync("app", null, CancellationToken.None), FailureKind.Throttled);

        Assert.Equal(TimeSpan.FromSeconds(60), failure.RetryAfter);
        Assert.Equal(1, bed.Count("read"));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task AHangingVault_TimesOutAsUnavailable_WithinTwiceTheTimeout()
    {
        var (bed, client) = await StartAsync(("timeout", "1s"));
        await using var _ = bed;
        bed.Vault.Faults.Add(new FaultRule { PathPrefix = DataPrefix, Latency = TimeSpan.FromSeconds(30) });
        var watch = Stopwatch.StartNew();

        var result = await client.ReadAsync("app", null, CancellationToken.None);

        Expect.Failed(result, FailureKind.Unavailable);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3.5));
    }

    [Fact]
    public async Task NoVaultListening_IsUnavailable_InSeconds()
    {
        await using var bed = await VaultTestBed.StartAsync();
        var port = new Uri(bed.Address).Port;
        await bed.Vault.DisposeAsync();
        var provider = new VaultProvider(TimeProvider.System, null, null, TestSettings.NoEnvironment);
        await using var client = provider.Connect(Settings.Of(("address", $"http://127.0.0.1:{port}"), ("auth.token", "t")));
        var watch = Stopwatch.StartNew();

        Expect.Failed(await client.ReadAsync("app", null, CancellationToken.None), FailureKind.Unavailable);
        var versions = await client.CheckVersionsAsync(["app"], CancellationToken.None);

        Assert.Equal(FailureKind.Unavailable, Assert.IsType<VersionResult.Failed>(versions["app"]).Failure.Kind);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"Took {watch.Elapsed}.");
    }

    [Fact]
    public async Task RepeatedOutages_OpenTheCircuit_SoCallsFailFastWithoutReachingVault()
    {
        var (bed, client) = await StartAsync();
        await using var _ = bed;
        bed.Vault.Faults.Add(new FaultRule { PathPrefix = DataPrefix, StatusCode = 500 });
        for (var i = 0; i < 4; i++)
        {
            Expect.Failed(await client.ReadAsync("app", null, CancellationToken.None), FailureKind.Unavailable);
        }

        var before = bed.Count("read");
        var failure = Expect.Failed(await client.ReadAsync("app", null, CancellationToken.None), FailureKind.Unavailable);

        Assert.Contains("circuit", failure.Message, StringComparison.Ordinal);
        Assert.Equal(before, bed.Count("read"));
    }

    [Fact]
    public async Task CancellingACall_ThrowsOperationCanceled()
    {
        var (bed, client) = await StartAsync();
        await using var _ = bed;
        bed.Vault.Faults.Add(new FaultRule { PathPrefix = DataPrefix, Latency = TimeSpan.FromSeconds(5) });
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await client.ReadAsync("app", null, cts.Token));
    }
}
