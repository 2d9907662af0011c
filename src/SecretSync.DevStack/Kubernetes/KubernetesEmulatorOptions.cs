using SecretSync.DevStack.Hosting;

namespace SecretSync.DevStack;

/// <summary>How the Kubernetes API emulator listens, authenticates and keeps history.</summary>
public sealed record KubernetesEmulatorOptions : EmulatorListenOptions
{
    /// <summary>When set, every API request must carry <c>Authorization: Bearer</c> this token, else 401 Unauthorized.</summary>
    /// <value>Default null: no authentication. <c>/version</c> and the health endpoints stay anonymous, as on a real cluster.</value>
    public string? BearerToken { get; init; }

    /// <summary>Requests answered with 403 Forbidden, as RBAC would.</summary>
    /// <value>Default empty.</value>
    public IReadOnlyList<KubernetesDenyRule> DenyRules { get; init; } = [];

    /// <summary>How many committed changes a watch can resume across; an older resourceVersion gets 410 Expired.</summary>
    /// <value>Default 10,000 changes.</value>
    public int WatchHistoryLimit { get; init; } = 10_000;

    /// <summary>The minor version <c>/version</c> reports; the kubectl dispatcher picks its bundled kubectl by it.</summary>
    /// <value>Default "32" (Kubernetes 1.32).</value>
    public string ServerMinorVersion { get; init; } = "32";

    /// <summary>How often a watch that asked for bookmarks receives one.</summary>
    /// <value>Default 5 seconds, measured on <see cref="Hosting.EmulatorListenOptions.Time"/>.</value>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>A request the emulator refuses with 403 Forbidden.</summary>
/// <param name="Verb">Kubernetes verb (get, list, watch, create, update, patch, delete, deletecollection), or <c>*</c>.</param>
/// <param name="Resource">Plural resource name (e.g. <c>secrets</c>), or <c>*</c>.</param>
/// <param name="Namespace">Only in this namespace; any (including cluster scope) when null.</param>
public sealed record KubernetesDenyRule(string Verb, string Resource, string? Namespace = null)
{
    /// <summary>Only requests bearing this bearer token; any request when null.</summary>
    public string? Token { get; init; }

    /// <summary>The user named in the Forbidden message.</summary>
    /// <value>Default <c>system:serviceaccount:secretsync:secretsync</c>.</value>
    public string User { get; init; } = "system:serviceaccount:secretsync:secretsync";
}
