using SecretSync.DevStack;
using SecretSync.DevStack.Hosting;
using SecretSync.Kubernetes.Client;
using SecretSync.Kubernetes.Config;
using SecretSync.Kubernetes.Tests.Support;

namespace SecretSync.Kubernetes.Tests.Client;

/// <summary>TLS set-up against the emulator serving HTTPS with its own throwaway CA.</summary>
public sealed class KubernetesClientTests
{
    private static Task<KubernetesEmulator> StartTlsAsync() => KubernetesEmulator.StartAsync(new KubernetesEmulatorOptions
    {
        Tls = TlsMaterial.Generate(TimeProvider.System.GetUtcNow()),
        BearerToken = "kube-token",
    });

    private static KubernetesClientConfig Configured(KubernetesEmulator k8s, string caPem, string? tlsServerName = null) => new()
    {
        Server = k8s.BaseAddress,
        BearerToken = "kube-token",
        CertificateAuthority = [System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(caPem)],
        TlsServerName = tlsServerName,
    };

    [Fact]
    public async Task EmulatorKubeconfig_WithCaData_ConnectsOverTls()
    {
        await using var k8s = await StartTlsAsync();
        using var folder = new TempFolder();
        var path = folder.Write("kubeconfig", k8s.CreateKubeconfig("payments"));

        using var client = new KubernetesClient(KubernetesClientConfig.FromKubeconfig(path));

        Assert.Equal("payments", client.DefaultNamespace);
        Assert.Equal("default", (await client.Namespaces.GetAsync(null, "default")).Metadata.Name);
    }

    [Fact]
    public async Task ServerCertificate_FromAnotherCa_IsRejected()
    {
        await using var k8s = await StartTlsAsync();
        using var other = TlsMaterial.Generate(TimeProvider.System.GetUtcNow());
        using var client = new KubernetesClient(Configured(k8s, other.CaPem));

        await Assert.ThrowsAsync<HttpRequestException>(() => client.Namespaces.GetAsync(null, "default"));
        Assert.Equal(0, k8s.Requests.Count);
    }

    [Fact]
    public async Task AKubeconfigWithoutTheCa_FailsClosed_AgainstASelfSignedServer()
    {
        await using var k8s = await StartTlsAsync();
        using var folder = new TempFolder();
        var kubeconfig = string.Join('\n', k8s.CreateKubeconfig("payments").Split('\n').Where(l => !l.Contains("certificate-authority", StringComparison.Ordinal)));
        var config = KubernetesClientConfig.FromKubeconfig(folder.Write("kubeconfig", kubeconfig));
        using var client = new KubernetesClient(config);

        Assert.Null(config.CertificateAuthority);
        Assert.False(config.InsecureSkipTlsVerify);
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => client.Namespaces.GetAsync(null, "default"));
        Assert.IsType<System.Security.Authentication.AuthenticationException>(refused.InnerException);
        Assert.Equal(0, k8s.Requests.Count);
    }

    [Fact]
    public async Task TlsServerName_IsWhatTheCertificateIsCheckedAgainst()
    {
        await using var k8s = await StartTlsAsync();
        var ca = k8s.Options.Tls!.CaPem;

        using (var matching = new KubernetesClient(Configured(k8s, ca, tlsServerName: "localhost")))
        {
            await matching.Namespaces.GetAsync(null, "default");
        }

        using var mismatched = new KubernetesClient(Configured(k8s, ca, tlsServerName: "kubernetes.default.svc"));
        await Assert.ThrowsAsync<HttpRequestException>(() => mismatched.Namespaces.GetAsync(null, "default"));
    }

    [Fact]
    public async Task InsecureSkipTlsVerify_AcceptsAnUntrustedServer()
    {
        await using var k8s = await StartTlsAsync();
        using var client = new KubernetesClient(new KubernetesClientConfig { Server = k8s.BaseAddress, BearerToken = "kube-token", InsecureSkipTlsVerify = true });

        Assert.Equal("default", (await client.Namespaces.GetAsync(null, "default")).Metadata.Name);
    }
}
