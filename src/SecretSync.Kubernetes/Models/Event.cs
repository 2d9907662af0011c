using System.Text.Json.Serialization;

namespace SecretSync.Kubernetes.Models;

/// <summary>A core/v1 Event (kubernetes.md §1, "Events").</summary>
public sealed class Event : IKubernetesObject
{
    /// <summary>The <c>type</c> of an informational event.</summary>
    public const string NormalType = "Normal";

    /// <summary>The <c>type</c> of an event that needs attention.</summary>
    public const string WarningType = "Warning";

    /// <inheritdoc />
    public string? ApiVersion { get; set; } = "v1";

    /// <inheritdoc />
    public string? Kind { get; set; } = "Event";

    /// <inheritdoc />
    public ObjectMeta Metadata { get; set; } = new();

    /// <summary>The object the event is about.</summary>
    public ObjectReference? InvolvedObject { get; set; }

    /// <summary>A CamelCase machine-readable reason.</summary>
    public string? Reason { get; set; }

    /// <summary>Human-readable text.</summary>
    public string? Message { get; set; }

    /// <summary><c>Normal</c> or <c>Warning</c>.</summary>
    public string? Type { get; set; }

    /// <summary>The reporting component.</summary>
    public EventSource? Source { get; set; }

    /// <summary>When the event was first seen (second precision).</summary>
    [JsonConverter(typeof(KubernetesTimeConverter))]
    public DateTimeOffset? FirstTimestamp { get; set; }

    /// <summary>When the event was last seen (second precision).</summary>
    [JsonConverter(typeof(KubernetesTimeConverter))]
    public DateTimeOffset? LastTimestamp { get; set; }

    /// <summary>How many times the event occurred.</summary>
    public int? Count { get; set; }

    /// <summary>The controller that emitted the event, e.g. <c>secretsync.io/daemon</c>.</summary>
    public string? ReportingComponent { get; set; }

    /// <summary>The controller instance (pod name) that emitted the event.</summary>
    public string? ReportingInstance { get; set; }

    /// <summary>What action was taken or failed.</summary>
    public string? Action { get; set; }

    /// <summary>When the event was first observed (MicroTime).</summary>
    [JsonConverter(typeof(MicroTimeConverter))]
    public DateTimeOffset? EventTime { get; set; }

    /// <inheritdoc />
    public override string ToString() => $"Event {Metadata} ({Type} {Reason} on {InvolvedObject?.Kind} {InvolvedObject?.Namespace}/{InvolvedObject?.Name})";
}

/// <summary>The component that reported an event.</summary>
public sealed class EventSource
{
    /// <summary>The component name.</summary>
    public string? Component { get; set; }

    /// <summary>The node, if any.</summary>
    public string? Host { get; set; }
}
