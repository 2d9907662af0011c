using System.Collections.Concurrent;

namespace SecretSync.Chaos;

/// <summary>What the schedule did, counted for the summary.</summary>
internal sealed class ChaosTally
{
    private readonly ConcurrentDictionary<string, int> _faults = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _changes = new(StringComparer.Ordinal);

    /// <summary>Faults injected, by kind.</summary>
    public IReadOnlyDictionary<string, int> Faults => _faults;

    /// <summary>Schedule changes (rotations, deletions, flaps, reloads, kills...), by kind.</summary>
    public IReadOnlyDictionary<string, int> Changes => _changes;

    public void Fault(string kind) => _faults.AddOrUpdate(kind, 1, (_, n) => n + 1);

    public void Change(string kind, int count = 1) => _changes.AddOrUpdate(kind, count, (_, n) => n + count);

    public int this[string change] => _changes.GetValueOrDefault(change);
}
