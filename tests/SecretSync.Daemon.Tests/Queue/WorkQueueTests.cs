using System.Collections.Concurrent;
using SecretSync.Core.Resilience;
using SecretSync.Daemon.Queue;
using SecretSync.Testing;

namespace SecretSync.Daemon.Tests.Queue;

public sealed class WorkQueueTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Enqueue_SameKeyManyTimesBeforeItRuns_ProcessesItOnce()
    {
        var queue = new WorkQueue<string>(1, TimeProvider.System);
        for (var i = 0; i < 50; i++)
        {
            queue.Enqueue("payments/db", "poll");
        }

        var seen = new ConcurrentBag<(string Key, string Trigger)>();
        using var cts = new CancellationTokenSource();
        var run = queue.RunAsync((key, trigger, _) => { seen.Add((key, trigger)); return Task.FromResult(WorkResult.Done); }, cts.Token);
        await WaitUntilAsync(() => queue.Depth == 0 && queue.InFlight == 0 && !seen.IsEmpty);
        await cts.CancelAsync();
        await run;

        Assert.Equal([("payments/db", "poll")], seen);
    }

    [Fact]
    public async Task Enqueue_WhileKeyIsProcessing_RunsItOnceMoreAfterwards_NeverConcurrently()
    {
        var queue = new WorkQueue<string>(4, TimeProvider.System);
        var inside = 0;
        var maxInside = 0;
        var runs = 0;
        var release = new TaskCompletionSource();
        using var cts = new CancellationTokenSource();
        var run = queue.RunAsync(async (_, _, _) =>
        {
            var now = Interlocked.Increment(ref inside);
            maxInside = Math.Max(maxInside, now);
            if (Interlocked.Increment(ref runs) == 1)
            {
                await release.Task;
            }

            Interlocked.Decrement(ref inside);
            return WorkResult.Done;
        }, cts.Token);

        queue.Enqueue("k", "poll");
        await WaitUntilAsync(() => queue.InFlight == 1);
        queue.Enqueue("k", "event");
        queue.Enqueue("k", "event");
        release.SetResult();
        await WaitUntilAsync(() => Volatile.Read(ref runs) == 2 && queue.InFlight == 0);
        await cts.CancelAsync();
        await run;

        Assert.Equal(2, runs);
        Assert.Equal(1, maxInside);
    }

    [Fact]
    public async Task FailingKey_IsRetriedWithGrowingBackoff_OnTheInjectedClock()
    {
        var clock = new ManualTimeProvider();
        var queue = new WorkQueue<string>(1, clock, new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8)));
        var attempts = 0;
        using var cts = new CancellationTokenSource();
        var run = queue.RunAsync((_, _, _) =>
        {
            Interlocked.Increment(ref attempts);
            return Task.FromResult(WorkResult.Retry());
        }, cts.Token);

        queue.Enqueue("k", "poll");
        await WaitUntilAsync(() => Volatile.Read(ref attempts) == 1 && queue.InFlight == 0);
        await HeldOffAsync(clock);

        clock.Advance(TimeSpan.FromMilliseconds(999));
        AssertStillHeldOff(clock, Volatile.Read(ref attempts), 1);

        clock.Advance(TimeSpan.FromMilliseconds(1));
        await WaitUntilAsync(() => Volatile.Read(ref attempts) == 2 && queue.InFlight == 0);
        await HeldOffAsync(clock);

        // Second failure waits 2 s, not 1 s.
        clock.Advance(TimeSpan.FromSeconds(1));
        AssertStillHeldOff(clock, Volatile.Read(ref attempts), 2);
        clock.Advance(TimeSpan.FromSeconds(1));
        await WaitUntilAsync(() => Volatile.Read(ref attempts) == 3);

        await cts.CancelAsync();
        await run;
    }

    [Fact]
    public async Task RetryAfter_LongerThanBackoff_IsHonoured()
    {
        var clock = new ManualTimeProvider();
        var queue = new WorkQueue<string>(1, clock, new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1)));
        var attempts = 0;
        using var cts = new CancellationTokenSource();
        var run = queue.RunAsync((_, _, _) =>
        {
            var n = Interlocked.Increment(ref attempts);
            return Task.FromResult(n == 1 ? WorkResult.Retry(TimeSpan.FromSeconds(30)) : WorkResult.Done);
        }, cts.Token);

        queue.Enqueue("k", "poll");
        await WaitUntilAsync(() => Volatile.Read(ref attempts) == 1 && queue.InFlight == 0);
        // The queue arms its hold-off just after the handler returns; advancing earlier would start the 30 s late.
        await HeldOffAsync(clock);
        clock.Advance(TimeSpan.FromSeconds(29));
        AssertStillHeldOff(clock, Volatile.Read(ref attempts), 1);

        clock.Advance(TimeSpan.FromSeconds(1));
        await WaitUntilAsync(() => Volatile.Read(ref attempts) == 2);
        await cts.CancelAsync();
        await run;
    }

    [Fact]
    public async Task FailingKey_QueuedAgainDuringItsHoldOff_RunsOnlyWhenTheHoldOffEnds()
    {
        var clock = new ManualTimeProvider();
        var queue = new WorkQueue<string>(1, clock, new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1)));
        var attempts = 0;
        using var cts = new CancellationTokenSource();
        var run = queue.RunAsync((_, _, _) =>
        {
            var n = Interlocked.Increment(ref attempts);
            return Task.FromResult(n == 1 ? WorkResult.Retry(TimeSpan.FromSeconds(10)) : WorkResult.Done);
        }, cts.Token);

        queue.Enqueue("k", "poll");
        await WaitUntilAsync(() => Volatile.Read(ref attempts) == 1 && queue.InFlight == 0);
        queue.Enqueue("k", "event");
        queue.Enqueue("k", "poll");
        await HeldOffAsync(clock);
        clock.Advance(TimeSpan.FromSeconds(9));
        AssertStillHeldOff(clock, Volatile.Read(ref attempts), 1);

        clock.Advance(TimeSpan.FromSeconds(1));
        await WaitUntilAsync(() => Volatile.Read(ref attempts) == 2 && queue.InFlight == 0);
        queue.Enqueue("k", "event");
        await WaitUntilAsync(() => Volatile.Read(ref attempts) == 3);

        await cts.CancelAsync();
        await run;
    }

    [Fact]
    public async Task RecheckIn_RunsTheKeyAgainAfterTheWait_AndAnEnqueueMeanwhileIsNotHeldBack()
    {
        var clock = new ManualTimeProvider();
        var queue = new WorkQueue<string>(1, clock);
        var attempts = 0;
        using var cts = new CancellationTokenSource();
        var run = queue.RunAsync((_, _, _) =>
        {
            Interlocked.Increment(ref attempts);
            return Task.FromResult(WorkResult.RecheckIn(TimeSpan.FromSeconds(3)));
        }, cts.Token);

        queue.Enqueue("prune", "poll");
        await WaitUntilAsync(() => Volatile.Read(ref attempts) == 1 && queue.InFlight == 0);
        clock.Advance(TimeSpan.FromSeconds(3));
        await WaitUntilAsync(() => Volatile.Read(ref attempts) == 2 && queue.InFlight == 0);

        queue.Enqueue("prune", "config");
        await WaitUntilAsync(() => Volatile.Read(ref attempts) == 3);

        await cts.CancelAsync();
        await run;
    }

    [Fact]
    public async Task HoldOff_DelaysTheNextRunWithoutRetryingOnItsOwn()
    {
        var clock = new ManualTimeProvider();
        var queue = new WorkQueue<string>(1, clock);
        var attempts = 0;
        var markers = 0;
        using var cts = new CancellationTokenSource();
        var run = queue.RunAsync((key, _, _) =>
        {
            if (key == "marker")
            {
                Interlocked.Increment(ref markers);
                return Task.FromResult(WorkResult.Done);
            }

            Interlocked.Increment(ref attempts);
            return Task.FromResult(WorkResult.HoldOff(TimeSpan.FromSeconds(5)));
        }, cts.Token);

        queue.Enqueue("poll", "poll");
        queue.Enqueue("marker", "poll");
        // One worker takes keys in order: once the marker ran, the held-off key was fully settled, and it armed no timer.
        await WaitUntilAsync(() => Volatile.Read(ref markers) == 1);
        Assert.Equal(0, clock.PendingTimers);
        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(1, Volatile.Read(ref attempts));

        queue.Enqueue("poll", "poll");
        await WaitUntilAsync(() => Volatile.Read(ref attempts) == 2 && queue.InFlight == 0);
        queue.Enqueue("poll", "poll");
        await HeldOffAsync(clock);
        clock.Advance(TimeSpan.FromSeconds(4));
        AssertStillHeldOff(clock, Volatile.Read(ref attempts), 2);
        clock.Advance(TimeSpan.FromSeconds(1));
        await WaitUntilAsync(() => Volatile.Read(ref attempts) == 3);

        await cts.CancelAsync();
        await run;
    }

    [Fact]
    public async Task Concurrency_IsBoundedAcrossKeys()
    {
        var queue = new WorkQueue<int>(3, TimeProvider.System);
        var inside = 0;
        var maxInside = 0;
        var done = 0;
        var allBusy = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var cts = new CancellationTokenSource();
        var run = queue.RunAsync(async (_, _, _) =>
        {
            var now = Interlocked.Increment(ref inside);
            InterlockedMax(ref maxInside, now);
            // The first keys hold their workers until every worker is busy, so the bound is reached, not just hoped for.
            if (now == 3)
            {
                allBusy.TrySetResult();
            }

            await allBusy.Task;
            Interlocked.Decrement(ref inside);
            Interlocked.Increment(ref done);
            return WorkResult.Done;
        }, cts.Token);

        for (var i = 0; i < 60; i++)
        {
            queue.Enqueue(i, "startup");
        }

        await WaitUntilAsync(() => Volatile.Read(ref done) == 60);
        await cts.CancelAsync();
        await run;

        Assert.Equal(3, maxInside);
    }

    [Fact]
    public void DefaultBackoff_WaitsOneSecondDoublingToAMinute()
    {
        var exact = new Backoff(WorkQueue<string>.DefaultBackoff.Initial, WorkQueue<string>.DefaultBackoff.Maximum);

        Assert.Equal([1, 2, 4, 8, 16, 32, 60, 60], Enumerable.Range(1, 8).Select(n => exact.DelayFor(n).TotalSeconds));
        Assert.Equal(0.2, WorkQueue<string>.DefaultBackoff.Jitter);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    private static Task WaitUntilAsync(Func<bool> condition) => Eventually.TrueAsync(condition, within: Patience);

    /// <summary>Waits until the queue holds the key off on the clock: its delayed re-add is armed.</summary>
    private static Task HeldOffAsync(ManualTimeProvider clock) => WaitUntilAsync(() => clock.PendingTimers == 1);

    /// <summary>The hold-off has not fired, so the key cannot have run again: no wait is needed to see that nothing happened.</summary>
    private static void AssertStillHeldOff(ManualTimeProvider clock, int attempts, int expected)
    {
        Assert.Equal(1, clock.PendingTimers);
        Assert.Equal(expected, attempts);
    }
}
