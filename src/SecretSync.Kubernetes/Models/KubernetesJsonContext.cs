using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace SecretSync.Kubernetes.Models;

/// <summary>Source-generated serialization for every type this client sends or receives.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    // Lists and unknown fields from newer servers must not break reads.
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(Secret))]
[JsonSerializable(typeof(KubernetesList<Secret>))]
[JsonSerializable(typeof(ConfigMap))]
[JsonSerializable(typeof(KubernetesList<ConfigMap>))]
[JsonSerializable(typeof(Namespace))]
[JsonSerializable(typeof(KubernetesList<Namespace>))]
[JsonSerializable(typeof(Event))]
[JsonSerializable(typeof(KubernetesList<Event>))]
[JsonSerializable(typeof(Lease))]
[JsonSerializable(typeof(KubernetesList<Lease>))]
[JsonSerializable(typeof(Deployment))]
[JsonSerializable(typeof(KubernetesList<Deployment>))]
[JsonSerializable(typeof(StatefulSet))]
[JsonSerializable(typeof(KubernetesList<StatefulSet>))]
[JsonSerializable(typeof(DaemonSet))]
[JsonSerializable(typeof(KubernetesList<DaemonSet>))]
[JsonSerializable(typeof(Status))]
[JsonSerializable(typeof(DeleteOptions))]
[JsonSerializable(typeof(JsonNode))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(RawWatchEvent))]
internal sealed partial class KubernetesJsonContext : JsonSerializerContext;

/// <summary>A watch line before its object is typed.</summary>
internal sealed class RawWatchEvent
{
    public string? Type { get; set; }

    public JsonElement Object { get; set; }
}
