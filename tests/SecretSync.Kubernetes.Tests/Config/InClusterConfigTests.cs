using SecretSync.Kubernetes.Config;
using SecretSync.Kubernetes.Tests.Support;

namespace SecretSync.Kubernetes.Tests.Config;

public sealed class InClusterConfigTests
{
    private static Func<string, string?> Environment(string? host, string? port) => name => name switch
    {
        "KUBERNETES_SERVICE_HOST" => host,
        "KUBERNETES_SERVICE_PORT" => port,
        _ => null,
    };

    [Fact]
    public void ServiceAccountFolder_GivesServerTokenFileCaAndNamespace()
    {
        var (caPem, _) = TestCertificates.SelfSigned("cluster-ca");
        using var folder = new TempFolder();
        var token = folder.Write("token", "sa-token");
        folder.Write("ca.crt", caPem);
        folder.Write("namespace", "secretsync\n");

        var config = KubernetesClientConfig.InCluster(folder.Path, Environment("10.96.0.1", "443"));

        Assert.Equal(new Uri("https://10.96.0.1:443"), config.Server);
        Assert.Equal(token, config.BearerTokenFile);
        Assert.Null(config.BearerToken);
        Assert.Equal("CN=cluster-ca", Assert.Single(config.CertificateAuthority!).Subject);
        Assert.Equal("secretsync", config.Namespace);
    }

    [Fact]
    public void Ipv6ServiceHost_IsBracketed()
    {
        using var folder = new TempFolder();
        folder.Write("token", "t");

        var config = KubernetesClientConfig.InCluster(folder.Path, Environment("fd00::1", "6443"));

        Assert.Equal("https://[fd00::1]:6443/", config.Server.ToString());
        Assert.Equal("default", config.Namespace);
    }

    [Fact]
    public void MissingServiceEnvironment_MeansNotInCluster()
    {
        Assert.False(KubernetesClientConfig.IsInCluster(Environment("10.0.0.1", null)));
        var error = Assert.Throws<KubernetesConfigException>(() => KubernetesClientConfig.InCluster("/nonexistent", Environment(null, null)));
        Assert.Contains("KUBERNETES_SERVICE_HOST", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingTokenFile_NamesIt()
    {
        using var folder = new TempFolder();

        var error = Assert.Throws<KubernetesConfigException>(() => KubernetesClientConfig.InCluster(folder.Path, Environment("10.0.0.1", "443")));

        Assert.Contains(Path.Combine(folder.Path, "token"), error.Message, StringComparison.Ordinal);
    }
}
