using Polly;
using Polly.Retry;

namespace SecretSync.Core.Resilience;

/// <summary>Exponential back-off: <see cref="Initial"/> before the first retry, doubling per attempt up to <see cref="Maximum"/>, less up to
/// <see cref="Jitter"/> of each step.</summary>
/// <remarks>
/// The one back-off formula of the tree. Loops that retry one operation run through <see cref="BuildPipeline"/> (Polly, on an injected
/// <see cref="TimeProvider"/>); per-key hold-offs (the work queue, workload restarts) and stream reconnects call <see cref="DelayFor"/>.
/// Jitter only ever shortens a step, so <see cref="Maximum"/> is a true ceiling; with a jitter of 0.5 each wait lies between half and all
/// of its step ("equal jitter"), so daemons that failed together do not retry in step.
/// </remarks>
public sealed class Backoff
{
    private readonly Random _random;

    /// <summary>Creates a back-off.</summary>
    /// <param name="initial">The wait before the first retry.</param>
    /// <param name="maximum">The longest wait; doubling stops here.</param>
    /// <param name="jitter">The share of each step, from 0 to 1, that may randomly be taken off it; 0 makes the waits exact.</param>
    /// <param name="random">The source of jitter; <see cref="Random.Shared"/> unless a test injects a seeded one (then used by one caller at a time).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="initial"/> is negative, <paramref name="maximum"/> is below it, or
    /// <paramref name="jitter"/> is outside 0 to 1.</exception>
    public Backoff(TimeSpan initial, TimeSpan maximum, double jitter = 0, Random? random = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(initial, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maximum, initial);
        if (!(jitter is >= 0 and <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(jitter), jitter, "Jitter is a share of the step, from 0 to 1.");
        }

        Initial = initial;
        Maximum = maximum;
        Jitter = jitter;
        _random = random ?? Random.Shared;
    }

    /// <summary>The wait before the first retry.</summary>
    public TimeSpan Initial { get; }

    /// <summary>The longest wait.</summary>
    public TimeSpan Maximum { get; }

    /// <summary>The share of each step that may randomly be taken off it.</summary>
    public double Jitter { get; }

    /// <summary>The wait before retry number <paramref name="attempt"/>: 1 for the first retry, 2 for the second, and so on.</summary>
    /// <param name="attempt">The retry's number, from 1.</param>
    /// <returns><c>min(Maximum, Initial × 2^(attempt − 1))</c>, less a random share of at most <see cref="Jitter"/> of it.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="attempt"/> is below 1.</exception>
    public TimeSpan DelayFor(int attempt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        // Past 2^62 the step is far beyond any maximum; stopping there keeps the arithmetic finite.
        var step = Math.Min(Maximum.TotalMilliseconds, Initial.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 62)));
        var taken = Jitter == 0 ? 0 : Jitter * _random.NextDouble();
        return TimeSpan.FromMilliseconds(step * (1 - taken));
    }

    /// <summary>Polly retry options whose waits follow <see cref="DelayFor"/>, or the wait a failure asks for.</summary>
    /// <param name="shouldRetry">Whether a failure is retried; anything else, and a cancellation, ends the call at once.</param>
    /// <param name="onRetry">Called before each wait with the failure, the retry's number (1 for the first) and the wait.</param>
    /// <param name="maxRetries">Retries after the first attempt; <see cref="int.MaxValue"/> retries until cancelled.</param>
    /// <param name="requestedWait">The wait a failure asks for (a server's <c>Retry-After</c>), which wins over the back-off; null for none.</param>
    /// <returns>Options for <see cref="RetryResiliencePipelineBuilderExtensions.AddRetry(ResiliencePipelineBuilder, RetryStrategyOptions)"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxRetries"/> is below 1.</exception>
    public RetryStrategyOptions ToRetryOptions(
        Func<Exception, bool> shouldRetry, Action<Exception, int, TimeSpan>? onRetry = null, int maxRetries = int.MaxValue,
        Func<Exception, TimeSpan?>? requestedWait = null)
    {
        ArgumentNullException.ThrowIfNull(shouldRetry);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRetries, 1);
        return new RetryStrategyOptions
        {
            MaxRetryAttempts = maxRetries,
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e and not OperationCanceledException && shouldRetry(e)),
            DelayGenerator = args =>
                ValueTask.FromResult<TimeSpan?>(args.Outcome.Exception is { } e && requestedWait?.Invoke(e) is { } asked
                    ? asked
                    : DelayFor(args.AttemptNumber + 1)),
            OnRetry = args =>
            {
                onRetry?.Invoke(args.Outcome.Exception!, args.AttemptNumber + 1, args.RetryDelay);
                return default;
            },
        };
    }

    /// <summary>A pipeline that retries failures <paramref name="shouldRetry"/> accepts, waiting on <paramref name="time"/>.</summary>
    /// <param name="time">The clock the waits run on.</param>
    /// <param name="shouldRetry">Whether a failure is retried.</param>
    /// <param name="onRetry">Called before each wait with the failure, the retry's number (1 for the first) and the wait.</param>
    /// <param name="maxRetries">Retries after the first attempt; 0 gives a pipeline that only runs the call once.</param>
    /// <param name="requestedWait">The wait a failure asks for (a server's <c>Retry-After</c>), which wins over the back-off.</param>
    /// <returns>The pipeline; the last failure is thrown once the retries are spent.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxRetries"/> is negative.</exception>
    public ResiliencePipeline BuildPipeline(
        TimeProvider time, Func<Exception, bool> shouldRetry, Action<Exception, int, TimeSpan>? onRetry = null, int maxRetries = int.MaxValue,
        Func<Exception, TimeSpan?>? requestedWait = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfNegative(maxRetries);
        return maxRetries == 0
            ? ResiliencePipeline.Empty
            : new ResiliencePipelineBuilder { TimeProvider = time }.AddRetry(ToRetryOptions(shouldRetry, onRetry, maxRetries, requestedWait)).Build();
    }
}
