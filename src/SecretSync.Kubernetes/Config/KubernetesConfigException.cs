namespace SecretSync.Kubernetes.Config;

/// <summary>A kubeconfig or in-cluster configuration that cannot be used; the message names the file and field.</summary>
public sealed class KubernetesConfigException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong, where, and how to fix it.</param>
    /// <param name="inner">The underlying failure, if any.</param>
    public KubernetesConfigException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
