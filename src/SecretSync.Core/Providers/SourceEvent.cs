namespace SecretSync.Core.Providers;

/// <summary>A notification from an authority that can push changes.</summary>
public abstract record SourceEvent
{
    private SourceEvent()
    {
    }

    /// <summary>The subscription is live: changes will be pushed, so polling may rest.</summary>
    public sealed record Connected : SourceEvent;

    /// <summary>The subscription dropped; poll until <see cref="Connected"/> arrives again.</summary>
    public sealed record Lost(string Reason) : SourceEvent;

    /// <summary>A source changed (written, deleted, destroyed, undeleted).</summary>
    /// <param name="Path">The source path, relative to the provider's mount.</param>
    /// <param name="Version">The new current version when the event carries it.</param>
    public sealed record Changed(string Path, string? Version) : SourceEvent;
}
