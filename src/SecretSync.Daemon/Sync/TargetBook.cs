using System.Collections.Concurrent;
using SecretSync.Core.Desired;
using SecretSync.Core.Model;

namespace SecretSync.Daemon.Sync;

/// <summary>Per target: the content hash last written, whether it is failing or being deleted, and its /status line.</summary>
internal sealed class TargetBook(StatusBoard status, TimeProvider time)
{
    private readonly ConcurrentDictionary<NamespacedName, string> _applied = new();
    private readonly ConcurrentDictionary<NamespacedName, byte> _failing = new();
    private readonly ConcurrentDictionary<NamespacedName, byte> _deleting = new();

    public StatusBoard Status { get; } = status;

    /// <summary>Desired targets whose last write or read failed.</summary>
    public int Failing => _failing.Count;

    public bool AnyFailing => !_failing.IsEmpty;

    /// <summary>The content hash this daemon last wrote to <paramref name="secret"/>, if any.</summary>
    public string? Applied(NamespacedName secret) => _applied.GetValueOrDefault(secret);

    public bool WasApplied(NamespacedName secret) => _applied.ContainsKey(secret);

    public bool IsDeleting(NamespacedName secret) => _deleting.ContainsKey(secret);

    public void Synced(DesiredTarget target, string hash, string version)
    {
        _applied[target.Secret] = hash;
        _failing.TryRemove(target.Secret, out _);
        Status.Target(new TargetStatus(target.Secret.Namespace, target.Secret.Name, target.Bundle, target.Source.Provider, target.Source.Path, version, time.GetUtcNow(), null));
    }

    /// <summary>Shows an error on the target's status; <paramref name="failing"/> counts it against health (a conflict does not).</summary>
    public void Errored(DesiredTarget target, string error, bool failing)
    {
        if (failing)
        {
            _failing[target.Secret] = 0;
        }
        else
        {
            _failing.TryRemove(target.Secret, out _);
        }

        var previous = Status.FindTarget(target.Secret);
        Status.Target(new TargetStatus(target.Secret.Namespace, target.Secret.Name, target.Bundle, target.Source.Provider, target.Source.Path,
            previous?.SourceVersion, previous?.LastSync, error));
    }

    /// <summary>Marks <paramref name="secret"/> as being deleted for the life of the returned scope, so its watch event is not taken for drift.</summary>
    public IDisposable Deleting(NamespacedName secret)
    {
        _deleting[secret] = 0;
        return new Scope(() => _deleting.TryRemove(secret, out _));
    }

    public void Deleted(NamespacedName secret)
    {
        _applied.TryRemove(secret, out _);
        _failing.TryRemove(secret, out _);
        Status.ForgetTarget(secret);
    }

    /// <summary>Forgets failures of targets the plan no longer has.</summary>
    public void Retain(IReadOnlyDictionary<NamespacedName, DesiredTarget> desired)
    {
        foreach (var stale in _failing.Keys.Where(k => !desired.ContainsKey(k)))
        {
            _failing.TryRemove(stale, out _);
        }
    }

    private sealed class Scope(Action end) : IDisposable
    {
        public void Dispose() => end();
    }
}
