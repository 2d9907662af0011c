using System.Collections.Frozen;
using System.Globalization;
using SecretSync.Core.Desired;
using SecretSync.Core.Model;
using SecretSync.Core.Providers;

namespace SecretSync.Core.Planning;

/// <summary>The labels and annotations every managed Secret carries (DESIGN §2).</summary>
public static class ManagedMetadata
{
    /// <summary>The labels of a managed Secret.</summary>
    public static IReadOnlyDictionary<string, string> Labels { get; } =
        new Dictionary<string, string> { [Annotations.ManagedByLabel] = Annotations.ManagedByValue }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The annotations the seal covers: everything the daemon decides from them or records in audit events.</summary>
    public static IReadOnlyList<string> SealedAnnotations { get; } =
        [Annotations.Bundle, Annotations.Provider, Annotations.Source, Annotations.SourceVersion, Annotations.SourceCreated, Annotations.ContentHash];

    /// <summary>The annotations of a managed Secret written for <paramref name="target"/> from <paramref name="version"/>.</summary>
    public static IReadOnlyDictionary<string, string> AnnotationsFor(DesiredTarget target, SourceVersion version, string contentHash)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentException.ThrowIfNullOrEmpty(contentHash);
        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [Annotations.Bundle] = target.Bundle,
            [Annotations.Provider] = target.Source.Provider,
            [Annotations.Source] = target.Source.Path,
            [Annotations.SourceVersion] = version.Id,
            [Annotations.SourceCreated] = version.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture),
            [Annotations.ContentHash] = contentHash,
        }.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
