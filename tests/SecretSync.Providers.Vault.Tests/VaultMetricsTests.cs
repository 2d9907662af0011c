using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using SecretSync.DevStack.Hosting;

namespace SecretSync.Providers.Vault.Tests;

public sealed class VaultMetricsTests
{
    [Fact]
    public async Task Calls_AreCountedByProviderOperationAndResult()
    {
        var provider = $"metrics-{Guid.NewGuid():N}";
        var seen = new ConcurrentBag<(string Operation, string Result)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == VaultMetrics.MeterName && instrument.Name == VaultMetrics.RequestsCounterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            var map = new Dictionary<string, object?>();
            foreach (var tag in tags)
            {
                map[tag.Key] = tag.Value;
            }

            if (Equals(map["provider"], provider))
            {
                seen.Add(((string)map["operation"]!, (string)map["result"]!));
            }
        });
        listener.Start();

        await using var bed = await VaultTestBed.StartAsync();
        bed.Vault.WriteSecret("secret", "app", new Dictionary<string, object?> { ["k"] = "v" });
        var client = bed.ConnectNamed(provider);
        await client.ReadAsync("app", null, CancellationToken.None);
        await client.ReadAsync("missing", null, CancellationToken.None);
        await client.CheckVersionsAsync(["app"], CancellationToken.None);
        await client.WriteAsync("app", new Dictionary<string, string> { ["k"] = "w" }, "1", CancellationToken.None);
        bed.Vault.Faults.Add(new FaultRule { PathPrefix = "/v1/secret/data/", StatusCode = 429, RetryAfter = TimeSpan.FromMinutes(1) });
        await client.ReadAsync("app", null, CancellationToken.None);

        Assert.Contains(("login", "ok"), seen);
        Assert.Contains(("read", "ok"), seen);
        Assert.Contains(("read", "absent"), seen);
        Assert.Contains(("read", "throttled"), seen);
        Assert.Contains(("metadata", "ok"), seen);
        Assert.Contains(("write", "ok"), seen);
    }
}
