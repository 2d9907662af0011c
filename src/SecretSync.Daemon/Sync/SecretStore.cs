using System.Text.Json.Nodes;
using SecretSync.Core.Model;
using SecretSync.Kubernetes.Client;
using SecretSync.Kubernetes.Models;

namespace SecretSync.Daemon.Sync;

/// <summary>The engine's only way to the cluster's Secrets.</summary>
/// <remarks>Failures are <see cref="Kubernetes.Errors.KubernetesApiException"/>s, as the API server reports them.</remarks>
internal interface ISecretStore
{
    Task<Secret?> TryGetAsync(NamespacedName name, CancellationToken cancellationToken);

    Task<Secret> CreateAsync(Secret secret, CancellationToken cancellationToken);

    /// <summary>Replaces a Secret; its <c>resourceVersion</c> is the precondition.</summary>
    Task<Secret> ReplaceAsync(Secret secret, CancellationToken cancellationToken);

    /// <summary>Sets one annotation, leaving the rest of the Secret as it is.</summary>
    Task<Secret> AnnotateAsync(NamespacedName name, string key, string value, CancellationToken cancellationToken);

    /// <summary>Deletes a Secret only if it is still the object with <paramref name="uid"/>.</summary>
    Task DeleteAsync(NamespacedName name, string? uid, CancellationToken cancellationToken);
}

/// <summary>Secrets through the Kubernetes API.</summary>
internal sealed class KubernetesSecretStore(KubernetesClient kube) : ISecretStore
{
    public Task<Secret?> TryGetAsync(NamespacedName name, CancellationToken cancellationToken) =>
        kube.Secrets.TryGetAsync(name.Namespace, name.Name, cancellationToken);

    public Task<Secret> CreateAsync(Secret secret, CancellationToken cancellationToken) => kube.Secrets.CreateAsync(secret, cancellationToken);

    public Task<Secret> ReplaceAsync(Secret secret, CancellationToken cancellationToken) => kube.Secrets.ReplaceAsync(secret, cancellationToken);

    public Task<Secret> AnnotateAsync(NamespacedName name, string key, string value, CancellationToken cancellationToken) =>
        kube.Secrets.PatchAsync(name.Namespace, name.Name,
            KubernetesPatch.Merge(new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [key] = value } } }),
            cancellationToken);

    public Task DeleteAsync(NamespacedName name, string? uid, CancellationToken cancellationToken) =>
        kube.Secrets.DeleteAsync(name.Namespace, name.Name, new DeleteOptions { Preconditions = new Preconditions { Uid = uid } }, cancellationToken);
}
