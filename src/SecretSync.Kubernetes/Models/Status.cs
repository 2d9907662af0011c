using System.Text.Json.Serialization;

namespace SecretSync.Kubernetes.Models;

/// <summary>The <c>kind: Status</c> body the API server returns for errors and some deletes (kubernetes.md §5).</summary>
public sealed class Status
{
    /// <summary>Always <c>Status</c>.</summary>
    public string? Kind { get; set; }

    /// <summary>Usually <c>v1</c>.</summary>
    public string? ApiVersion { get; set; }

    /// <summary><c>Success</c> or <c>Failure</c>.</summary>
    [JsonPropertyName("status")]
    public string? Outcome { get; set; }

    /// <summary>Human-readable description, authored by the server.</summary>
    public string? Message { get; set; }

    /// <summary>Machine-readable reason, e.g. <c>NotFound</c>, <c>Conflict</c>, <c>Expired</c>.</summary>
    public string? Reason { get; set; }

    /// <summary>Extra data about the reason.</summary>
    public StatusDetails? Details { get; set; }

    /// <summary>The HTTP status code this Status stands for.</summary>
    public int? Code { get; set; }

    /// <inheritdoc />
    public override string ToString() => $"{Code} {Reason}: {Message}";
}

/// <summary>Extra data about a <see cref="Status"/>.</summary>
public sealed class StatusDetails
{
    /// <summary>The name of the object concerned.</summary>
    public string? Name { get; set; }

    /// <summary>The API group of the object concerned.</summary>
    public string? Group { get; set; }

    /// <summary>The kind (often the plural resource) of the object concerned.</summary>
    public string? Kind { get; set; }

    /// <summary>The uid of the object concerned.</summary>
    public string? Uid { get; set; }

    /// <summary>Individual causes, e.g. one per invalid field.</summary>
    public List<StatusCause>? Causes { get; set; }

    /// <summary>How long the server asks the client to wait before retrying.</summary>
    public int? RetryAfterSeconds { get; set; }
}

/// <summary>One cause of a failure.</summary>
public sealed class StatusCause
{
    /// <summary>A machine-readable cause, e.g. <c>FieldValueInvalid</c> or <c>FieldManagerConflict</c>.</summary>
    public string? Reason { get; set; }

    /// <summary>Human-readable text.</summary>
    public string? Message { get; set; }

    /// <summary>The field concerned, e.g. <c>data</c>.</summary>
    public string? Field { get; set; }
}

/// <summary>The body of a DELETE (kubernetes.md §2).</summary>
public sealed class DeleteOptions
{
    /// <summary>Always <c>DeleteOptions</c>.</summary>
    public string? Kind { get; set; } = "DeleteOptions";

    /// <summary>Always <c>v1</c>.</summary>
    public string? ApiVersion { get; set; } = "v1";

    /// <summary>Conditions the stored object must meet, or the delete fails with 409 Conflict.</summary>
    public Preconditions? Preconditions { get; set; }

    /// <summary><c>Orphan</c>, <c>Background</c> or <c>Foreground</c>.</summary>
    public string? PropagationPolicy { get; set; }

    /// <summary>Seconds before the object is deleted; zero deletes immediately.</summary>
    public long? GracePeriodSeconds { get; set; }
}

/// <summary>Conditions a delete requires of the stored object.</summary>
public sealed class Preconditions
{
    /// <summary>The uid the stored object must have.</summary>
    public string? Uid { get; set; }

    /// <summary>The resourceVersion the stored object must have.</summary>
    public string? ResourceVersion { get; set; }
}
