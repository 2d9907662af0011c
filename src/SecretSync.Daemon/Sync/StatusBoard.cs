using System.Collections.Concurrent;
using SecretSync.Core.Model;

namespace SecretSync.Daemon.Sync;

/// <summary>What one target looks like for <c>/status</c>: versions, times and errors, never values.</summary>
public sealed record TargetStatus(
    string Namespace, string Secret, string Bundle, string Provider, string Source, string? SourceVersion, DateTimeOffset? LastSync, string? LastError);

/// <summary>What one source looks like for <c>/status</c>.</summary>
public sealed record SourceStatus(string Provider, string Path, string? CurrentVersion, string State, DateTimeOffset? LastChecked, string? LastError);

/// <summary>The JSON document served on <c>/status</c>.</summary>
public sealed record DaemonStatus(
    string Cluster,
    string Instance,
    bool Leader,
    bool Ready,
    DateTimeOffset? LastFullSync,
    string? RevocationBrake,
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
