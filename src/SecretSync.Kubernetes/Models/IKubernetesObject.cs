namespace SecretSync.Kubernetes.Models;

/// <summary>A Kubernetes object with type information and metadata.</summary>
public interface IKubernetesObject
{
    /// <summary>The API group and version, e.g. <c>v1</c> or <c>coordination.k8s.io/v1</c>.</summary>
    string? ApiVersion { get; set; }

    /// <summary>The kind, e.g. <c>Secret</c>.</summary>
    string? Kind { get; set; }

    /// <summary>The object's metadata; never null on objects this library creates or reads.</summary>
    ObjectMeta Metadata { get; set; }
}

/// <summary>A list of objects of one kind, as a LIST call returns it.</summary>
/// <typeparam name="T">The item type.</typeparam>
public sealed class KubernetesList<T>
    where T : class, IKubernetesObject
{
    /// <summary>The list kind, e.g. <c>SecretList</c>.</summary>
    public string? Kind { get; set; }

    /// <summary>The API version of the list.</summary>
    public string? ApiVersion { get; set; }

    /// <summary>The version the list was read at and the continue token of a paged read.</summary>
    public ListMeta Metadata { get; set; } = new();

    /// <summary>The items; items in lists usually omit <c>kind</c>/<c>apiVersion</c> (kubernetes.md §2).</summary>
    public List<T> Items { get; set; } = [];
}
