using System.Collections.Concurrent;

namespace SecretSync.Daemon.Sync;

/// <summary>Audits a condition once until it changes or clears, so a steady failure does not flood the trail.</summary>
/// <remarks>Keys name the condition (<c>failed/…</c>, <c>conflict/…</c>, <c>held/…</c>, <c>request/…</c>); the state says whether it changed.</remarks>
internal sealed class AuditOnce
{
    private readonly ConcurrentDictionary<string, string> _reported = new(StringComparer.Ordinal);

    public void Report(string key, string state, Action report)
    {
        if (_reported.TryGetValue(key, out var previous) && previous == state)
        {
            return;
        }

        _reported[key] = state;
        report();
    }

    public void Clear(string key) => _reported.TryRemove(key, out _);

    /// <summary>Clears every condition under <paramref name="prefix"/> that is not in <paramref name="live"/>.</summary>
    public void Retain(string prefix, IReadOnlySet<string> live)
    {
        foreach (var stale in _reported.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && !live.Contains(k)))
        {
            _reported.TryRemove(stale, out _);
        }
    }
}
