namespace SecretSync.Core.Model;

/// <summary>Identifies a namespaced Kubernetes object, here always a Secret.</summary>
/// <param name="Namespace">The namespace.</param>
/// <param name="Name">The object's name.</param>
public readonly record struct NamespacedName(string Namespace, string Name)
{
    /// <inheritdoc />
    public override string ToString() => $"{Namespace}/{Name}";
}

/// <summary>Identifies one source: a configured provider and a path in it.</summary>
/// <param name="Provider">The provider's name in the configuration.</param>
/// <param name="Path">The source path in that provider.</param>
public readonly record struct SourceRef(string Provider, string Path)
{
    /// <inheritdoc />
    public override string ToString() => $"{Provider}:{Path}";
}

/// <summary>What the daemon needs to know about a Namespace.</summary>
/// <param name="Name">The namespace name.</param>
/// <param name="Labels">Its labels, matched against bundle selectors.</param>
/// <param name="Annotations">Its annotations, where <see cref="Model.Annotations.Bundles"/> opts it in.</param>
public sealed record NamespaceInfo(string Name, IReadOnlyDictionary<string, string> Labels, IReadOnlyDictionary<string, string> Annotations);
