namespace SecretSync.Core.Providers;

/// <summary>Identifies one version of a source: an opaque provider version id and when it was created.</summary>
/// <param name="Id">Opaque version id as the provider names it (Vault: the version number as text).</param>
/// <param name="CreatedAt">When the authority created this version; rotation latency is measured from it.</param>
public readonly record struct SourceVersion(string Id, DateTimeOffset CreatedAt)
{
    /// <inheritdoc />
    public override string ToString() => Id;
}
