using System.Diagnostics;
using SecretSync.Core.Model;
using SecretSync.Core.Providers;

namespace SecretSync.Daemon.Sync;

/// <summary>The one <see cref="ActivitySource"/> of a sync, with its span names and the helpers that start them.</summary>
/// <remarks>
/// Every helper takes names, paths and version ids only, so no caller can hand a secret value to a span. A helper
/// returns <see langword="null"/> when nothing listens (tracing is off unless <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is
/// set), and every other member accepts that <see langword="null"/>.
/// </remarks>
internal static class SyncTracing
{
    /// <summary>The source name an OpenTelemetry tracer provider subscribes to.</summary>
    public const string SourceName = "SecretSync.Sync";

    /// <summary>One batch version check of a provider's sources (a poll cycle).</summary>
    public const string VersionCheckSpan = "secretsync.provider.check_versions";

    /// <summary>One read of a source version from its provider.</summary>
    public const string ProviderReadSpan = "secretsync.provider.read";

    /// <summary>Rendering one target Secret from a source payload.</summary>
    public const string RenderSpan = "secretsync.render";

    /// <summary>One create or replace of a Secret through the Kubernetes API.</summary>
    public const string KubernetesWriteSpan = "secretsync.kubernetes.write";

    /// <summary>The configured provider name.</summary>
    public const string ProviderAttribute = "secretsync.provider";

    /// <summary>The source path in the provider.</summary>
    public const string SourcePathAttribute = "secretsync.source.path";

    /// <summary>How many source paths a version check asked about.</summary>
    public const string SourceCountAttribute = "secretsync.source.count";

    /// <summary>The source version id (never its content).</summary>
    public const string VersionAttribute = "secretsync.source.version";

    /// <summary>The target Secret's namespace, under the OpenTelemetry Kubernetes convention.</summary>
    public const string NamespaceAttribute = "k8s.namespace.name";

    /// <summary>The target Secret's name.</summary>
    public const string SecretAttribute = "secretsync.secret.name";

    /// <summary>The write's plan action, e.g. <c>create</c> or <c>replace</c>.</summary>
    public const string ActionAttribute = "secretsync.action";

    /// <summary>The failure class of a failed step, e.g. <c>Unavailable</c>.</summary>
    public const string FailureAttribute = "secretsync.failure";

    /// <summary>The source; process-wide, as tracer providers subscribe by name.</summary>
    public static ActivitySource Source { get; } = new(SourceName, typeof(SyncTracing).Assembly.GetName().Version?.ToString());

    /// <summary>Starts the span of one batch version check.</summary>
    /// <param name="provider">The configured provider name.</param>
    /// <param name="sources">How many paths are checked.</param>
    /// <returns>The started span, or <see langword="null"/> when nothing listens.</returns>
    public static Activity? CheckVersions(string provider, int sources) =>
        Source.StartActivity(VersionCheckSpan, ActivityKind.Client)?
            .SetTag(ProviderAttribute, provider)
            .SetTag(SourceCountAttribute, sources);

    /// <summary>Starts the span of one source read.</summary>
    /// <param name="source">The provider and path read.</param>
    /// <param name="wantedVersion">The version id asked for, or <see langword="null"/> for the current one.</param>
    /// <returns>The started span, or <see langword="null"/> when nothing listens.</returns>
    public static Activity? Read(SourceRef source, string? wantedVersion) =>
        Source.StartActivity(ProviderReadSpan, ActivityKind.Client)?
            .SetTag(ProviderAttribute, source.Provider)
            .SetTag(SourcePathAttribute, source.Path)
            .SetTag(VersionAttribute, wantedVersion);

    /// <summary>Starts the span of rendering one target.</summary>
    /// <param name="secret">The target Secret.</param>
    /// <param name="version">The source version rendered.</param>
    /// <returns>The started span, or <see langword="null"/> when nothing listens.</returns>
    public static Activity? Render(NamespacedName secret, SourceVersion version) =>
        Target(Source.StartActivity(RenderSpan, ActivityKind.Internal), secret, version);

    /// <summary>Starts the span of one Kubernetes write of a target.</summary>
    /// <param name="secret">The target Secret.</param>
    /// <param name="version">The source version the write carries.</param>
    /// <param name="action">The plan action, e.g. <c>create</c> or <c>replace</c>.</param>
    /// <returns>The started span, or <see langword="null"/> when nothing listens.</returns>
    public static Activity? Write(NamespacedName secret, SourceVersion version, string action) =>
        Target(Source.StartActivity(KubernetesWriteSpan, ActivityKind.Client), secret, version)?
            .SetTag(ActionAttribute, action);

    /// <summary>Marks a span failed with the failure's class only: its message may quote an authority's answer.</summary>
    /// <param name="activity">The span, or <see langword="null"/> when nothing listens.</param>
    /// <param name="failure">The class of failure, e.g. <see cref="FailureKind.Unavailable"/> or an exception's type name.</param>
    public static void Failed(Activity? activity, string failure)
    {
        activity?.SetTag(FailureAttribute, failure).SetStatus(ActivityStatusCode.Error, failure);
    }

    private static Activity? Target(Activity? activity, NamespacedName secret, SourceVersion version) =>
        activity?
            .SetTag(NamespaceAttribute, secret.Namespace)
            .SetTag(SecretAttribute, secret.Name)
            .SetTag(VersionAttribute, version.Id);
}
