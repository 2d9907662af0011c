using SecretSync.Kubernetes.Client;
using SecretSync.Kubernetes.Config;

namespace SecretSync.Kubernetes.Tests.Support;

/// <summary>Builds clients for tests.</summary>
internal static class Clients
{
    public static readonly Uri StubServer = new("https://k8s.test:6443/");

    /// <summary>A client whose transport is <paramref name="handler"/> instead of the network.</summary>
    public static KubernetesClient Stubbed(HttpMessageHandler handler, KubernetesClientOptions? options = null, TimeProvider? time = null, KubernetesClientConfig? config = null) =>
        new(config ?? new KubernetesClientConfig { Server = StubServer, BearerToken = "stub-token" }, options ?? new KubernetesClientOptions { DisableRateLimiter = true }, time, handler);
}
