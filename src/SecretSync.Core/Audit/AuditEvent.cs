using System.Text.Json;
using System.Text.Json.Serialization;

namespace SecretSync.Core.Audit;

/// <summary>One thing the daemon did or refused to do (DESIGN §4). Never holds a secret value.</summary>
/// <remarks>Serialized as one line of JSON with snake_case names by <see cref="AuditJson"/>; null fields are omitted.</remarks>
public sealed record AuditEvent
{
    /// <summary>Unique id, the idempotency key of the fleet store.</summary>
    public required string Id { get; init; }

    /// <summary>Monotonic per daemon instance, to order events and spot gaps.</summary>
    public required long Sequence { get; init; }

    /// <summary>When it happened (UTC, from the injected <see cref="TimeProvider"/>).</summary>
    public required DateTimeOffset Time { get; init; }

    /// <summary>The cluster identity from the configuration.</summary>
    public required string Cluster { get; init; }

    /// <summary>The daemon instance (pod name).</summary>
    public required string Instance { get; init; }

    /// <summary>One of <see cref="AuditActions"/>.</summary>
    public required string Action { get; init; }

    /// <summary>One of <see cref="AuditOutcomes"/>.</summary>
    public required string Outcome { get; init; }

    /// <summary>One of <see cref="AuditTriggers"/>.</summary>
    public string? Trigger { get; init; }

    /// <summary>The target namespace.</summary>
    public string? Namespace { get; init; }

    /// <summary>The target Secret name.</summary>
    public string? Secret { get; init; }

    /// <summary>The bundle.</summary>
    public string? Bundle { get; init; }

    /// <summary>The provider name.</summary>
    public string? Provider { get; init; }

    /// <summary>The source path.</summary>
    public string? Source { get; init; }

    /// <summary>The source version written (or revoked).</summary>
    public string? SourceVersion { get; init; }

    /// <summary>The source version the Secret carried before.</summary>
    public string? PreviousVersion { get; init; }

    /// <summary>The keyed content hash, <c>hmac-sha256:…</c>.</summary>
    public string? ContentHmac { get; init; }

    /// <summary>What went wrong, free of values.</summary>
    public string? Error { get; init; }

    /// <summary>Extra context free of values: a denial's reason, a brake's approval token, a config file name.</summary>
    public string? Detail { get; init; }

    /// <summary>How long the action took, in milliseconds.</summary>
    public double? LatencyMs { get; init; }
}

/// <summary>The audit <c>action</c> values. An unchanged Secret is not an event.</summary>
public static class AuditActions
{
    /// <summary>A Secret was created.</summary>
    public const string Created = "created";

    /// <summary>A Secret got new content.</summary>
    public const string Updated = "updated";

    /// <summary>A Secret was deleted because its source is gone.</summary>
    public const string Revoked = "revoked";

    /// <summary>A Secret was deleted because it is no longer desired.</summary>
    public const string Pruned = "pruned";

    /// <summary>A managed Secret deleted or edited by hand was written back.</summary>
    public const string Restored = "restored";

    /// <summary>An unmanaged Secret holds the target name; it was left untouched.</summary>
    public const string Conflict = "conflict";

    /// <summary>A namespace asked for a bundle it is not allowed.</summary>
    public const string Denied = "denied";

    /// <summary>A sync failed; the last good Secret stays.</summary>
    public const string Failed = "failed";

    /// <summary>A configuration was rejected; the last good one stays.</summary>
    public const string ConfigRejected = "config-rejected";

    /// <summary>A configuration was loaded.</summary>
    public const string ConfigLoaded = "config-loaded";

    /// <summary>The delete guard holds a revocation.</summary>
    public const string RevocationPaused = "revocation-paused";

    /// <summary>The delete guard holds a prune.</summary>
    public const string PrunePaused = "prune-paused";

    /// <summary>Workloads were restarted after a rotation.</summary>
    public const string Restarted = "restarted";

    /// <summary>Tenant-triggered events of one namespace were held back by the audit rate limit; <c>detail</c> counts them.</summary>
    public const string Suppressed = "suppressed";

    /// <summary>Every action, for validating filters.</summary>
    public static IReadOnlyList<string> All { get; } =
        [Created, Updated, Revoked, Pruned, Restored, Conflict, Denied, Failed, ConfigRejected, ConfigLoaded, RevocationPaused, PrunePaused, Restarted, Suppressed];

    /// <summary>The actions that record a write to the cluster: never rate-limited, always recorded.</summary>
    public static IReadOnlyList<string> Writes { get; } = [Created, Updated, Revoked, Pruned, Restored];
}

/// <summary>The audit <c>trigger</c> values: what made the daemon act.</summary>
public static class AuditTriggers
{
    /// <summary>The first sync after start or gaining leadership.</summary>
    public const string Startup = "startup";

    /// <summary>A polling cycle.</summary>
    public const string Poll = "poll";

    /// <summary>A provider change notification.</summary>
    public const string Event = "event";

    /// <summary>A Namespace change.</summary>
    public const string Namespace = "namespace";

    /// <summary>A managed Secret changed under us.</summary>
    public const string Drift = "drift";

    /// <summary>An operator command.</summary>
    public const string Manual = "manual";

    /// <summary>The configuration file changed and was reloaded.</summary>
    public const string Config = "config";

    /// <summary>Every trigger.</summary>
    public static IReadOnlyList<string> All { get; } = [Startup, Poll, Event, Namespace, Drift, Manual, Config];
}

/// <summary>The audit <c>outcome</c> values.</summary>
public static class AuditOutcomes
{
    /// <summary>The action was carried out.</summary>
    public const string Success = "success";

    /// <summary>The action was attempted and failed.</summary>
    public const string Failure = "failure";

    /// <summary>The action was deliberately not carried out (conflict, denial, paused revocation).</summary>
    public const string Skipped = "skipped";

    /// <summary>Every outcome.</summary>
    public static IReadOnlyList<string> All { get; } = [Success, Failure, Skipped];
}

/// <summary>Receives audit events (after Serilog's <c>ILogEventSink</c>).</summary>
/// <remarks>Whether a failing sink is best-effort or required is decided where it is registered, not here.</remarks>
public interface IAuditSink
{
    /// <summary>Records one event.</summary>
    ValueTask WriteAsync(AuditEvent auditEvent, CancellationToken cancellationToken);
}

/// <summary>The one JSON encoding of audit events: snake_case, nulls omitted, one line per event.</summary>
public static class AuditJson
{
    /// <summary>One event as a single line of JSON, without a trailing newline.</summary>
    public static string Serialize(AuditEvent auditEvent) => JsonSerializer.Serialize(auditEvent, AuditJsonContext.Default.AuditEvent);

    /// <summary>One event as UTF-8 JSON, without a trailing newline.</summary>
    public static byte[] SerializeToUtf8Bytes(AuditEvent auditEvent) => JsonSerializer.SerializeToUtf8Bytes(auditEvent, AuditJsonContext.Default.AuditEvent);

    /// <summary>Reads one line back.</summary>
    /// <exception cref="JsonException">The line is not an audit event.</exception>
    public static AuditEvent Deserialize(string line) =>
        JsonSerializer.Deserialize(line, AuditJsonContext.Default.AuditEvent) ?? throw new JsonException("An audit line holds null.");
}

/// <summary>Source-generated serializer for <see cref="AuditEvent"/>; trimming- and AOT-safe.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = false)]
[JsonSerializable(typeof(AuditEvent))]
public sealed partial class AuditJsonContext : JsonSerializerContext;
