using System.Diagnostics.Metrics;
using SecretSync.Audit.Events;
using SecretSync.Core.Audit;
using SecretSync.DevStack;
using SecretSync.Kubernetes.Client;
using SecretSync.Kubernetes.Config;
using SecretSync.Kubernetes.Models;
using SecretSync.Testing;

namespace SecretSync.Audit.Tests.Support;

/// <summary>A Kubernetes API emulator with namespaces, a client pointing at it, and a manual clock for the sink.</summary>
internal sealed class EventStack : IAsyncDisposable
{
    private long _sequence;

    private EventStack(KubernetesEmulator k8s, KubernetesClient client)
    {
        K8s = k8s;
        Client = client;
    }

    public KubernetesEmulator K8s { get; }

    public KubernetesClient Client { get; }

    public ManualTimeProvider Clock { get; } = new();

    public static async Task<EventStack> StartAsync(params string[] namespaces)
    {
        var k8s = await KubernetesEmulator.StartAsync();
        var client = new KubernetesClient(
            new KubernetesClientConfig { Server = k8s.BaseAddress, BearerToken = k8s.BearerToken },
            new KubernetesClientOptions { DisableRateLimiter = true });
        foreach (var ns in namespaces)
        {
            await client.Namespaces.CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = ns } });
        }

        k8s.Requests.Clear();
        return new EventStack(k8s, client);
    }

    public KubernetesEventSink Sink(KubernetesEventSinkOptions? options = null, IMeterFactory? meters = null) => new(Client, Clock, options, meters);

    /// <summary>An audit event as the trail would stamp it now.</summary>
    public AuditEvent Audit(string action, string ns, string? secret = null, string outcome = AuditOutcomes.Success) => new()
    {
        Id = Guid.NewGuid().ToString(),
        Sequence = Interlocked.Increment(ref _sequence),
        Time = Clock.GetUtcNow(),
        Cluster = "test-cluster",
        Instance = "secretsync-0",
        Action = action,
        Outcome = outcome,
        Namespace = ns,
        Secret = secret,
        Bundle = "payments-db",
        Provider = "vault-main",
        Source = "payments/db",
        SourceVersion = "4",
    };

    public async Task<List<Event>> EventsAsync(string ns) => (await Client.Events.ListAsync(ns)).Items;

    /// <summary>Event writes (creates and patches) the emulator answered in <paramref name="ns"/>.</summary>
    public int Writes(string ns, string? verb = null) => K8s.Requests.CountWhere(r =>
        r.Path.StartsWith($"/api/v1/namespaces/{ns}/events", StringComparison.Ordinal)
        && (verb is null ? r.Verb is "create" or "patch" : r.Verb == verb));

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await K8s.DisposeAsync();
    }
}
