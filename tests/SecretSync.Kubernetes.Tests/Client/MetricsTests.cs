using System.Diagnostics.Metrics;
using System.Net;
using SecretSync.Kubernetes.Client;
using SecretSync.Kubernetes.Tests.Support;

namespace SecretSync.Kubernetes.Tests.Client;

public sealed class MetricsTests
{
    [Fact]
    public async Task EveryRequest_IsCountedByVerbAndCode()
    {
        using var factory = new TestMeterFactory();
        var seen = new List<(string Verb, string Code)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (factory.Created.Contains(instrument.Meter) && instrument.Name == KubernetesClient.RequestCounterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            var map = tags.ToArray().ToDictionary(t => t.Key, t => (string)t.Value!);
            lock (seen)
            {
                seen.Add((map["verb"], map["code"]));
            }
        });
        listener.Start();
        using var handler = new StubHandler((request, _) => request.Method == HttpMethod.Get
            ? StubHandler.Json(HttpStatusCode.NotFound, """{"kind":"Status","code":404,"reason":"NotFound"}""")
            : throw new HttpRequestException("connection refused"));
        using var client = Clients.Stubbed(handler, new KubernetesClientOptions { DisableRateLimiter = true, MeterFactory = factory });

        Assert.Null(await client.Secrets.TryGetAsync("app", "db"));
        await Assert.ThrowsAsync<HttpRequestException>(() => client.Secrets.DeleteAsync("app", "db"));

        Assert.Equal([("get", "404"), ("delete", "error")], seen);
        Assert.Equal("SecretSync.Kubernetes", Assert.Single(factory.Created).Name);
    }

    private sealed class TestMeterFactory : IMeterFactory
    {
        public List<Meter> Created { get; } = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            Created.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            foreach (var meter in Created)
            {
                meter.Dispose();
            }
        }
    }
}
