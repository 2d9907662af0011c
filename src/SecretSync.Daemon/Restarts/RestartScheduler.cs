using SecretSync.Core.Configuration;

namespace SecretSync.Daemon.Restarts;

/// <summary>Why a workload is to restart: one Secret it uses changed.</summary>
/// <param name="Secret">The Secret's name (in the workload's namespace).</param>
/// <param name="Provider">The provider of its source; null for a restart found owed at start-up.</param>
/// <param name="Source">The source path; null for a restart found owed at start-up.</param>
/// <param name="Version">The source version written; null for a restart found owed at start-up.</param>
/// <param name="PreviousVersion">The version before the first rotation gathered.</param>
/// <param name="Keys">The changed keys the workload uses.</param>
/// <param name="Trigger">The audit trigger of the first rotation gathered.</param>
internal sealed record RestartCause(string Secret, string? Provider, string? Source, string? Version, string? PreviousVersion, IReadOnlyList<string> Keys, string Trigger)
{
    /// <summary>Folds a later rotation of the same Secret into this one: latest version, first previous version, every key.</summary>
    public RestartCause Then(RestartCause later) => this with
    {
        Provider = later.Provider ?? Provider,
        Source = later.Source ?? Source,
        Version = later.Version ?? Version,
        PreviousVersion = PreviousVersion ?? later.PreviousVersion,
        Keys = [.. Keys.Union(later.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal)],
    };
}

/// <summary>A restart the scheduler released for execution; its slot under the caps is held until reported back.</summary>
internal sealed record RestartPlan(WorkloadKey Key, IReadOnlyList<RestartCause> Causes, int Failures);

/// <summary>Storm control for restarts: debounce, per-namespace and per-cluster caps, and no restart over an unfinished rollout.</summary>
/// <remarks>
/// A workload's first cause opens its debounce window; every cause that arrives before the window closes joins it, so
/// the workload restarts once for all of them. A due workload waits while its rollout (ours or anyone's) is unfinished,
/// or while the caps are full; a slot is held from the moment a restart is released until the rollout it started
/// finishes, the workload goes, or <see cref="RestartSettings.RolloutTimeout"/> passes.
/// Not thread-safe: the restarter calls it from one place at a time.
/// </remarks>
internal sealed class RestartScheduler(TimeProvider time)
{
    private readonly Dictionary<WorkloadKey, Pending> _pending = [];
    private readonly Dictionary<WorkloadKey, Slot> _restarting = [];

    /// <summary>Workloads waiting for their window to close, their rollout to finish, or a free slot.</summary>
    public int PendingCount => _pending.Count;

    /// <summary>Workloads released for restart whose rollout has not finished yet.</summary>
    public int RestartingCount => _restarting.Count;

    public bool IsPending(WorkloadKey key) => _pending.ContainsKey(key);

    /// <summary>Adds a cause; opens the workload's window when it has none.</summary>
    /// <param name="key">The workload.</param>
    /// <param name="cause">Why it is to restart.</param>
    /// <param name="debounce">The window's length.</param>
    /// <param name="since">When the cause happened (the window opens then); now when null.</param>
    public void Add(WorkloadKey key, RestartCause cause, TimeSpan debounce, DateTimeOffset? since = null)
    {
        if (!_pending.TryGetValue(key, out var pending))
        {
            _pending[key] = pending = new Pending((since ?? time.GetUtcNow()) + debounce, 0);
        }

        pending.Causes[cause.Secret] = pending.Causes.TryGetValue(cause.Secret, out var known) ? known.Then(cause) : cause;
    }

