using SecretSync.Kubernetes.Client;
using SecretSync.Testing;

namespace SecretSync.Kubernetes.Tests.Client;

public sealed class TokenBucketTests
{
    [Fact]
    public async Task Burst_IsGrantedAtOnce_ThenRequestsWaitForTheRefill()
    {
        var clock = new ManualTimeProvider();
        var bucket = new TokenBucket(qps: 2, burst: 3, clock);

        for (var i = 0; i < 3; i++)
        {
            Assert.True(bucket.AcquireAsync(CancellationToken.None).IsCompletedSuccessfully);
        }

        var fourth = bucket.AcquireAsync(CancellationToken.None).AsTask();
        Assert.False(fourth.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(499));
        Assert.False(fourth.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        await fourth.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Waiters_AreServedOnePerRefillInterval()
    {
        var clock = new ManualTimeProvider();
        var bucket = new TokenBucket(qps: 10, burst: 1, clock);
        await bucket.AcquireAsync(CancellationToken.None);

        var second = bucket.AcquireAsync(CancellationToken.None).AsTask();
        var third = bucket.AcquireAsync(CancellationToken.None).AsTask();
        clock.Advance(TimeSpan.FromMilliseconds(100));
        await second.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(third.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(100));
        await third.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void IdleTime_RefillsTheBucket_UpToBurstOnly()
    {
        var clock = new ManualTimeProvider();
        var bucket = new TokenBucket(qps: 5, burst: 4, clock);
        for (var i = 0; i < 4; i++)
        {
            _ = bucket.AcquireAsync(CancellationToken.None);
        }

        Assert.Equal(0, bucket.Available, 3);
        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(4, bucket.Available, 3);
    }

    [Fact]
    public async Task CancelledWait_GivesItsTokenBack()
    {
        var clock = new ManualTimeProvider();
        var bucket = new TokenBucket(qps: 1, burst: 1, clock);
        await bucket.AcquireAsync(CancellationToken.None);

        using var cancel = new CancellationTokenSource();
        var waiting = bucket.AcquireAsync(cancel.Token).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, bucket.Available, 3);
    }

    [Fact]
    public async Task Client_ThrottlesRequestsBeyondBurst_OnItsClock()
    {
        var clock = new ManualTimeProvider();
        using var handler = new Support.StubHandler((_, _) => Support.StubHandler.Json(System.Net.HttpStatusCode.OK, """{"metadata":{"name":"default"}}"""));
        using var client = Support.Clients.Stubbed(handler, new KubernetesClientOptions { Qps = 1, Burst = 2 }, clock);

        await client.Namespaces.GetAsync(null, "default");
        await client.Namespaces.GetAsync(null, "default");
        var third = client.Namespaces.GetAsync(null, "default");
        await Eventually.TrueAsync(() => clock.PendingTimers == 1, "the third request to wait for a token");
        Assert.False(third.IsCompleted);
        Assert.Equal(2, handler.Seen.Count);

        clock.Advance(TimeSpan.FromSeconds(1));
        await third.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(3, handler.Seen.Count);
    }

    [Fact]
    public async Task LeaseRequests_AreNotHeldBehindThrottledRequests()
    {
        var clock = new ManualTimeProvider();
        using var handler = new Support.StubHandler((_, _) => Support.StubHandler.Json(System.Net.HttpStatusCode.OK, """{"metadata":{"name":"x"}}"""));
        using var client = Support.Clients.Stubbed(handler, new KubernetesClientOptions { Qps = 1, Burst = 1 }, clock);
        await client.Secrets.GetAsync("default", "x");
        var throttled = client.Secrets.GetAsync("default", "x");

        await client.Leases.GetAsync("default", "secretsync").WaitAsync(TimeSpan.FromSeconds(5));
        await client.Leases.GetAsync("default", "secretsync").WaitAsync(TimeSpan.FromSeconds(5));

        Assert.False(throttled.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(1));
        await throttled.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(4, handler.Seen.Count);
    }

    [Fact]
    public async Task DisabledRateLimiter_NeverWaits()
    {
        var clock = new ManualTimeProvider();
        using var handler = new Support.StubHandler((_, _) => Support.StubHandler.Json(System.Net.HttpStatusCode.OK, """{"metadata":{"name":"default"}}"""));
        using var client = Support.Clients.Stubbed(handler, new KubernetesClientOptions { DisableRateLimiter = true, Qps = 1, Burst = 1 }, clock);

        for (var i = 0; i < 50; i++)
        {
            await client.Namespaces.GetAsync(null, "default").WaitAsync(TimeSpan.FromSeconds(5));
        }

        Assert.Null(client.RateLimiter);
    }

    [Fact]
    public void Options_WithoutPositiveQps_AreRejected()
    {
        using var handler = new Support.StubHandler((_, _) => new System.Net.Http.HttpResponseMessage());
        Assert.Throws<ArgumentException>(() => Support.Clients.Stubbed(handler, new KubernetesClientOptions { Qps = 0 }));
    }
}
