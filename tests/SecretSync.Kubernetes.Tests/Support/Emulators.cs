using System.Text;
using SecretSync.DevStack;
using SecretSync.DevStack.Hosting;
using SecretSync.Kubernetes.Client;
using SecretSync.Kubernetes.Config;
using SecretSync.Kubernetes.Models;
using SecretSync.Testing;

namespace SecretSync.Kubernetes.Tests.Support;

/// <summary>Starts the DevStack Kubernetes API emulator and points clients at it.</summary>
internal static class Emulators
{
    public static Task<KubernetesEmulator> StartAsync(KubernetesEmulatorOptions? options = null) => KubernetesEmulator.StartAsync(options);

    public static KubernetesClient ClientFor(KubernetesEmulator k8s, KubernetesClientOptions? options = null, TimeProvider? time = null) =>
        new(new KubernetesClientConfig { Server = k8s.BaseAddress, BearerToken = k8s.BearerToken }, options ?? new KubernetesClientOptions { DisableRateLimiter = true }, time);

    public static Secret Secret(string ns, string name, string key = "k", string value = "v", Dictionary<string, string>? labels = null) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = ns, Labels = labels },
        Type = global::SecretSync.Kubernetes.Models.Secret.OpaqueType,
        Data = new() { [key] = Encoding.UTF8.GetBytes(value) },
    };

    /// <summary>Ends open watches and waits until one matching <paramref name="query"/> is in the log (the log records a request when it ends).</summary>
    public static async Task<RecordedRequest> LoggedWatchAsync(this KubernetesEmulator k8s, string query)
    {
        k8s.Faults.DropStreams();
        RecordedRequest? found = null;
        await Eventually.TrueAsync(
            () => (found = k8s.Requests.Snapshot().FirstOrDefault(r => r.Verb == "watch" && r.Query.Contains(query, StringComparison.Ordinal))) is not null,
            $"a logged watch with {query}");
        return found!;
    }

    /// <summary>Reads the next item or fails after a timeout, so a broken stream cannot hang a test.</summary>
    public static async Task<T> NextAsync<T>(this IAsyncEnumerator<T> events, TimeSpan? timeout = null)
    {
        var moved = await events.MoveNextAsync().AsTask().WaitAsync(timeout ?? TimeSpan.FromSeconds(15));
        Assert.True(moved, "The stream ended early.");
        return events.Current;
    }
}
