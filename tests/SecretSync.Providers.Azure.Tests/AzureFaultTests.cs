using SecretSync.Core.Providers;
using SecretSync.DevStack.Hosting;
using SecretSync.Providers.Contract;

namespace SecretSync.Providers.Azure.Tests;

public sealed class AzureFaultTests : IAsyncLifetime
{
    private AzureTestBed _bed = null!;
    private AzureClient _client = null!;

    public async Task InitializeAsync()
    {
        _bed = await AzureTestBed.StartAsync();
        _bed.Vault.SetSecret("db", "p1");
        _client = _bed.Connect();
        // Past the challenge, so each test counts only its own calls.
        Expect.Found(await _client.ReadAsync("db", null, default));
        _bed.Vault.Requests.Clear();
    }

    public async Task DisposeAsync() => await _bed.DisposeAsync();

    [Fact]
    public async Task ALongRetryAfter_IsReturnedAsThrottling_AtOnce_NotWaitedOutInTheCall()
    {
        using var throttle = _bed.Vault.Faults.Add(new FaultRule { StatusCode = 429, RetryAfter = TimeSpan.FromSeconds(30) });

        var failure = Expect.Failed(await _client.ReadAsync("db", null, default), FailureKind.Throttled);

        Assert.Equal(TimeSpan.FromSeconds(30), failure.RetryAfter);
        Assert.Equal(1, _bed.Vault.Requests.Count);
    }

    [Fact]
    public async Task AShortRetryAfter_IsHonouredByTheSdksRetry()
    {
        using var throttle = _bed.Vault.Faults.Add(new FaultRule { StatusCode = 429, RetryAfter = TimeSpan.FromSeconds(1), Times = 1 });
        var started = TimeProvider.System.GetTimestamp();

        Expect.Found(await _client.ReadAsync("db", null, default));

        Assert.True(TimeProvider.System.GetElapsedTime(started) >= TimeSpan.FromSeconds(0.9));
        Assert.Equal([429, 200], _bed.Vault.Requests.Snapshot().Select(r => r.Status));
    }

    [Fact]
    public async Task ServerErrors_AreRetriedABoundedNumberOfTimes_ThenUnavailable()
    {
        using var outage = _bed.Vault.Faults.Add(new FaultRule { StatusCode = 503 });

        Expect.Failed(await _client.ReadAsync("db", null, default), FailureKind.Unavailable);

        Assert.Equal(3, _bed.Vault.Requests.Count); // the attempt and retry.maxRetries: 2
    }

    [Fact]
    public async Task AnAccessDenied403_IsForbidden_NeverAbsence()
    {
        using var denied = _bed.Vault.Faults.Add(new FaultRule { StatusCode = 403 });

        Expect.Failed(await _client.ReadAsync("db", null, default), FailureKind.Forbidden);
        Expect.Failed((await _client.CheckVersionsAsync(["db"], default))["db"], FailureKind.Forbidden);
    }

    [Fact]
    public async Task A404WithoutSecretNotFound_IsNotEvidence()
    {
        using var proxy = _bed.Vault.Faults.Add(new FaultRule { StatusCode = 404 });

        Expect.Failed(await _client.ReadAsync("db", null, default), FailureKind.Rejected);
    }

    [Fact]
    public async Task AVaultThatStopsAnswering_IsUnavailable_WithinTheTimeout()
    {
        using var slow = _bed.Vault.Faults.Add(new FaultRule { Latency = TimeSpan.FromSeconds(30) });
        var client = _bed.Connect(("timeout", "300ms"), ("retry.maxRetries", "1"));
        var started = TimeProvider.System.GetTimestamp();

        Expect.Failed(await client.ReadAsync("db", null, default), FailureKind.Unavailable);

        Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task CancellationByTheCaller_Propagates()
    {
        using var slow = _bed.Vault.Faults.Add(new FaultRule { Latency = TimeSpan.FromSeconds(30) });
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await _client.ReadAsync("db", null, cts.Token));
    }
}
