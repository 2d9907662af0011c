using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace SecretSync.Providers.Common;

/// <summary>What differs between adapters in a <see cref="ProviderPipeline"/>: the reply type, what to retry, and how to log it.</summary>
/// <typeparam name="TReply">The adapter's reply, read in full.</typeparam>
public sealed class ProviderPipelineOptions<TReply>
{
    /// <summary>The prefix of the timeout strategies' names, e.g. <c>vault</c> gives <c>vault-total</c> and <c>vault-attempt</c>.</summary>
    public required string Name { get; init; }

    /// <summary>The per-attempt timeout; the whole call, retries included, gets twice as long.</summary>
    public required TimeSpan Timeout { get; init; }

    /// <summary>How many times a call is retried after its first attempt; 0 sends each call once.</summary>
    /// <value>Default <see cref="ProviderPipeline.DefaultMaxRetries"/>.</value>
    public int MaxRetries { get; init; } = ProviderPipeline.DefaultMaxRetries;

    /// <summary>The clock for timeouts, back-off and the circuit breaker.</summary>
    public required TimeProvider Time { get; init; }

    /// <summary>Whether an attempt's outcome is retried.</summary>
    public required Func<Outcome<TReply>, bool> ShouldRetry { get; init; }

    /// <summary>The wait an outcome asks for (a honoured <c>Retry-After</c>), or <see langword="null"/> for the jittered back-off.</summary>
    public required Func<Outcome<TReply>, TimeSpan?> RetryAfter { get; init; }

    /// <summary>Called before each retry with the outcome, the retry's number (1 for the first) and the wait.</summary>
    public required Action<Outcome<TReply>, int, TimeSpan> OnRetry { get; init; }

    /// <summary>Whether an outcome counts as an outage for the circuit breaker; <see langword="null"/> adds no breaker.</summary>
    public Func<Outcome<TReply>, bool>? IsOutage { get; init; }
}

/// <summary>The resilience pipeline every HTTP adapter sends through.</summary>
/// <remarks>
/// Total timeout (2x the per-request timeout) → retry (<see cref="ProviderPipelineOptions{TReply}.MaxRetries"/> retries, jittered exponential back-off
/// from 200 ms to 2 s, or the wait the outcome asks for) → circuit breaker (optional: opens for 5 s when half of at least
/// 10 calls in 30 s were outages) → per-request timeout.
/// </remarks>
public static class ProviderPipeline
{
    /// <summary>How many times a call is retried after its first attempt unless <c>retry.maxRetries</c> says otherwise.</summary>
    public const int DefaultMaxRetries = 2;

    /// <summary>The longest Retry-After honoured inside one call; longer ones are returned to the caller as throttling.</summary>
    public static readonly TimeSpan MaxHonouredRetryAfter = TimeSpan.FromSeconds(5);

    /// <summary>Builds the pipeline.</summary>
    /// <typeparam name="TReply">The adapter's reply.</typeparam>
    /// <param name="options">What differs between adapters.</param>
    /// <returns>The pipeline.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="ProviderPipelineOptions{TReply}.MaxRetries"/> is negative.</exception>
    public static ResiliencePipeline<TReply> Build<TReply>(ProviderPipelineOptions<TReply> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxRetries);
        var builder = new ResiliencePipelineBuilder<TReply> { TimeProvider = options.Time };
        builder.AddTimeout(new TimeoutStrategyOptions { Timeout = options.Timeout * 2, Name = options.Name + "-total" });
        // Polly refuses a retry strategy of zero attempts; without retries there is simply none.
        if (options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<TReply>
            {
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                MaxDelay = TimeSpan.FromSeconds(2),
                ShouldHandle = args => ValueTask.FromResult(options.ShouldRetry(args.Outcome)),
                DelayGenerator = args => ValueTask.FromResult(options.RetryAfter(args.Outcome)),
                OnRetry = args =>
                {
                    options.OnRetry(args.Outcome, args.AttemptNumber + 1, args.RetryDelay);
                    return default;
                },
            });
        }

        if (options.IsOutage is { } isOutage)
        {
            builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions<TReply>
            {
                FailureRatio = 0.5,
                MinimumThroughput = 10,
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = TimeSpan.FromSeconds(5),
                ShouldHandle = args => ValueTask.FromResult(isOutage(args.Outcome)),
            });
        }

        builder.AddTimeout(new TimeoutStrategyOptions { Timeout = options.Timeout, Name = options.Name + "-attempt" });
        return builder.Build();
    }
}
