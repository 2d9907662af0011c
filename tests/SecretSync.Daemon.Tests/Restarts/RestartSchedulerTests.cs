using SecretSync.Core.Configuration;
using SecretSync.Daemon.Restarts;
using SecretSync.Testing;

namespace SecretSync.Daemon.Tests.Restarts;

public sealed class RestartSchedulerTests
{
    private static readonly RestartSettings Settings = new()
    {
        Debounce = TimeSpan.FromSeconds(30),
        MaxConcurrentPerNamespace = 2,
        MaxConcurrentPerCluster = 3,
        RolloutTimeout = TimeSpan.FromMinutes(10),
    };

    private readonly ManualTimeProvider _time = new();
    private readonly Dictionary<WorkloadKey, WorkloadInfo> _workloads = [];

    [Fact]
    public void ManyRotationsInsideTheWindow_ReleaseOneRestart_WithEveryCause()
    {
        var scheduler = new RestartScheduler(_time);
        var web = Workload("app", "web");
        for (var i = 0; i < 10; i++)
        {
            scheduler.Add(web.Key, Cause($"s{i}", "2", "1"), Settings.Debounce);
            _time.Advance(TimeSpan.FromSeconds(2));
            Assert.Empty(Take(scheduler));
        }

        _time.Advance(TimeSpan.FromSeconds(10));
        var plan = Assert.Single(Take(scheduler));

        Assert.Equal(web.Key, plan.Key);
        Assert.Equal(10, plan.Causes.Count);
        Assert.Empty(Take(scheduler));
        Assert.Equal(0, scheduler.PendingCount);
    }

    [Fact]
    public void RotationsOfOneSecret_FoldIntoOneCause_FromTheFirstPreviousToTheLastVersion()
    {
        var scheduler = new RestartScheduler(_time);
        var web = Workload("app", "web");
        scheduler.Add(web.Key, Cause("db", "2", "1", "password"), Settings.Debounce);
        scheduler.Add(web.Key, Cause("db", "3", "2", "user"), Settings.Debounce);
        _time.Advance(Settings.Debounce);

        var cause = Assert.Single(Assert.Single(Take(scheduler)).Causes);
        Assert.Equal(("3", "1"), (cause.Version, cause.PreviousVersion));
        Assert.Equal(["password", "user"], cause.Keys);
    }

    [Fact]
    public void NextWake_IsTheEarliestWindowClose()
    {
        var scheduler = new RestartScheduler(_time);
        Assert.Null(scheduler.NextWake(Settings));
        var start = _time.GetUtcNow();
        scheduler.Add(Workload("app", "web").Key, Cause("db"), Settings.Debounce);
        _time.Advance(TimeSpan.FromSeconds(5));
        scheduler.Add(Workload("app", "api").Key, Cause("db"), Settings.Debounce);

        Assert.Equal(start + Settings.Debounce, scheduler.NextWake(Settings));
    }

    [Fact]
    public void Caps_HoldPerNamespaceAndPerCluster_UntilRolloutsFinish()
    {
        var scheduler = new RestartScheduler(_time);
        var keys = new List<WorkloadKey>();
        foreach (var ns in new[] { "a", "b" })
        {
            for (var i = 0; i < 3; i++)
            {
                var key = Workload(ns, $"w{i}").Key;
                keys.Add(key);
                scheduler.Add(key, Cause("db"), Settings.Debounce);
            }
        }

        _time.Advance(Settings.Debounce);
        var first = Take(scheduler);
        Assert.Equal(["a/deployment/w0", "a/deployment/w1", "b/deployment/w0"], first.Select(p => p.Key.ToString()));
        Assert.Equal(3, scheduler.RestartingCount);
        Assert.Empty(Take(scheduler));

        // Our patches produced generation 2; the rollouts have not finished.
        foreach (var plan in first)
        {
            scheduler.Restarted(plan.Key, 2);
            _workloads[plan.Key] = _workloads[plan.Key] with { Generation = 2, RolloutFinished = false };
        }

        Assert.Empty(Take(scheduler));

        var done = first[0].Key;
        _workloads[done] = _workloads[done] with { RolloutFinished = true };
        var second = Assert.Single(Take(scheduler));
        Assert.Equal(new WorkloadKey(WorkloadKind.Deployment, "a", "w0"), done);
        Assert.Equal(new WorkloadKey(WorkloadKind.Deployment, "a", "w2"), second.Key);
        Assert.Equal(3, scheduler.RestartingCount);
    }

