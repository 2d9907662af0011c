using SecretSync.DevStack.Hosting;
using SecretSync.Kubernetes.Client;
using SecretSync.Kubernetes.Errors;
using SecretSync.Kubernetes.Tests.Support;
using SecretSync.Testing;

namespace SecretSync.Kubernetes.Tests.Client;

public sealed class RetryTests
{
    private const string SecretsPath = "/api/v1/namespaces/default/secrets";

    [Fact]
    public async Task TooManyRequests_IsRetriedAfterTheRetryAfterWait_OnTheClientClock()
    {
        await using var k8s = await Emulators.StartAsync();
        var clock = new ManualTimeProvider();
        using var client = Emulators.ClientFor(k8s, new KubernetesClientOptions { DisableRateLimiter = true }, clock);
        k8s.Faults.Add(new FaultRule { PathPrefix = SecretsPath, StatusCode = 429, RetryAfter = TimeSpan.FromSeconds(2), Times = 2 });
        int Answered(int status) => k8s.Requests.CountWhere(r => r.Path.StartsWith(SecretsPath, StringComparison.Ordinal) && r.Status == status);

        var listing = client.Secrets.ListAsync("default");

        await Eventually.TrueAsync(() => clock.TimersCreated == 1, "the client to wait after the first 429");
        clock.Advance(TimeSpan.FromMilliseconds(1999));
        // The wait is still armed, so the client cannot have sent again.
        Assert.Equal(1, clock.PendingTimers);
        Assert.Equal(1, Answered(429));
        clock.Advance(TimeSpan.FromMilliseconds(1));
        await Eventually.TrueAsync(() => clock.TimersCreated == 2, "the client to wait after the second 429");
        Assert.Equal(2, Answered(429));
        Assert.False(listing.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(2));

        var list = await listing.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.NotNull(list.Metadata.ResourceVersion);
        Assert.Equal([429, 429, 200], k8s.Requests.Snapshot().Where(r => r.Path.StartsWith(SecretsPath, StringComparison.Ordinal)).Select(r => r.Status));
    }

    [Fact]
    public async Task TooManyRequests_BeyondMaxRetries_ThrowsWithTheRetryAfter()
    {
        await using var k8s = await Emulators.StartAsync();
        using var client = Emulators.ClientFor(k8s, new KubernetesClientOptions { DisableRateLimiter = true, MaxRetries = 2, MaxRetryAfter = TimeSpan.FromMilliseconds(20) });
        k8s.Faults.Add(new FaultRule { PathPrefix = SecretsPath, StatusCode = 429, RetryAfter = TimeSpan.FromSeconds(1) });

        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => client.Secrets.ListAsync("default"));

        Assert.Equal(KubernetesErrorReason.TooManyRequests, error.Reason);
        Assert.Equal(TimeSpan.FromSeconds(1), error.RetryAfter);
        Assert.Equal(3, k8s.Requests.CountWhere(r => r.Status == 429));
    }

    [Fact]
    public async Task ServerErrorWithRetryAfter_IsRetried_ButWithoutItIsNot()
    {
        await using var k8s = await Emulators.StartAsync();
        using var client = Emulators.ClientFor(k8s, new KubernetesClientOptions { DisableRateLimiter = true, MaxRetryAfter = TimeSpan.FromMilliseconds(10) });

        k8s.Faults.Add(new FaultRule { PathPrefix = SecretsPath, StatusCode = 503, RetryAfter = TimeSpan.FromSeconds(1), Times = 1 });
        await client.Secrets.ListAsync("default");
        Assert.Equal(1, k8s.Requests.CountWhere(r => r.Status == 503));

        k8s.Faults.Add(new FaultRule { PathPrefix = SecretsPath, StatusCode = 500, Times = 1 });
        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => client.Secrets.ListAsync("default"));
        Assert.Equal(KubernetesErrorReason.ServerError, error.Reason);
        Assert.Equal(1, k8s.Requests.CountWhere(r => r.Status == 500));
    }
}
