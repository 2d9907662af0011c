using System.Diagnostics;
using System.Net;
using Xunit.Abstractions;

namespace SecretSync.DevStack.Tests.Kubernetes;

public sealed class KubernetesEmulatorThroughputTests(ITestOutputHelper output)
{
    [Fact]
    public async Task CreateThenGet_OfTwoThousandSecrets_ReportsThroughput()
    {
        const int Secrets = 2_000;
        const int Workers = 4;
        await using var emulator = await KubernetesEmulator.StartAsync();
        emulator.SeedNamespace("bench");
        using var http = new KubeHttp(emulator);
        for (var i = 0; i < 100; i++)
        {
            // Warm-up (JIT, connection pool) outside the measured loop.
            await http.PostAsync("/api/v1/namespaces/bench/secrets", KubeHttp.Secret($"warm{i}"));
            await http.GetAsync($"/api/v1/namespaces/bench/secrets/warm{i}");
        }

        var next = -1;

        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < Secrets)
            {
                var created = await http.PostAsync("/api/v1/namespaces/bench/secrets",
                    KubeHttp.Secret($"s{i}", new Dictionary<string, string> { ["password"] = $"value-{i}" }, new Dictionary<string, string> { ["app"] = "bench" }));
                Assert.Equal(HttpStatusCode.Created, created.Status);
                Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/api/v1/namespaces/bench/secrets/s{i}")).Status);
            }
        })));
        clock.Stop();

        var requests = Secrets * 2;
        output.WriteLine($"{Secrets} creates + {Secrets} gets with {Workers} workers in {clock.Elapsed.TotalMilliseconds:F0} ms: " +
                         $"{requests / clock.Elapsed.TotalSeconds:F0} requests/s ({Secrets / clock.Elapsed.TotalSeconds:F0} create+get pairs/s)");
        Assert.Equal(Secrets + 100, emulator.List("secrets", "bench").Count);
    }
}