    [Fact]
    public void AWorkloadWhoseRolloutHasNotFinished_WaitsAndThenRestarts()
    {
        var scheduler = new RestartScheduler(_time);
        var web = Workload("app", "web");
        _workloads[web.Key] = web with { RolloutFinished = false };
        scheduler.Add(web.Key, Cause("db"), Settings.Debounce);
        _time.Advance(TimeSpan.FromHours(1));

        Assert.Empty(Take(scheduler));
        Assert.Equal(1, scheduler.PendingCount);

        _workloads[web.Key] = web;
        Assert.Single(Take(scheduler));
    }

    [Fact]
    public void ARotationDuringOurOwnRollout_RestartsAgainOnlyAfterItFinishes()
    {
        var scheduler = new RestartScheduler(_time);
        var web = Workload("app", "web");
        scheduler.Add(web.Key, Cause("db", "2"), Settings.Debounce);
        _time.Advance(Settings.Debounce);
        scheduler.Restarted(Assert.Single(Take(scheduler)).Key, 2);

        // The cache still shows the old generation as finished: our own rollout has not been seen yet.
        scheduler.Add(web.Key, Cause("db", "3"), Settings.Debounce);
        _time.Advance(Settings.Debounce);
        Assert.Empty(Take(scheduler));

        _workloads[web.Key] = web with { Generation = 2, RolloutFinished = true };
        Assert.Equal("3", Assert.Single(Assert.Single(Take(scheduler)).Causes).Version);
    }

    [Fact]
    public void AStuckRollout_FreesItsSlotAfterTheRolloutTimeout()
    {
        var scheduler = new RestartScheduler(_time);
        var settings = Settings with { MaxConcurrentPerCluster = 1, MaxConcurrentPerNamespace = 1 };
        var stuck = Workload("app", "stuck");
        var next = Workload("app", "next");
        scheduler.Add(stuck.Key, Cause("db"), settings.Debounce);
        scheduler.Add(next.Key, Cause("db"), settings.Debounce);
        _time.Advance(settings.Debounce);
        var plan = Assert.Single(scheduler.TakeReady(settings, Lookup, (_, _) => true));
        scheduler.Restarted(plan.Key, 2);
        _workloads[plan.Key] = _workloads[plan.Key] with { Generation = 2, RolloutFinished = false };

        _time.Advance(settings.RolloutTimeout - TimeSpan.FromSeconds(1));
        Assert.Empty(scheduler.TakeReady(settings, Lookup, (_, _) => true));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Single(scheduler.TakeReady(settings, Lookup, (_, _) => true));
    }

    [Fact]
    public void ARestartNoLongerOwed_OrOfAVanishedWorkload_IsDropped()
    {
        var scheduler = new RestartScheduler(_time);
        var current = Workload("app", "current");
        var gone = Workload("app", "gone");
        _workloads.Remove(gone.Key);
        scheduler.Add(current.Key, Cause("db"), Settings.Debounce);
        scheduler.Add(gone.Key, Cause("db"), Settings.Debounce);
        _time.Advance(Settings.Debounce);

        Assert.Empty(scheduler.TakeReady(Settings, Lookup, (_, _) => false));
        Assert.Equal(0, scheduler.PendingCount);
        Assert.Equal(0, scheduler.RestartingCount);
    }

    [Fact]
    public void Retry_FreesTheSlot_AndComesBackAfterTheDelay_MergedWithLaterCauses()
    {
        var scheduler = new RestartScheduler(_time);
        var web = Workload("app", "web");
        scheduler.Add(web.Key, Cause("db", "2", "1"), Settings.Debounce);
        _time.Advance(Settings.Debounce);
        var plan = Assert.Single(Take(scheduler));
        scheduler.Add(web.Key, Cause("db", "3", "2"), Settings.Debounce);

        scheduler.Retry(plan, TimeSpan.FromSeconds(4), failed: true);
        Assert.Equal(0, scheduler.RestartingCount);
        _time.Advance(Settings.Debounce);

        var again = Assert.Single(Take(scheduler));
        Assert.Equal(("3", "1"), (again.Causes[0].Version, again.Causes[0].PreviousVersion));
    }

    private IReadOnlyList<RestartPlan> Take(RestartScheduler scheduler) => scheduler.TakeReady(Settings, Lookup, (_, _) => true);

    private WorkloadInfo? Lookup(WorkloadKey key) => _workloads.GetValueOrDefault(key);

    private WorkloadInfo Workload(string ns, string name)
    {
        var info = new WorkloadInfo(new WorkloadKey(WorkloadKind.Deployment, ns, name), 1, "1",
            new Dictionary<string, SecretUse> { ["db"] = SecretUse.Everything }, new Dictionary<string, string>(), RolloutFinished: true);
        _workloads[info.Key] = info;
        return info;
    }

    private static RestartCause Cause(string secret, string version = "2", string? previous = "1", string key = "password") =>
        new(secret, "vault-main", $"app/{secret}", version, previous, [key], "poll");
}
