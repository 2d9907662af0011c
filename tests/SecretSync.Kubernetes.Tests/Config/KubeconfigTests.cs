using SecretSync.Kubernetes.Config;
using SecretSync.Kubernetes.Tests.Support;

namespace SecretSync.Kubernetes.Tests.Config;

public sealed class KubeconfigTests
{
    private static string Kubeconfig(string clusterExtra = "", string userBlock = "    token: abc123", string currentContext = "dev", string ns = "    namespace: payments") => $"""
        apiVersion: v1
        kind: Config
        current-context: {currentContext}
        clusters:
        - name: local
          cluster:
            server: https://127.0.0.1:6443
        {clusterExtra}
        - name: other
          cluster:
            server: https://other.example:443
        users:
        - name: me
          user:
        {userBlock}
        - name: robot
          user:
            token: robot-token
        contexts:
        - name: dev
          context:
            cluster: local
            user: me
        {ns}
        - name: prod
          context:
            cluster: other
            user: robot
        """;

    [Fact]
    public void CurrentContext_GivesServerTokenAndNamespace()
    {
        using var folder = new TempFolder();
        var path = folder.Write("config", Kubeconfig());

        var config = KubernetesClientConfig.FromKubeconfig(path);

        Assert.Equal(new Uri("https://127.0.0.1:6443"), config.Server);
        Assert.Equal("abc123", config.BearerToken);
        Assert.Equal("payments", config.Namespace);
        Assert.Null(config.CertificateAuthority);
        Assert.Contains("context dev", config.Origin, StringComparison.Ordinal);
    }

    [Fact]
    public void NamedContext_OverridesCurrentContext_AndNamespaceDefaultsToDefault()
    {
        using var folder = new TempFolder();
        var path = folder.Write("config", Kubeconfig());

        var config = KubernetesClientConfig.FromKubeconfig(path, "prod");

        Assert.Equal(new Uri("https://other.example:443"), config.Server);
        Assert.Equal("robot-token", config.BearerToken);
        Assert.Equal("default", config.Namespace);
    }

