namespace SecretSync.Core.Providers;

/// <summary>The key/value data of one source version, exactly as the authority holds it.</summary>
/// <remarks>
/// Values are bytes because Kubernetes Secrets carry bytes; text values are UTF-8. A payload is transient:
/// callers hash it and write it, and keep no reference to it afterwards. <see cref="ToString"/> never
/// prints values.
/// </remarks>
public sealed class SecretPayload
{
    /// <summary>Creates a payload for one version.</summary>
    public SecretPayload(SourceVersion version, IReadOnlyDictionary<string, byte[]> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        Version = version;
        Values = values;
    }

    /// <summary>The version these values belong to.</summary>
    public SourceVersion Version { get; }

    /// <summary>Key to value bytes.</summary>
    public IReadOnlyDictionary<string, byte[]> Values { get; }

    /// <inheritdoc />
    public override string ToString() => $"SecretPayload(version {Version.Id}, {Values.Count} keys)";
}
