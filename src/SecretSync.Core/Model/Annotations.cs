namespace SecretSync.Core.Model;

/// <summary>Every label and annotation key SecretSync reads or writes.</summary>
public static class Annotations
{
    /// <summary>The prefix of every SecretSync annotation.</summary>
    public const string Prefix = "secretsync.io/";

    /// <summary>On a Namespace: comma-separated bundle names it asks for.</summary>
    public const string Bundles = Prefix + "bundles";

    /// <summary>On a managed Secret: the bundle it belongs to.</summary>
    public const string Bundle = Prefix + "bundle";

    /// <summary>On a managed Secret: the provider its source lives in.</summary>
    public const string Provider = Prefix + "provider";

    /// <summary>On a managed Secret: the source path.</summary>
    public const string Source = Prefix + "source";

    /// <summary>On a managed Secret: the source version it carries.</summary>
    public const string SourceVersion = Prefix + "source-version";

    /// <summary>On a managed Secret: when that source version was created (RFC 3339, UTC).</summary>
    public const string SourceCreated = Prefix + "source-created";

    /// <summary>On a managed Secret: the keyed hash of its type and data, <c>hmac-sha256:…</c>.</summary>
    public const string ContentHash = Prefix + "content-hash";

    /// <summary>On a managed Secret: <c>v1.OWNER.META</c>, keyed proofs that SecretSync wrote a Secret of this name and that the
    /// other <c>secretsync.io/*</c> annotations are as it wrote them (see <see cref="Rendering.ContentHasher.Seal"/>).</summary>
    public const string Seal = Prefix + "seal";

    /// <summary>On a retained Secret whose source the authority deleted (<c>onSourceDeleted: retain</c>): when that was seen.</summary>
    public const string SourceDeleted = Prefix + "source-deleted";

    /// <summary>On a Deployment, StatefulSet or DaemonSet: <c>true</c> (every managed Secret its pod template uses) or a
    /// comma list of Secret names; the leader restarts it when a key it uses changes value.</summary>
    public const string RestartOnRotate = Prefix + "restart-on-rotate";

    /// <summary>On a restarted workload's pod template: per Secret, a digest of the key HMACs the pods were started for
    /// (<c>db=1a2b…,api=3c4d…</c>); never a value.</summary>
    public const string RestartedFor = Prefix + "restarted-for";

    /// <summary>On the daemon's Lease: the hold id of deletions an operator approved (<c>secretsync revocations approve</c>).</summary>
    /// <remarks>Whoever may patch the Lease may approve: the cluster's RBAC decides, not possession of the id.</remarks>
    public const string ApproveDeletions = Prefix + "approve-deletions";

    /// <summary>The label that marks a Secret as written by SecretSync; without it a Secret is never touched.</summary>
    public const string ManagedByLabel = "app.kubernetes.io/managed-by";

    /// <summary>The value of <see cref="ManagedByLabel"/> on managed Secrets.</summary>
    public const string ManagedByValue = "secretsync";

    /// <summary>At most this many bundle names are honoured from one namespace.</summary>
    public const int MaxBundleNames = 64;

    /// <summary>At most this many characters of the bundles annotation are read.</summary>
    public const int MaxBundlesLength = 8 * 1024;

    /// <summary>Whether a Secret's labels mark it as managed by SecretSync.</summary>
    public static bool IsManaged(IReadOnlyDictionary<string, string> labels) =>
        labels.TryGetValue(ManagedByLabel, out var value) && value == ManagedByValue;

    /// <summary>Parses the value of <see cref="Bundles"/>, written by namespace owners and so treated as hostile.</summary>
    /// <remarks>Never throws. Names must be DNS-1123 labels; anything else is reported, not guessed at.</remarks>
    public static BundleRequest ParseBundles(string? value) => BundleRequest.Parse(value);
}
