using SecretSync.Core.Resilience;
using SecretSync.Testing;

namespace SecretSync.Core.Tests.Resilience;

public sealed class BackoffTests
{
    private static readonly Backoff Exact = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(5, 16)]
    [InlineData(6, 30)]
    [InlineData(1000, 30)]
    public void DelayFor_DoublesFromInitialUpToMaximum(int attempt, double seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), Exact.DelayFor(attempt));

    [Fact]
    public void DelayFor_WithJitter_StaysBetweenTheJitteredShareAndTheStep()
    {
        var backoff = new Backoff(TimeSpan.FromMilliseconds(800), TimeSpan.FromSeconds(30), jitter: 0.5, new Random(7));

        var waits = Enumerable.Range(0, 200).Select(_ => backoff.DelayFor(3)).ToList();

        Assert.All(waits, w => Assert.InRange(w, TimeSpan.FromMilliseconds(1600), TimeSpan.FromMilliseconds(3200)));
        Assert.True(waits.Distinct().Count() > 100, "jittered waits differ, so daemons that failed together do not retry in step");
    }

    [Fact]
    public void DelayFor_WithJitter_NeverExceedsTheMaximum()
    {
        var backoff = new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), jitter: 1, new Random(3));

        Assert.All(Enumerable.Range(1, 100), attempt => Assert.InRange(backoff.DelayFor(attempt), TimeSpan.Zero, TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public void DelayFor_WithSameSeed_IsRepeatable() =>
        Assert.Equal(
            new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), 0.2, new Random(11)).DelayFor(4),
            new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), 0.2, new Random(11)).DelayFor(4));

    [Theory]
    [InlineData(-1, 1, 0)]
    [InlineData(2, 1, 0)]
    [InlineData(1, 2, 1.5)]
    [InlineData(1, 2, double.NaN)]
    public void Constructor_RejectsNonsense(double initial, double maximum, double jitter) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new Backoff(TimeSpan.FromSeconds(initial), TimeSpan.FromSeconds(maximum), jitter));

    [Fact]
    public async Task Pipeline_RetriesWithTheBackoffOnTheInjectedClock()
    {
        var clock = new ManualTimeProvider();
        var waits = new List<TimeSpan>();
        var pipeline = Exact.BuildPipeline(clock, e => e is TimeoutException, (_, _, wait) => waits.Add(wait));
        var attempts = 0;

        var call = pipeline.ExecuteAsync(_ => ++attempts < 4 ? throw new TimeoutException() : ValueTask.FromResult(attempts)).AsTask();
        await AdvanceWhilePendingAsync(clock, call);

        Assert.Equal(4, await call);
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4)], waits);
    }

    [Fact]
    public async Task Pipeline_HonoursTheWaitTheFailureAsksFor()
    {
        var clock = new ManualTimeProvider();
        var waits = new List<TimeSpan>();
        var pipeline = Exact.BuildPipeline(
            clock, _ => true, (_, _, wait) => waits.Add(wait), requestedWait: e => e is TimeoutException ? TimeSpan.FromSeconds(7) : null);
        var attempts = 0;

        var call = pipeline.ExecuteAsync(_ => ++attempts switch
        {
            1 => throw new TimeoutException(),
            2 => throw new InvalidOperationException(),
            _ => ValueTask.CompletedTask,
        }).AsTask();
        await AdvanceWhilePendingAsync(clock, call);

        await call;
        Assert.Equal([TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(2)], waits);
    }

    [Fact]
    public async Task Pipeline_ThrowsTheLastFailureOnceTheRetriesAreSpent()
    {
        var clock = new ManualTimeProvider();
        var attempts = 0;
        var pipeline = Exact.BuildPipeline(clock, _ => true, maxRetries: 2);

        var call = pipeline.ExecuteAsync(_ => throw new TimeoutException($"attempt {++attempts}")).AsTask();
        await AdvanceWhilePendingAsync(clock, call);

        Assert.Equal("attempt 3", (await Assert.ThrowsAsync<TimeoutException>(() => call)).Message);
    }

    [Fact]
    public async Task Pipeline_DoesNotRetryWhatItIsNotToldTo()
    {
        var attempts = 0;
        var pipeline = Exact.BuildPipeline(new ManualTimeProvider(), e => e is TimeoutException);

        await Assert.ThrowsAsync<InvalidOperationException>(() => pipeline.ExecuteAsync(_ => { attempts++; throw new InvalidOperationException(); }).AsTask());

        Assert.Equal(1, attempts);
    }

    /// <summary>Moves the clock by each wait as soon as the pipeline starts it, until the call ends.</summary>
    private static async Task AdvanceWhilePendingAsync(ManualTimeProvider clock, Task call)
    {
        var seen = 0;
        while (!call.IsCompleted)
        {
            await Eventually.TrueAsync(() => clock.TimersCreated > seen || call.IsCompleted, "the pipeline waits or ends");
            seen = clock.TimersCreated;
            clock.Advance(TimeSpan.FromMinutes(1));
        }
    }
}
