using System.Collections.Concurrent;
using SecretSync.Core.Model;

namespace SecretSync.Daemon.Sync;

/// <summary>What one target looks like for <c>/status</c>: versions, times and errors, never values.</summary>
public sealed record TargetStatus(
    string Namespace, string Secret, string Bundle, string Provider, string Source, string? SourceVersion, DateTimeOffset? LastSync, string? LastError);

/// <summary>What one source looks like for <c>/status</c>.</summary>
public sealed record SourceStatus(string Provider, string Path, string? CurrentVersion, string State, DateTimeOffset? LastChecked, string? LastError);

/// <summary>A deletion the delete guard holds, for <c>/status</c>.</summary>
public sealed record HeldDeletion(string Namespace, string Secret, string Cause, string? Bundle, string Reason);

/// <summary>The delete guard's state for <c>/status</c>.</summary>
/// <param name="Holding">Deletions wait for an approval or for their cause to clear.</param>
/// <param name="HoldId">The id to approve, while holding.</param>
/// <param name="Summary">Counts and thresholds, while holding.</param>
/// <param name="Approve">The command that approves this hold (it patches the daemon's Lease: RBAC decides who may).</param>
/// <param name="Held">Exactly the held deletions.</param>
public sealed record DeleteGuardStatus(bool Holding, string? HoldId, string? Summary, string? Approve, IReadOnlyList<HeldDeletion> Held);

/// <summary>The JSON document served on <c>/status</c>.</summary>
/// <param name="Cluster">The configured cluster name.</param>
/// <param name="Instance">This replica.</param>
/// <param name="Leader">This replica holds the Lease and writes.</param>
/// <param name="Ready">What <c>/readyz</c> answers.</param>
/// <param name="Readiness">Why, in one line.</param>
/// <param name="LastSuccessfulSync">When a cycle last ended with every provider answering and no target failing.</param>
/// <param name="Providers">Per provider that desired targets use: whether its last version check or read succeeded.</param>
/// <param name="NotConverged">Desired targets that do not carry their source yet (failing, in conflict or not written).</param>
/// <param name="DeleteGuard">Deletions held by the delete guard.</param>
/// <param name="Sources">Per source: version, state, last check and error.</param>
/// <param name="Targets">Per target: version, last sync and error.</param>
/// <param name="Denied">Requests the tenancy guard refused.</param>
/// <param name="Conflicts">Secret names claimed by several requested bundles.</param>
public sealed record DaemonStatus(
    string Cluster,
    string Instance,
    bool Leader,
    bool Ready,
    string Readiness,
    DateTimeOffset? LastSuccessfulSync,
    IReadOnlyDictionary<string, bool> Providers,
    int NotConverged,
    DeleteGuardStatus DeleteGuard,
    IReadOnlyList<SourceStatus> Sources,
    IReadOnlyList<TargetStatus> Targets,
    IReadOnlyList<string> Denied,
    IReadOnlyList<string> Conflicts);

/// <summary>Collects the last outcome per target and source for the status endpoint.</summary>
internal sealed class StatusBoard
{
    private readonly ConcurrentDictionary<NamespacedName, TargetStatus> _targets = new();
    private readonly ConcurrentDictionary<SourceRef, SourceStatus> _sources = new();

    public void Target(TargetStatus status) => _targets[new NamespacedName(status.Namespace, status.Secret)] = status;

    public void ForgetTarget(NamespacedName secret) => _targets.TryRemove(secret, out _);

    public void Source(SourceStatus status) => _sources[new SourceRef(status.Provider, status.Path)] = status;

    public TargetStatus? FindTarget(NamespacedName secret) => _targets.GetValueOrDefault(secret);

    public SourceStatus? FindSource(SourceRef source) => _sources.GetValueOrDefault(source);

    public IReadOnlyList<TargetStatus> Targets =>
        [.. _targets.Values.OrderBy(t => t.Namespace, StringComparer.Ordinal).ThenBy(t => t.Secret, StringComparer.Ordinal)];

    public IReadOnlyList<SourceStatus> Sources =>
        [.. _sources.Values.OrderBy(s => s.Provider, StringComparer.Ordinal).ThenBy(s => s.Path, StringComparer.Ordinal)];

    public void RetainSources(IReadOnlySet<SourceRef> live)
    {
        foreach (var key in _sources.Keys.Where(k => !live.Contains(k)))
        {
            _sources.TryRemove(key, out _);
        }
    }
}
