using SecretSync.DevStack.Hosting;
using SecretSync.Providers.Contract;

namespace SecretSync.Providers.Vault.Tests;

public sealed class VaultMetricsTests
{
    [Fact]
    public async Task Calls_AreCountedByProviderOperationAndResult()
    {
        var provider = $"metrics-{Guid.NewGuid():N}";
        using var recorder = new ProviderRequestsRecorder(provider);

        await using var bed = await VaultTestBed.StartAsync();
        bed.Vault.WriteSecret("secret", "app", new Dictionary<string, object?> { ["k"] = "v" });
        var client = bed.ConnectNamed(provider);
        await client.ReadAsync("app", null, CancellationToken.None);
        await client.ReadAsync("missing", null, CancellationToken.None);
        await client.CheckVersionsAsync(["app"], CancellationToken.None);
        await client.WriteAsync("app", new Dictionary<string, string> { ["k"] = "w" }, "1", CancellationToken.None);
        bed.Vault.Faults.Add(new FaultRule { PathPrefix = "/v1/secret/data/", StatusCode = 429, RetryAfter = TimeSpan.FromMinutes(1) });
        await client.ReadAsync("app", null, CancellationToken.None);

        Assert.Contains(("login", "ok"), recorder.Seen);
        Assert.Contains(("read", "ok"), recorder.Seen);
        Assert.Contains(("read", "absent"), recorder.Seen);
        Assert.Contains(("read", "throttled"), recorder.Seen);
        Assert.Contains(("metadata", "ok"), recorder.Seen);
        Assert.Contains(("write", "ok"), recorder.Seen);
    }
}
