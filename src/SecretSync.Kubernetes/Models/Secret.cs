using System.Text.Json.Serialization;

namespace SecretSync.Kubernetes.Models;

/// <summary>A core/v1 Secret (kubernetes.md §1, "core/v1 Secret").</summary>
/// <remarks><see cref="ToString"/> names the keys but never prints a value.</remarks>
public sealed class Secret : IKubernetesObject
{
    /// <summary>The <c>type</c> of a Secret that holds arbitrary key/value pairs.</summary>
    public const string OpaqueType = "Opaque";

    /// <inheritdoc />
    public string? ApiVersion { get; set; } = "v1";

    /// <inheritdoc />
    public string? Kind { get; set; } = "Secret";

    /// <inheritdoc />
    public ObjectMeta Metadata { get; set; } = new();

    /// <summary>The values as raw bytes; base64 on the wire.</summary>
    public Dictionary<string, byte[]>? Data { get; set; }

    /// <summary>Write-only plain-text values the server folds into <see cref="Data"/>; never returned on read.</summary>
    public Dictionary<string, string>? StringData { get; set; }

    /// <summary>The Secret type, <c>Opaque</c> by default; cannot change after creation.</summary>
    public string? Type { get; set; }

    /// <summary>When true the data can no longer change.</summary>
    public bool? Immutable { get; set; }

    /// <inheritdoc />
    public override string ToString()
    {
        var keys = (Data?.Keys ?? Enumerable.Empty<string>()).Concat(StringData?.Keys ?? Enumerable.Empty<string>()).Distinct().Order(StringComparer.Ordinal);
        return $"Secret {Metadata} (type {Type ?? OpaqueType}, keys [{string.Join(", ", keys)}], resourceVersion {Metadata.ResourceVersion})";
    }
}

/// <summary>A core/v1 ConfigMap.</summary>
public sealed class ConfigMap : IKubernetesObject
{
    /// <inheritdoc />
    public string? ApiVersion { get; set; } = "v1";

    /// <inheritdoc />
    public string? Kind { get; set; } = "ConfigMap";

    /// <inheritdoc />
    public ObjectMeta Metadata { get; set; } = new();

    /// <summary>UTF-8 values.</summary>
    public Dictionary<string, string>? Data { get; set; }

    /// <summary>Binary values; base64 on the wire.</summary>
    public Dictionary<string, byte[]>? BinaryData { get; set; }

    /// <summary>When true the data can no longer change.</summary>
    public bool? Immutable { get; set; }

    /// <inheritdoc />
    public override string ToString() => $"ConfigMap {Metadata}";
}

/// <summary>A core/v1 Namespace (kubernetes.md §1, "core/v1 Namespace").</summary>
public sealed class Namespace : IKubernetesObject
{
    /// <summary>The phase of a namespace that accepts new objects.</summary>
    public const string ActivePhase = "Active";

    /// <summary>The phase of a namespace being deleted; creating objects in it is forbidden.</summary>
    public const string TerminatingPhase = "Terminating";

    /// <inheritdoc />
    public string? ApiVersion { get; set; } = "v1";

    /// <inheritdoc />
    public string? Kind { get; set; } = "Namespace";

    /// <inheritdoc />
    public ObjectMeta Metadata { get; set; } = new();

    /// <summary>The desired state.</summary>
    public NamespaceSpec? Spec { get; set; }

    /// <summary>The observed state.</summary>
    public NamespaceStatus? Status { get; set; }

    /// <inheritdoc />
    public override string ToString() => $"Namespace {Metadata} ({Status?.Phase})";
}

/// <summary>The desired state of a namespace.</summary>
public sealed class NamespaceSpec
{
    /// <summary>Finalizers that must clear before the namespace is removed, e.g. <c>kubernetes</c>.</summary>
    public List<string>? Finalizers { get; set; }
}

/// <summary>The observed state of a namespace.</summary>
public sealed class NamespaceStatus
{
    /// <summary><c>Active</c> or <c>Terminating</c>.</summary>
    public string? Phase { get; set; }
}

/// <summary>A coordination.k8s.io/v1 Lease, the leader-election record (kubernetes.md §1).</summary>
public sealed class Lease : IKubernetesObject
{
    /// <inheritdoc />
    public string? ApiVersion { get; set; } = "coordination.k8s.io/v1";

    /// <inheritdoc />
    public string? Kind { get; set; } = "Lease";

    /// <inheritdoc />
    public ObjectMeta Metadata { get; set; } = new();

    /// <summary>The lease record.</summary>
    public LeaseSpec? Spec { get; set; }

    /// <inheritdoc />
    public override string ToString() => $"Lease {Metadata} (holder {Spec?.HolderIdentity})";
}

/// <summary>The lease record.</summary>
public sealed class LeaseSpec
{
    /// <summary>The current holder; empty when released.</summary>
    public string? HolderIdentity { get; set; }

    /// <summary>How long others must wait after the last change before taking over.</summary>
    public int? LeaseDurationSeconds { get; set; }

    /// <summary>When the current holder acquired the lease (MicroTime).</summary>
    [JsonConverter(typeof(MicroTimeConverter))]
    public DateTimeOffset? AcquireTime { get; set; }

    /// <summary>When the current holder last renewed the lease (MicroTime).</summary>
    [JsonConverter(typeof(MicroTimeConverter))]
    public DateTimeOffset? RenewTime { get; set; }

    /// <summary>How many times the lease changed hands.</summary>
    public int? LeaseTransitions { get; set; }
}
