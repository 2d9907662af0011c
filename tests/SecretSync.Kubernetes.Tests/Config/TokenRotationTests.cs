using SecretSync.DevStack;
using SecretSync.DevStack.Hosting;
using SecretSync.Kubernetes.Client;
using SecretSync.Kubernetes.Config;
using SecretSync.Kubernetes.Errors;
using SecretSync.Kubernetes.Tests.Support;
using SecretSync.Testing;

namespace SecretSync.Kubernetes.Tests.Config;

/// <summary>In-cluster configuration against the emulator over TLS: the token file is re-read as the kubelet rotates it.</summary>
public sealed class TokenRotationTests
{
    private static async Task<(KubernetesEmulator K8s, TempFolder Folder, KubernetesClientConfig Config)> InClusterAsync(string token)
    {
        var tls = TlsMaterial.Generate(TimeProvider.System.GetUtcNow());
        var k8s = await KubernetesEmulator.StartAsync(new KubernetesEmulatorOptions { Tls = tls, BearerToken = token });
        var folder = new TempFolder();
        folder.Write("token", token);
        folder.Write("ca.crt", tls.CaPem);
        folder.Write("namespace", "secretsync");
        var config = KubernetesClientConfig.InCluster(folder.Path, name => name switch
        {
            "KUBERNETES_SERVICE_HOST" => "127.0.0.1",
            "KUBERNETES_SERVICE_PORT" => k8s.BaseAddress.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => null,
        });
        return (k8s, folder, config);
    }

    [Fact]
    public async Task RotatedTokenFile_IsUsed_OnceTheReReadIntervalHasPassed()
    {
        var (k8s, folder, config) = await InClusterAsync("token-1");
        await using var _ = k8s;
        using var __ = folder;
        var clock = new ManualTimeProvider();
        using var client = new KubernetesClient(config, new KubernetesClientOptions { DisableRateLimiter = true }, clock);
        Assert.Equal("secretsync", client.DefaultNamespace);
        await client.Namespaces.GetAsync(null, "default");

        // The kubelet writes a new token; the server still accepts the old one for now.
        folder.Write("token", "token-2");
        clock.Advance(TimeSpan.FromSeconds(59));
        await client.Namespaces.GetAsync(null, "default");

        // Past the interval the file is re-read: the server, still expecting token-1, now sees token-2.
        clock.Advance(TimeSpan.FromSeconds(1));
        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => client.Namespaces.GetAsync(null, "default"));
        Assert.Equal(KubernetesErrorReason.Unauthorized, error.Reason);

        k8s.BearerToken = "token-2";
        await client.Namespaces.GetAsync(null, "default");
    }

    [Fact]
    public async Task Unauthorized_ReReadsTheTokenFileAtOnce_AndRetriesWithTheNewToken()
    {
        var (k8s, folder, config) = await InClusterAsync("token-1");
        await using var _ = k8s;
        using var __ = folder;
        var clock = new ManualTimeProvider();
        using var client = new KubernetesClient(config, new KubernetesClientOptions { DisableRateLimiter = true }, clock);
        await client.Namespaces.GetAsync(null, "default");

        folder.Write("token", "token-2");
        k8s.BearerToken = "token-2";
        k8s.Requests.Clear();
        var ns = await client.Namespaces.GetAsync(null, "default");

        Assert.Equal("default", ns.Metadata.Name);
        Assert.Equal([401, 200], k8s.Requests.Snapshot().Select(r => r.Status));
    }
}
