namespace SecretSync.Kubernetes.Models;

/// <summary>An object that runs pods from a template: apps/v1 Deployment, StatefulSet or DaemonSet.</summary>
/// <remarks>
/// These models carry only the fields a restarter reads: the pod template's Secret references and the rollout status.
/// Unknown fields are dropped on read, so never send one back whole; patch what you change.
/// </remarks>
public interface IWorkload : IKubernetesObject
{
    /// <summary>The pod template, or null when the object has none.</summary>
    PodTemplateSpec? Template { get; }
}

/// <summary>An apps/v1 Deployment.</summary>
public sealed class Deployment : IWorkload
{
    /// <inheritdoc />
    public string? ApiVersion { get; set; } = "apps/v1";

    /// <inheritdoc />
    public string? Kind { get; set; } = "Deployment";

    /// <inheritdoc />
    public ObjectMeta Metadata { get; set; } = new();

    /// <summary>The desired state.</summary>
    public DeploymentSpec? Spec { get; set; }

    /// <summary>The rollout state the controller reports.</summary>
    public DeploymentStatus? Status { get; set; }

    /// <inheritdoc />
    PodTemplateSpec? IWorkload.Template => Spec?.Template;

    /// <inheritdoc />
    public override string ToString() => $"Deployment {Metadata}";
}

/// <summary>The desired state of a Deployment.</summary>
public sealed class DeploymentSpec
{
    /// <summary>Desired pods; the server defaults it to 1.</summary>
    public int? Replicas { get; set; }

    /// <summary>The pod template.</summary>
    public PodTemplateSpec? Template { get; set; }
}

/// <summary>The rollout state of a Deployment.</summary>
public sealed class DeploymentStatus
{
    /// <summary>The generation the controller last acted on.</summary>
    public long? ObservedGeneration { get; set; }

    /// <summary>Pods of any template version.</summary>
    public int? Replicas { get; set; }

    /// <summary>Pods of the current template.</summary>
    public int? UpdatedReplicas { get; set; }

    /// <summary>Pods that are ready.</summary>
    public int? ReadyReplicas { get; set; }

    /// <summary>Pods available for at least minReadySeconds.</summary>
    public int? AvailableReplicas { get; set; }
}

/// <summary>An apps/v1 StatefulSet.</summary>
public sealed class StatefulSet : IWorkload
{
    /// <inheritdoc />
    public string? ApiVersion { get; set; } = "apps/v1";

    /// <inheritdoc />
    public string? Kind { get; set; } = "StatefulSet";

    /// <inheritdoc />
    public ObjectMeta Metadata { get; set; } = new();

    /// <summary>The desired state.</summary>
    public StatefulSetSpec? Spec { get; set; }

    /// <summary>The rollout state the controller reports.</summary>
    public StatefulSetStatus? Status { get; set; }

    /// <inheritdoc />
    PodTemplateSpec? IWorkload.Template => Spec?.Template;

    /// <inheritdoc />
    public override string ToString() => $"StatefulSet {Metadata}";
}

/// <summary>The desired state of a StatefulSet.</summary>
public sealed class StatefulSetSpec
{
    /// <summary>Desired pods; the server defaults it to 1.</summary>
    public int? Replicas { get; set; }

    /// <summary>The pod template.</summary>
    public PodTemplateSpec? Template { get; set; }

    /// <summary>How template changes reach pods.</summary>
    public UpdateStrategy? UpdateStrategy { get; set; }
}

/// <summary>The rollout state of a StatefulSet.</summary>
public sealed class StatefulSetStatus
{
    /// <summary>The generation the controller last acted on.</summary>
    public long? ObservedGeneration { get; set; }

    /// <summary>Pods of any revision.</summary>
    public int? Replicas { get; set; }

    /// <summary>Pods that are ready.</summary>
    public int? ReadyReplicas { get; set; }

    /// <summary>Pods of the update revision.</summary>
    public int? UpdatedReplicas { get; set; }

    /// <summary>The revision of the pods before the rollout.</summary>
    public string? CurrentRevision { get; set; }

    /// <summary>The revision being rolled out.</summary>
    public string? UpdateRevision { get; set; }
}

/// <summary>An apps/v1 DaemonSet.</summary>
public sealed class DaemonSet : IWorkload
{
    /// <inheritdoc />
    public string? ApiVersion { get; set; } = "apps/v1";

    /// <inheritdoc />
    public string? Kind { get; set; } = "DaemonSet";

    /// <inheritdoc />
    public ObjectMeta Metadata { get; set; } = new();

    /// <summary>The desired state.</summary>
    public DaemonSetSpec? Spec { get; set; }

    /// <summary>The rollout state the controller reports.</summary>
    public DaemonSetStatus? Status { get; set; }

    /// <inheritdoc />
    PodTemplateSpec? IWorkload.Template => Spec?.Template;

    /// <inheritdoc />
    public override string ToString() => $"DaemonSet {Metadata}";
}

/// <summary>The desired state of a DaemonSet.</summary>
public sealed class DaemonSetSpec
{
    /// <summary>The pod template.</summary>
    public PodTemplateSpec? Template { get; set; }

    /// <summary>How template changes reach pods.</summary>
    public UpdateStrategy? UpdateStrategy { get; set; }
}

/// <summary>The rollout state of a DaemonSet.</summary>
public sealed class DaemonSetStatus
{
    /// <summary>The generation the controller last acted on.</summary>
    public long? ObservedGeneration { get; set; }

