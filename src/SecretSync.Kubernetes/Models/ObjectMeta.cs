namespace SecretSync.Kubernetes.Models;

/// <summary>Metadata every persisted object carries (kubernetes.md §1, "Common metadata").</summary>
public sealed class ObjectMeta
{
    /// <summary>The object's name, unique within its namespace (or the cluster for cluster-scoped kinds).</summary>
    public string? Name { get; set; }

    /// <summary>A prefix the server completes with a random suffix when <see cref="Name"/> is empty.</summary>
    public string? GenerateName { get; set; }

    /// <summary>The namespace of a namespaced object; empty for cluster-scoped kinds.</summary>
    public string? Namespace { get; set; }

    /// <summary>The server-set unique id of this incarnation of the object.</summary>
    public string? Uid { get; set; }

    /// <summary>The opaque version used for optimistic concurrency; compare only for equality.</summary>
    public string? ResourceVersion { get; set; }

    /// <summary>The server-maintained generation of the desired state.</summary>
    public long? Generation { get; set; }

    /// <summary>When the object was created (server time, second precision).</summary>
    public DateTimeOffset? CreationTimestamp { get; set; }

    /// <summary>When graceful deletion was requested, if it was.</summary>
    public DateTimeOffset? DeletionTimestamp { get; set; }

    /// <summary>Identifying key/value pairs that selectors match on.</summary>
    public Dictionary<string, string>? Labels { get; set; }

    /// <summary>Non-identifying key/value pairs.</summary>
    public Dictionary<string, string>? Annotations { get; set; }

    /// <summary>Objects this one depends on, for garbage collection.</summary>
    public List<OwnerReference>? OwnerReferences { get; set; }

    /// <summary>Keys that must be removed before the object is deleted from storage.</summary>
    public List<string>? Finalizers { get; set; }

    /// <inheritdoc />
    public override string ToString() => Namespace is { Length: > 0 } ns ? $"{ns}/{Name}" : Name ?? GenerateName ?? "(unnamed)";
}

/// <summary>A pointer from a dependent object to its owner.</summary>
public sealed class OwnerReference
{
    /// <summary>The owner's API version, e.g. <c>v1</c>.</summary>
    public string? ApiVersion { get; set; }

    /// <summary>The owner's kind.</summary>
    public string? Kind { get; set; }

    /// <summary>The owner's name.</summary>
    public string? Name { get; set; }

    /// <summary>The owner's uid.</summary>
    public string? Uid { get; set; }

    /// <summary>Whether the owner is the managing controller.</summary>
    public bool? Controller { get; set; }

    /// <summary>Whether deletion of the owner waits for this dependent.</summary>
    public bool? BlockOwnerDeletion { get; set; }
}

/// <summary>Metadata of a list response (kubernetes.md §2, §3).</summary>
public sealed class ListMeta
{
    /// <summary>The version the list was read at; a watch starts from here.</summary>
    public string? ResourceVersion { get; set; }

    /// <summary>The token for the next page, or empty on the last page.</summary>
    public string? Continue { get; set; }

    /// <summary>How many items remain after this page, when the server knows.</summary>
    public long? RemainingItemCount { get; set; }
}

/// <summary>A reference to another object, as events use it.</summary>
public sealed class ObjectReference
{
    /// <summary>The referenced object's API version.</summary>
    public string? ApiVersion { get; set; }

    /// <summary>The referenced object's kind.</summary>
    public string? Kind { get; set; }

    /// <summary>The referenced object's name.</summary>
    public string? Name { get; set; }

    /// <summary>The referenced object's namespace.</summary>
    public string? Namespace { get; set; }

    /// <summary>The referenced object's uid.</summary>
    public string? Uid { get; set; }

    /// <summary>The referenced object's resource version.</summary>
    public string? ResourceVersion { get; set; }

    /// <summary>A path to a field within the object, e.g. <c>spec.containers{app}</c>.</summary>
    public string? FieldPath { get; set; }
}
