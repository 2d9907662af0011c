using System.Security.Cryptography.X509Certificates;

namespace SecretSync.Kubernetes.Config;

/// <summary>Where the API server is and how to authenticate to it: from a kubeconfig, in-cluster files, or set directly.</summary>
public sealed class KubernetesClientConfig
{
    /// <summary>The folder a pod's service-account token, CA and namespace are mounted in (kubernetes.md §6).</summary>
    public const string ServiceAccountFolder = "/var/run/secrets/kubernetes.io/serviceaccount";

    /// <summary>The API server's base address, e.g. <c>https://10.0.0.1:443</c>.</summary>
    public required Uri Server { get; init; }

    /// <summary>The namespace to use when the caller names none.</summary>
    /// <value>Defaults to <c>default</c>.</value>
    public string Namespace { get; init; } = "default";

    /// <summary>A fixed bearer token.</summary>
    public string? BearerToken { get; init; }

    /// <summary>A file holding the bearer token, re-read at most every minute and after a 401 (kubernetes.md §6).</summary>
    /// <remarks>Takes precedence over <see cref="BearerToken"/> when both are set.</remarks>
    public string? BearerTokenFile { get; init; }

    /// <summary>The CAs to trust for the API server instead of the system store; null trusts the system store.</summary>
    public X509Certificate2Collection? CertificateAuthority { get; init; }

    /// <summary>A client certificate with its private key, for mutual TLS.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>Accept any server certificate. For development only.</summary>
    public bool InsecureSkipTlsVerify { get; init; }

    /// <summary>The name to verify the server certificate against (and send as SNI) instead of the host in <see cref="Server"/>.</summary>
    public string? TlsServerName { get; init; }

    /// <summary>Where this configuration came from, for messages (e.g. <c>kubeconfig /home/me/.kube/config, context dev</c>).</summary>
    public string Origin { get; init; } = "explicit configuration";

    /// <summary>Loads a named context, or the current context, from a kubeconfig file.</summary>
    /// <param name="path">The kubeconfig file; relative paths inside it resolve against its folder.</param>
    /// <param name="context">The context to use; null uses <c>current-context</c>.</param>
    /// <returns>The configuration of that context.</returns>
    /// <exception cref="KubernetesConfigException">The file is missing or malformed, or a field is invalid or unsupported; the message names the file and field.</exception>
    public static KubernetesClientConfig FromKubeconfig(string path, string? context = null) =>
        KubeconfigLoader.Load(path, context);

    /// <summary>Whether the process runs in a pod: both <c>KUBERNETES_SERVICE_HOST</c> and <c>KUBERNETES_SERVICE_PORT</c> are set.</summary>
    /// <param name="environment">Reads an environment variable; null reads the process environment.</param>
    /// <returns>True when in-cluster configuration can be attempted.</returns>
    public static bool IsInCluster(Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        return !string.IsNullOrEmpty(environment("KUBERNETES_SERVICE_HOST")) && !string.IsNullOrEmpty(environment("KUBERNETES_SERVICE_PORT"));
    }

    /// <summary>Builds the configuration of a pod's service account (kubernetes.md §6, "In-cluster").</summary>
    /// <param name="serviceAccountFolder">The folder holding <c>token</c>, <c>ca.crt</c> and <c>namespace</c>; tests pass their own.</param>
    /// <param name="environment">Reads an environment variable; null reads the process environment.</param>
    /// <returns>The in-cluster configuration; the token file is re-read as it rotates.</returns>
    /// <exception cref="KubernetesConfigException">Not in a cluster, or the token or CA file is missing or unreadable.</exception>
    public static KubernetesClientConfig InCluster(string serviceAccountFolder = ServiceAccountFolder, Func<string, string?>? environment = null) =>
        InClusterLoader.Load(serviceAccountFolder, environment ?? Environment.GetEnvironmentVariable);

    /// <summary>Finds the configuration the way kubectl-based tools do.</summary>
    /// <param name="kubeconfig">An explicit kubeconfig path, or null.</param>
    /// <param name="context">A context name within the kubeconfig, or null for its current context.</param>
    /// <returns>The explicit kubeconfig if given; else in-cluster configuration inside a pod; else the first file in
    /// <c>KUBECONFIG</c>, or <c>~/.kube/config</c>.</returns>
    /// <exception cref="KubernetesConfigException">No usable configuration was found.</exception>
    public static KubernetesClientConfig Load(string? kubeconfig = null, string? context = null)
    {
        if (kubeconfig is not null)
        {
            return FromKubeconfig(kubeconfig, context);
        }

        if (context is null && IsInCluster())
        {
            return InCluster();
        }

        var fromEnvironment = Environment.GetEnvironmentVariable("KUBECONFIG")?
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .FirstOrDefault(File.Exists);
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var path = fromEnvironment ?? Path.Combine(home, ".kube", "config");
        if (!File.Exists(path))
        {
            throw new KubernetesConfigException(
                $"No Kubernetes configuration found: not in a cluster (KUBERNETES_SERVICE_HOST unset), KUBECONFIG names no existing file, and {path} does not exist. Pass a kubeconfig path.");
        }

        return FromKubeconfig(path, context);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Server} ({Origin})";
}