    /// <summary>Nodes that should run the pod.</summary>
    public int? DesiredNumberScheduled { get; set; }

    /// <summary>Nodes running a pod of the current template.</summary>
    public int? UpdatedNumberScheduled { get; set; }

    /// <summary>Nodes whose pod is available.</summary>
    public int? NumberAvailable { get; set; }

    /// <summary>Nodes whose pod is ready.</summary>
    public int? NumberReady { get; set; }
}

/// <summary>A StatefulSet's or DaemonSet's update strategy.</summary>
public sealed class UpdateStrategy
{
    /// <summary>The strategy whose pods are replaced only when deleted.</summary>
    public const string OnDelete = "OnDelete";

    /// <summary><c>RollingUpdate</c> (the default) or <c>OnDelete</c>.</summary>
    public string? Type { get; set; }
}

/// <summary>A pod template: the metadata and spec of the pods a workload runs.</summary>
public sealed class PodTemplateSpec
{
    /// <summary>The pods' labels and annotations; changing them rolls the pods.</summary>
    public ObjectMeta? Metadata { get; set; }

    /// <summary>The pods' spec.</summary>
    public PodSpec? Spec { get; set; }
}

/// <summary>The parts of a pod spec that can reference Secrets.</summary>
public sealed class PodSpec
{
    /// <summary>The application containers.</summary>
    public List<Container>? Containers { get; set; }

    /// <summary>Containers that run to completion before the others start.</summary>
    public List<Container>? InitContainers { get; set; }

    /// <summary>The pod's volumes.</summary>
    public List<Volume>? Volumes { get; set; }
}

/// <summary>The parts of a container that can reference Secrets.</summary>
public sealed class Container
{
    /// <summary>The container's name.</summary>
    public string? Name { get; set; }

    /// <summary>Single environment variables; only references are read, never literal values.</summary>
    public List<EnvVar>? Env { get; set; }

    /// <summary>Whole Secrets or ConfigMaps as environment variables.</summary>
    public List<EnvFromSource>? EnvFrom { get; set; }
}

/// <summary>One environment variable, as far as it references another object.</summary>
public sealed class EnvVar
{
    /// <summary>The variable's name.</summary>
    public string? Name { get; set; }

    /// <summary>Where its value comes from, when not literal.</summary>
    public EnvVarSource? ValueFrom { get; set; }
}

/// <summary>The source of an environment variable's value.</summary>
public sealed class EnvVarSource
{
    /// <summary>One key of a Secret.</summary>
    public SecretKeySelector? SecretKeyRef { get; set; }
}

/// <summary>One key of a Secret in the pod's namespace.</summary>
public sealed class SecretKeySelector
{
    /// <summary>The Secret's name.</summary>
    public string? Name { get; set; }

    /// <summary>The key.</summary>
    public string? Key { get; set; }

    /// <summary>Whether the pod starts without it.</summary>
    public bool? Optional { get; set; }
}

/// <summary>A whole Secret (or ConfigMap) as environment variables.</summary>
public sealed class EnvFromSource
{
    /// <summary>The Secret, when the source is one.</summary>
    public SecretEnvSource? SecretRef { get; set; }

    /// <summary>A prefix for every variable name.</summary>
    public string? Prefix { get; set; }
}

/// <summary>A Secret used whole as environment variables.</summary>
public sealed class SecretEnvSource
{
    /// <summary>The Secret's name.</summary>
    public string? Name { get; set; }

    /// <summary>Whether the pod starts without it.</summary>
    public bool? Optional { get; set; }
}

/// <summary>A pod volume, as far as it references Secrets.</summary>
public sealed class Volume
{
    /// <summary>The volume's name.</summary>
    public string? Name { get; set; }

    /// <summary>A Secret volume.</summary>
    public SecretVolumeSource? Secret { get; set; }

    /// <summary>A projected volume combining several sources.</summary>
    public ProjectedVolumeSource? Projected { get; set; }
}

/// <summary>A Secret mounted as files.</summary>
public sealed class SecretVolumeSource
{
    /// <summary>The Secret's name.</summary>
    public string? SecretName { get; set; }

    /// <summary>The keys to project; null or empty projects every key.</summary>
    public List<KeyToPath>? Items { get; set; }

    /// <summary>Whether the pod starts without it.</summary>
    public bool? Optional { get; set; }
}

/// <summary>One key projected to one file.</summary>
public sealed class KeyToPath
{
    /// <summary>The key.</summary>
    public string? Key { get; set; }

    /// <summary>The relative file path.</summary>
    public string? Path { get; set; }
}

/// <summary>A volume that projects several sources into one directory.</summary>
public sealed class ProjectedVolumeSource
{
    /// <summary>The sources.</summary>
    public List<VolumeProjection>? Sources { get; set; }
}

/// <summary>One source of a projected volume, as far as it is a Secret.</summary>
public sealed class VolumeProjection
{
    /// <summary>A Secret, when the source is one.</summary>
    public SecretProjection? Secret { get; set; }
}

/// <summary>A Secret in a projected volume.</summary>
public sealed class SecretProjection
{
    /// <summary>The Secret's name.</summary>
    public string? Name { get; set; }

    /// <summary>The keys to project; null or empty projects every key.</summary>
    public List<KeyToPath>? Items { get; set; }

    /// <summary>Whether the pod starts without it.</summary>
    public bool? Optional { get; set; }
}