    /// <summary>Releases every restart that may start now, reserving its slot; drops restarts that are no longer owed.</summary>
    /// <param name="settings">Caps and the rollout timeout.</param>
    /// <param name="lookup">The opted-in workload, or null when it is gone or opted out.</param>
    /// <param name="owed">Whether the workload still runs values older than those of the Secrets named.</param>
    public IReadOnlyList<RestartPlan> TakeReady(RestartSettings settings, Func<WorkloadKey, WorkloadInfo?> lookup, Func<WorkloadInfo, IEnumerable<string>, bool> owed)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var now = time.GetUtcNow();
        foreach (var (key, slot) in _restarting.ToList())
        {
            var workload = lookup(key);
            var finished = workload is null
                || (slot.Generation != Slot.Unknown && workload.Generation >= slot.Generation && workload.RolloutFinished)
                || now - slot.Since >= settings.RolloutTimeout;
            if (finished)
            {
                _restarting.Remove(key);
            }
        }

        var ready = new List<RestartPlan>();
        foreach (var (key, pending) in _pending.Where(p => p.Value.Due <= now).OrderBy(p => p.Value.Due).ThenBy(p => p.Key.ToString(), StringComparer.Ordinal).ToList())
        {
            if (lookup(key) is not { } workload || !owed(workload, pending.Causes.Keys))
            {
                _pending.Remove(key);
                continue;
            }

            if (_restarting.ContainsKey(key) || !workload.RolloutFinished)
            {
                continue;
            }

            if (_restarting.Count >= settings.MaxConcurrentPerCluster)
            {
                break;
            }

            if (_restarting.Keys.Count(k => k.Namespace == key.Namespace) >= settings.MaxConcurrentPerNamespace)
            {
                continue;
            }

            _pending.Remove(key);
            _restarting[key] = new Slot(Slot.Unknown, now);
            ready.Add(new RestartPlan(key, [.. pending.Causes.Values.OrderBy(c => c.Secret, StringComparer.Ordinal)], pending.Failures));
        }

        return ready;
    }

    /// <summary>The patch was accepted: the slot is held until the rollout of <paramref name="generation"/> finishes.</summary>
    public void Restarted(WorkloadKey key, long generation)
    {
        if (_restarting.TryGetValue(key, out var slot))
        {
            _restarting[key] = slot with { Generation = generation };
        }
    }

    /// <summary>The restart did not happen (not owed any more, or the workload went): frees its slot.</summary>
    public void Release(WorkloadKey key) => _restarting.Remove(key);

    /// <summary>The restart could not happen now: frees its slot and puts it back, due after <paramref name="delay"/>.</summary>
    public void Retry(RestartPlan plan, TimeSpan delay, bool failed)
    {
        ArgumentNullException.ThrowIfNull(plan);
        _restarting.Remove(plan.Key);
        var pending = _pending.TryGetValue(plan.Key, out var later) ? later : new Pending(time.GetUtcNow() + delay, plan.Failures + (failed ? 1 : 0));
        foreach (var cause in plan.Causes)
        {
            pending.Causes[cause.Secret] = pending.Causes.TryGetValue(cause.Secret, out var known) ? cause.Then(known) : cause;
        }

        _pending[plan.Key] = pending;
    }

    /// <summary>When something may become ready without a workload changing: a window closing or a rollout timing out.</summary>
    public DateTimeOffset? NextWake(RestartSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var now = time.GetUtcNow();
        var windows = _pending.Values.Select(p => p.Due).Where(due => due > now);
        var timeouts = _restarting.Values.Select(s => s.Since + settings.RolloutTimeout);
        return windows.Concat(timeouts).Select(t => (DateTimeOffset?)t).Min();
    }

    /// <summary>Forgets everything (leadership lost, or restarts disabled).</summary>
    public void Clear()
    {
        _pending.Clear();
        _restarting.Clear();
    }

    private sealed class Pending(DateTimeOffset due, int failures)
    {
        public DateTimeOffset Due { get; } = due;

        public int Failures { get; } = failures;

        public Dictionary<string, RestartCause> Causes { get; } = new(StringComparer.Ordinal);
    }

    /// <param name="Generation">The generation our patch produced; <see cref="Unknown"/> until the patch is answered.</param>
    /// <param name="Since">When the slot was taken.</param>
    private sealed record Slot(long Generation, DateTimeOffset Since)
    {
        public const long Unknown = long.MaxValue;
    }
}
