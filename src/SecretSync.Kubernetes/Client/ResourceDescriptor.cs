using System.Text.Json.Serialization.Metadata;
using SecretSync.Kubernetes.Models;

namespace SecretSync.Kubernetes.Client;

/// <summary>Where a resource lives in the REST tree and how its JSON is typed (kubernetes.md §2).</summary>
internal sealed record ResourceDescriptor<T>(
    string Group,
    string Version,
    string Plural,
    bool Namespaced,
    JsonTypeInfo<T> Type,
    JsonTypeInfo<KubernetesList<T>> ListType)
    where T : class, IKubernetesObject
{
    public static readonly ResourceDescriptor<Secret> Secrets =
        new("", "v1", "secrets", true, KubernetesJsonContext.Default.Secret, KubernetesJsonContext.Default.KubernetesListSecret);

    public static readonly ResourceDescriptor<ConfigMap> ConfigMaps =
        new("", "v1", "configmaps", true, KubernetesJsonContext.Default.ConfigMap, KubernetesJsonContext.Default.KubernetesListConfigMap);

    public static readonly ResourceDescriptor<Namespace> Namespaces =
        new("", "v1", "namespaces", false, KubernetesJsonContext.Default.Namespace, KubernetesJsonContext.Default.KubernetesListNamespace);

    public static readonly ResourceDescriptor<Event> Events =
        new("", "v1", "events", true, KubernetesJsonContext.Default.Event, KubernetesJsonContext.Default.KubernetesListEvent);

    public static readonly ResourceDescriptor<Lease> Leases =
        new("coordination.k8s.io", "v1", "leases", true, KubernetesJsonContext.Default.Lease, KubernetesJsonContext.Default.KubernetesListLease);

    public static readonly ResourceDescriptor<Deployment> Deployments =
        new("apps", "v1", "deployments", true, KubernetesJsonContext.Default.Deployment, KubernetesJsonContext.Default.KubernetesListDeployment);

    public static readonly ResourceDescriptor<StatefulSet> StatefulSets =
        new("apps", "v1", "statefulsets", true, KubernetesJsonContext.Default.StatefulSet, KubernetesJsonContext.Default.KubernetesListStatefulSet);

    public static readonly ResourceDescriptor<DaemonSet> DaemonSets =
        new("apps", "v1", "daemonsets", true, KubernetesJsonContext.Default.DaemonSet, KubernetesJsonContext.Default.KubernetesListDaemonSet);

    /// <summary><c>/api/v1</c> for the core group, <c>/apis/{group}/{version}</c> otherwise.</summary>
    private string Prefix => Group.Length == 0 ? $"/api/{Version}" : $"/apis/{Group}/{Version}";

    /// <summary>The collection path; a null namespace of a namespaced resource means all namespaces (list and watch only).</summary>
    public string CollectionPath(string? ns)
    {
        if (!Namespaced)
        {
            if (ns is not null)
            {
                throw new ArgumentException($"{Plural} are cluster-scoped; pass no namespace.", nameof(ns));
            }

            return $"{Prefix}/{Plural}";
        }

        return ns is null ? $"{Prefix}/{Plural}" : $"{Prefix}/namespaces/{ApiTransport.Encode(Validate(ns, "namespace"))}/{Plural}";
    }

    /// <summary>The path of one object.</summary>
    public string ItemPath(string? ns, string name)
    {
        if (Namespaced && string.IsNullOrEmpty(ns))
        {
            throw new ArgumentException($"{Plural} are namespaced; a namespace is required.", nameof(ns));
        }

        return $"{CollectionPath(ns)}/{ApiTransport.Encode(Validate(name, "name"))}";
    }

    private static string Validate(string value, string what) =>
        string.IsNullOrEmpty(value) || value is "." or ".." || value.Contains('/', StringComparison.Ordinal)
            ? throw new ArgumentException($"'{value}' is not a valid {what}.", what)
            : value;
}
