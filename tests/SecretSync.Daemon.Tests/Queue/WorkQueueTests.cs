using System.Collections.Concurrent;
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
        var queue = new WorkQueue<string>(1, clock, new BackoffPolicy(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8), Jitter: 0));
        var attempts = 0;
        using var cts = new CancellationTokenSource();
        var run = queue.RunAsync((_, _, _) =>
        {
            Interlocked.Increment(ref attempts);
            return Task.FromResult(WorkResult.Retry());
        }, cts.Token);

        queue.Enqueue("k", "poll");
        await WaitUntilAsync(() => Volatile.Read(ref attempts) == 1 && queue.InFlight == 0);

        clock.Advance(TimeSpan.FromMilliseconds(999));
        await Task.Delay(50);
        Assert.Equal(1, Volatile.Read(ref attempts));

        clock.Advance(TimeSpan.FromMilliseconds(1));
        await WaitUntilAsync(() => Volatile.Read(ref attempts) == 2 && queue.InFlight == 0);

        // Second failure waits 2 s, not 1 s.
        clock.Advance(TimeSpan.FromSeconds(1));
        await Task.Delay(50);
        Assert.Equal(2, Volatile.Read(ref attempts));
        clock.Advance(TimeSpan.FromSeconds(1));
        await WaitUntilAsync(() => Volatile.Read(ref attempts) == 3);

        await cts.CancelAsync();
        await run;
    }

    [Fact]
    public async Task RetryAfter_LongerThanBackoff_IsHonoured()
    {
        var clock = new ManualTimeProvider();
        var queue = new WorkQueue<string>(1, clock, new BackoffPolicy(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), Jitter: 0));
        var attempts = 0;
        using var cts = new CancellationTokenSource();
        var run = queue.RunAsync((_, _, _) =>
        {
            var n = Interlocked.Increment(ref attempts);
            return Task.FromResult(n == 1 ? WorkResult.Retry(TimeSpan.FromSeconds(30)) : WorkResult.Done);
        }, cts.Token);

        queue.Enqueue("k", "poll");
        await WaitUntilAsync(() => Volatile.Read(ref attempts) == 1 && queue.InFlight == 0);
        clock.Advance(TimeSpan.FromSeconds(29));
        await Task.Delay(50);
        Assert.Equal(1, Volatile.Read(ref attempts));

        clock.Advance(TimeSpan.FromSeconds(1));
        await WaitUntilAsync(() => Volatile.Read(ref attempts) == 2);
        await cts.CancelAsync();
        await run;
    }

    [Fact]
    public async Task FailingKey_QueuedAgainDuringItsHoldOff_RunsOnlyWhenTheHoldOffEnds()
    {
        var clock = new ManualTimeProvider();
        var queue = new WorkQueue<string>(1, clock, new BackoffPolicy(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), Jitter: 0));
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
        clock.Advance(TimeSpan.FromSeconds(9));
        await Task.Delay(50);
        Assert.Equal(1, Volatile.Read(ref attempts));

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
        using var cts = new CancellationTokenSource();
        var run = queue.RunAsync((_, _, _) =>
        {
            Interlocked.Increment(ref attempts);
            return Task.FromResult(WorkResult.HoldOff(TimeSpan.FromSeconds(5)));
        }, cts.Token);

        queue.Enqueue("poll", "poll");
        await WaitUntilAsync(() => Volatile.Read(ref attempts) == 1 && queue.InFlight == 0);
        clock.Advance(TimeSpan.FromSeconds(30));
        await Task.Delay(50);
        Assert.Equal(1, Volatile.Read(ref attempts));

        queue.Enqueue("poll", "poll");
        await WaitUntilAsync(() => Volatile.Read(ref attempts) == 2 && queue.InFlight == 0);
        queue.Enqueue("poll", "poll");
        clock.Advance(TimeSpan.FromSeconds(4));
        await Task.Delay(50);
        Assert.Equal(2, Volatile.Read(ref attempts));
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
        using var cts = new CancellationTokenSource();
        var run = queue.RunAsync(async (_, _, _) =>
        {
            var now = Interlocked.Increment(ref inside);
            InterlockedMax(ref maxInside, now);
            await Task.Delay(5);
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
    public void Backoff_GrowsExponentiallyAndIsCapped()
    {
        var policy = new BackoffPolicy(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), Jitter: 0);

        Assert.Equal([1, 2, 4, 8, 10, 10], Enumerable.Range(1, 6).Select(n => policy.DelayFor(n, Random.Shared).TotalSeconds));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    private static Task WaitUntilAsync(Func<bool> condition) => Eventually.TrueAsync(condition, within: Patience);
}
