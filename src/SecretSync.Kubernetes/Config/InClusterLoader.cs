using System.Security.Cryptography.X509Certificates;

namespace SecretSync.Kubernetes.Config;

/// <summary>Reads the pod's service-account mount and service environment (kubernetes.md §6, "In-cluster").</summary>
internal static class InClusterLoader
{
    public static KubernetesClientConfig Load(string folder, Func<string, string?> environment)
    {
        var host = environment("KUBERNETES_SERVICE_HOST");
        var port = environment("KUBERNETES_SERVICE_PORT");
        if (string.IsNullOrEmpty(host) || string.IsNullOrEmpty(port))
        {
            throw new KubernetesConfigException(
                "Not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must both be set. Pass a kubeconfig instead.");
        }

        // An IPv6 service host needs brackets in the URL.
        var authority = host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]:{port}" : $"{host}:{port}";
        if (!Uri.TryCreate($"https://{authority}", UriKind.Absolute, out var server))
        {
            throw new KubernetesConfigException($"In-cluster configuration: KUBERNETES_SERVICE_HOST/PORT '{authority}' do not form a valid URL.");
        }

        var tokenFile = Path.Combine(folder, "token");
        if (!File.Exists(tokenFile))
        {
            throw new KubernetesConfigException($"In-cluster configuration: service-account token file {tokenFile} does not exist. Is automountServiceAccountToken disabled?");
        }

        var caFile = Path.Combine(folder, "ca.crt");
        X509Certificate2Collection? authorities = null;
        if (File.Exists(caFile))
        {
            authorities = Certificates.LoadAuthorities(Certificates.ReadFile(caFile, $"In-cluster configuration: {caFile}"), $"In-cluster configuration: {caFile}");
        }

        var namespaceFile = Path.Combine(folder, "namespace");
        var ns = File.Exists(namespaceFile) ? File.ReadAllText(namespaceFile).Trim() : "";
        return new KubernetesClientConfig
        {
            Server = server,
            BearerTokenFile = tokenFile,
            CertificateAuthority = authorities,
            Namespace = ns.Length > 0 ? ns : "default",
            Origin = $"in-cluster service account ({folder})",
        };
    }
}
