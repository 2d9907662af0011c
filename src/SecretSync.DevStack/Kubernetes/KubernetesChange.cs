using System.Text.Json.Nodes;

namespace SecretSync.DevStack;

/// <summary>One committed write in the emulator, kept for invariant checks after a test or benchmark.</summary>
public sealed class KubernetesChange
{
    private readonly StoredObject _object;
    private readonly StoredObject? _previous;

    internal KubernetesChange(DateTimeOffset time, string type, StoredObject stored, StoredObject? previous, string? userAgent)
    {
        Time = time;
        Type = type;
        _object = stored;
        _previous = previous;
        UserAgent = userAgent;
    }

    /// <summary>The User-Agent of the API request that made the change; null when the emulator's own methods made it (test set-up).</summary>
    /// <remarks>With <see cref="ParsePrevious"/>, what an admission controller would have been shown: who, the object and the old object.</remarks>
    public string? UserAgent { get; }

    /// <summary>When the change was committed, on the emulator's clock.</summary>
    public DateTimeOffset Time { get; }

    /// <summary><c>ADDED</c>, <c>MODIFIED</c> or <c>DELETED</c>.</summary>
    public string Type { get; }

    /// <summary>Plural resource name, e.g. <c>secrets</c>.</summary>
    public string Resource => _object.Kind.Plural;

    /// <summary>API group; empty for core/v1.</summary>
    public string Group => _object.Kind.Group;

    /// <summary>The object's namespace; null for cluster-scoped objects.</summary>
    public string? Namespace => _object.Namespace.Length == 0 ? null : _object.Namespace;

    /// <summary>The object's name.</summary>
    public string Name => _object.Name;

    /// <summary>The resourceVersion the change committed (for DELETED: the deletion's).</summary>
    public string ResourceVersion => _object.ResourceVersionText;

    /// <summary>The object as JSON after the change (for DELETED: its final state).</summary>
    public string Json => _object.ToJsonString();

    /// <summary>Parses <see cref="Json"/> into a new, freely mutable node.</summary>
    public JsonObject ParseObject() => _object.ToJsonObject();

    /// <summary>For MODIFIED, the object as it was before the change; null for ADDED and DELETED.</summary>
    public JsonObject? ParsePrevious() => _previous?.ToJsonObject();

    /// <inheritdoc />
    public override string ToString() => $"{ResourceVersion} {Type} {Resource} {Namespace}/{Name}";
}