    [Fact]
    public void MissingContext_NamesTheFileAndTheKnownContexts()
    {
        using var folder = new TempFolder();
        var path = folder.Write("config", Kubeconfig());

        var error = Assert.Throws<KubernetesConfigException>(() => KubernetesClientConfig.FromKubeconfig(path, "staging"));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("contexts", error.Message, StringComparison.Ordinal);
        Assert.Contains("'staging'", error.Message, StringComparison.Ordinal);
        Assert.Contains("dev, prod", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EmptyCurrentContext_WithoutANamedContext_IsAnError()
    {
        using var folder = new TempFolder();
        var path = folder.Write("config", Kubeconfig(currentContext: "\"\""));

        var error = Assert.Throws<KubernetesConfigException>(() => KubernetesClientConfig.FromKubeconfig(path));

        Assert.Contains("current-context", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CertificateAuthorityData_AndClientCertificateData_AreDecoded()
    {
        var (caPem, _) = TestCertificates.SelfSigned("test-ca");
        var (certPem, keyPem) = TestCertificates.SelfSigned("test-user");
        using var folder = new TempFolder();
        var path = folder.Write("config", Kubeconfig(
            clusterExtra: $"    certificate-authority-data: {TestCertificates.Base64(caPem)}\n    tls-server-name: kubernetes.default.svc",
            userBlock: $"    client-certificate-data: {TestCertificates.Base64(certPem)}\n    client-key-data: {TestCertificates.Base64(keyPem)}"));

        var config = KubernetesClientConfig.FromKubeconfig(path);

        var ca = Assert.Single(config.CertificateAuthority!);
        Assert.Equal("CN=test-ca", ca.Subject);
        Assert.NotNull(config.ClientCertificate);
        Assert.Equal("CN=test-user", config.ClientCertificate.Subject);
        Assert.True(config.ClientCertificate.HasPrivateKey);
        Assert.Equal("kubernetes.default.svc", config.TlsServerName);
        Assert.Null(config.BearerToken);
    }

    [Fact]
    public void RelativePaths_ResolveAgainstTheKubeconfigFolder_NotTheWorkingDirectory()
    {
        var (caPem, _) = TestCertificates.SelfSigned("file-ca");
        var (certPem, keyPem) = TestCertificates.SelfSigned("file-user");
        using var folder = new TempFolder();
        folder.Write("pki/ca.crt", caPem);
        folder.Write("pki/user.crt", certPem);
        folder.Write("pki/user.key", keyPem);
        var tokenFile = folder.Write("pki/token", "from-file\n");
        var path = folder.Write("kube/config", Kubeconfig(
            clusterExtra: "    certificate-authority: ../pki/ca.crt",
            userBlock: "    client-certificate: ../pki/user.crt\n    client-key: ../pki/user.key\n    tokenFile: ../pki/token"));

        var config = KubernetesClientConfig.FromKubeconfig(path);

        Assert.Equal("CN=file-ca", Assert.Single(config.CertificateAuthority!).Subject);
        Assert.Equal("CN=file-user", config.ClientCertificate!.Subject);
        Assert.Equal(tokenFile, config.BearerTokenFile);
    }

    [Fact]
    public void MissingRelativeFile_NamesTheFieldAndTheResolvedPath()
    {
        using var folder = new TempFolder();
        var path = folder.Write("kube/config", Kubeconfig(clusterExtra: "    certificate-authority: ca.crt"));

        var error = Assert.Throws<KubernetesConfigException>(() => KubernetesClientConfig.FromKubeconfig(path));

        Assert.Contains("clusters[local].cluster.certificate-authority", error.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(folder.Path, "kube", "ca.crt"), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BadBase64_NamesTheFieldAndLine()
    {
        using var folder = new TempFolder();
        var path = folder.Write("config", Kubeconfig(clusterExtra: "    certificate-authority-data: not*base64"));

        var error = Assert.Throws<KubernetesConfigException>(() => KubernetesClientConfig.FromKubeconfig(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("certificate-authority-data (line ", error.Message, StringComparison.Ordinal);
        Assert.Contains("base64", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HalfAClientCertificatePair_IsAnError()
    {
        var (certPem, _) = TestCertificates.SelfSigned("lonely");
        using var folder = new TempFolder();
        var path = folder.Write("config", Kubeconfig(userBlock: $"    client-certificate-data: {TestCertificates.Base64(certPem)}"));

        var error = Assert.Throws<KubernetesConfigException>(() => KubernetesClientConfig.FromKubeconfig(path));

        Assert.Contains("users[me].user.client-key(-data)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExecPlugin_IsRejectedWithAClearMessage()
    {
        using var folder = new TempFolder();
        var path = folder.Write("config", Kubeconfig(userBlock: "    exec:\n      command: aws"));

        var error = Assert.Throws<KubernetesConfigException>(() => KubernetesClientConfig.FromKubeconfig(path));

        Assert.Contains("users[me].user.exec", error.Message, StringComparison.Ordinal);
        Assert.Contains("not supported", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InsecureSkipTlsVerify_IsRead()
    {
        using var folder = new TempFolder();
        var path = folder.Write("config", Kubeconfig(clusterExtra: "    insecure-skip-tls-verify: true"));

        Assert.True(KubernetesClientConfig.FromKubeconfig(path).InsecureSkipTlsVerify);
    }

    [Fact]
    public void MissingFile_AndInvalidYaml_NameTheFile()
    {
        using var folder = new TempFolder();
        var missing = Path.Combine(folder.Path, "nope");
        Assert.Contains(missing, Assert.Throws<KubernetesConfigException>(() => KubernetesClientConfig.FromKubeconfig(missing)).Message, StringComparison.Ordinal);

        var broken = folder.Write("broken", "clusters: [\n  - {name: x");
        var error = Assert.Throws<KubernetesConfigException>(() => KubernetesClientConfig.FromKubeconfig(broken));
        Assert.Contains(broken, error.Message, StringComparison.Ordinal);
        Assert.Contains("YAML", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingServer_IsAnError()
    {
        using var folder = new TempFolder();
        var path = folder.Write("config", Kubeconfig().Replace("    server: https://127.0.0.1:6443", "    server: \"\"", StringComparison.Ordinal));

        var error = Assert.Throws<KubernetesConfigException>(() => KubernetesClientConfig.FromKubeconfig(path));

        Assert.Contains("clusters[local].cluster.server", error.Message, StringComparison.Ordinal);
    }
}
