using System.Collections.Immutable;
using System.Globalization;
using SecretSync.Testing.Cluster;

namespace SecretSync.Chaos;

/// <summary>What the schedule asked for at one moment: the bundles in the configuration, each namespace's request and each source's version.</summary>
/// <param name="ConfiguredBundles">Bundles present in the configuration file.</param>
/// <param name="Requests">Bundles each namespace's annotation asks for.</param>
/// <param name="Sources">The current version of each source that exists in Vault.</param>
internal sealed record WorldState(
    ImmutableHashSet<string> ConfiguredBundles,
    ImmutableDictionary<string, ImmutableHashSet<string>> Requests,
    ImmutableDictionary<string, int> Sources)
{
    /// <summary>Every Secret the daemon should hold in this state, with the source it comes from.</summary>
    public IEnumerable<(string Namespace, string Target, string Source)> Desired() =>
        from ns in ChaosWorld.Namespaces
        from bundle in Requests[ns].Where(ConfiguredBundles.Contains).Order(StringComparer.Ordinal)
        from mapping in ChaosWorld.Bundles[bundle]
        where Sources.ContainsKey(mapping.Source) && !ChaosWorld.IsConflict(ns, mapping.Target)
        select (ns, mapping.Target, mapping.Source);

    public bool Desires(string ns, string target) => Desired().Any(d => d.Namespace == ns && d.Target == target);
}

/// <summary>
/// The schedule's own intent, kept apart from the emulators: every state it put the world in, with the time it did so,
/// and every value it ever wrote to Vault (unique per version and derived from the seed, so a leak scan can look for each).
/// </summary>
internal sealed class ChaosWorld
{
    /// <summary>The opted-in namespaces; every one of them starts asking for every bundle.</summary>
    public static readonly IReadOnlyList<string> Namespaces = [.. Enumerable.Range(0, 6).Select(i => $"chaos-{i}")];

    /// <summary>The bundles the configuration can hold: <c>core</c> always, <c>extra</c> toggled by reloads.</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<(string Source, string Target)>> Bundles =
        new Dictionary<string, IReadOnlyList<(string Source, string Target)>>(StringComparer.Ordinal)
        {
            ["core"] = [("core/db", "db"), ("core/api", "api"), ("shared/cert", "cert")],
            ["extra"] = [("extra/token", "token")],
        };

    /// <summary>The keys each source holds.</summary>
    public static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> Keys = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal)
    {
        ["core/db"] = ["user", "password"],
        ["core/api"] = ["key"],
        ["shared/cert"] = ["cert"],
        ["extra/token"] = ["token"],
    };

    /// <summary>An unmanaged Secret holding a target name: the daemon must report a conflict and leave it alone.</summary>
    public static readonly (string Namespace, string Name) Conflict = ("chaos-0", "api");

    /// <summary>An unmanaged Secret in every namespace that no bundle names.</summary>
    public const string Bystander = "app-settings";

    private readonly Lock _gate = new();
    private readonly List<(DateTimeOffset At, WorldState State)> _timeline = [];
    private readonly Dictionary<string, List<(int Version, IReadOnlyDictionary<string, string> Data)>> _written = new(StringComparer.Ordinal);
    private readonly List<string> _values = [];
    private readonly Random _valueRandom;
    private readonly int _seed;
    private int _counter;

    public ChaosWorld(int seed)
    {
        _seed = seed;
        _valueRandom = new Random(seed ^ 0x5EED);
    }

    /// <summary>The prefix of every value written under <paramref name="seed"/>: distinctive enough that any occurrence is a leak.</summary>
    public static string ValueMarker(int seed) => string.Create(CultureInfo.InvariantCulture, $"chaosv{seed:x}q");

    /// <summary>The source a target is mapped from (every target name belongs to one mapping).</summary>
    public static string? SourceOf(string target) =>
        Bundles.Values.SelectMany(m => m).Where(m => m.Target == target).Select(m => m.Source).FirstOrDefault();

    public static bool IsConflict(string ns, string target) => (ns, target) == Conflict;

    /// <summary>The state in force now.</summary>
    public WorldState Current
    {
        get
        {
            lock (_gate)
            {
                return _timeline[^1].State;
            }
        }
    }

    /// <summary>Every value written so far (a copy).</summary>
    public IReadOnlyList<string> Values
    {
        get
        {
            lock (_gate)
            {
                return [.. _values];
            }
        }
    }

    /// <summary>The state in force at <paramref name="at"/>.</summary>
    public WorldState At(DateTimeOffset at)
    {
        lock (_gate)
        {
            return AtLocked(at);
        }
    }

    /// <summary>True when the target was not desired at some moment in [<paramref name="from"/>, <paramref name="to"/>].</summary>
    public bool UndesiredSometimeIn(string ns, string target, DateTimeOffset from, DateTimeOffset to)
    {
        lock (_gate)
        {
            return !AtLocked(from).Desires(ns, target)
                || _timeline.Any(t => t.At > from && t.At <= to && !t.State.Desires(ns, target));
        }
    }

    /// <summary>True when the data is exactly what the schedule wrote as <paramref name="version"/> of <paramref name="source"/> (any incarnation of the path).</summary>
    public bool WroteAs(string source, string? version, IReadOnlyDictionary<string, string> data)
    {
        lock (_gate)
        {
            return _written.TryGetValue(source, out var versions)
                && versions.Any(v => v.Version.ToString(CultureInfo.InvariantCulture) == version && Same(v.Data, data));
        }
    }

    /// <summary>The values of the current version of a source.</summary>
    public IReadOnlyDictionary<string, string> Latest(string source)
    {
        lock (_gate)
        {
            return _written[source][^1].Data;
        }
    }

    /// <summary>Records the initial state; called once before anything else.</summary>
    public void Begin(DateTimeOffset at, WorldState state)
    {
        lock (_gate)
        {
            _timeline.Add((at, state));
        }
    }

    /// <summary>Applies a change: <paramref name="mutate"/> performs it on the emulators and returns the new state, recorded at the time it started.</summary>
    /// <remarks>Serialized, so the timeline has the order in which the emulators saw the changes.</remarks>
    public T Change<T>(TimeProvider time, Func<WorldState, (WorldState Next, T Result)> mutate)
    {
        lock (_gate)
        {
            var at = time.GetUtcNow();
            var (next, result) = mutate(_timeline[^1].State);
            _timeline.Add((at, next));
            return result;
        }
    }

    /// <summary>Writes a new version of a source with fresh values and returns the new state.</summary>
    public WorldState Rotate(TestCluster cluster, WorldState state, string source)
    {
        lock (_gate)
        {
            var data = Keys[source].ToDictionary(k => k, _ => NextValue(), StringComparer.Ordinal);
            var version = cluster.Vault.WriteSecret(SyncScenario.Mount, source, data.ToDictionary(p => p.Key, p => (object?)p.Value));
            if (!_written.TryGetValue(source, out var versions))
            {
                _written[source] = versions = [];
            }

            versions.Add((version, data));
            return state with { Sources = state.Sources.SetItem(source, version) };
        }
    }

    private WorldState AtLocked(DateTimeOffset at)
    {
        var found = _timeline[0].State;
        foreach (var (time, state) in _timeline)
        {
            if (time > at)
            {
                break;
            }

            found = state;
        }

        return found;
    }

    private string NextValue()
    {
        var value = string.Create(CultureInfo.InvariantCulture, $"{ValueMarker(_seed)}{++_counter:x4}{_valueRandom.NextInt64(0x10_0000_0000, 0xFF_FFFF_FFFF):x}");
        _values.Add(value);
        return value;
    }

    private static bool Same(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var v) && v == p.Value);
}
