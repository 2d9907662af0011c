using System.Diagnostics.Metrics;

namespace SecretSync.Kubernetes.Client;

/// <summary>Client-side limits and retry behaviour of a <see cref="KubernetesClient"/>.</summary>
public sealed class KubernetesClientOptions
{
    /// <summary>Sustained requests per second the client allows itself (token bucket refill rate); Lease requests are exempt.</summary>
    /// <value>Defaults to 5, client-go's default (kubernetes.md §8).</value>
    public double Qps { get; init; } = 5;

    /// <summary>Requests that may go out at once before <see cref="Qps"/> applies (bucket size).</summary>
    /// <value>Defaults to 10, client-go's default (kubernetes.md §8).</value>
    public int Burst { get; init; } = 10;

    /// <summary>Turns the client-side rate limiter off; for benchmarks measuring the server.</summary>
    /// <value>Defaults to false.</value>
    public bool DisableRateLimiter { get; init; }

    /// <summary>How many times a 429, or a 5xx carrying <c>Retry-After</c>, is retried before the error is thrown.</summary>
    /// <value>Defaults to 10, as client-go's <c>rest.Request</c>.</value>
    public int MaxRetries { get; init; } = 10;

    /// <summary>The longest <c>Retry-After</c> honoured; longer requests are capped to this.</summary>
    /// <value>Defaults to 30 seconds.</value>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Time limit of one non-watch request, and of a watch until its response headers arrive.</summary>
    /// <value>Defaults to 30 seconds.</value>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The <c>User-Agent</c> header sent with each request.</summary>
    /// <value>Defaults to <c>secretsync</c>.</value>
    public string UserAgent { get; init; } = "secretsync";

    /// <summary>Creates the <c>SecretSync.Kubernetes</c> meter; null uses a process-wide meter.</summary>
    public IMeterFactory? MeterFactory { get; init; }

    internal void Validate()
    {
        if (!DisableRateLimiter && (Qps <= 0 || Burst <= 0))
        {
            throw new ArgumentException($"Qps ({Qps}) and Burst ({Burst}) must be positive; set DisableRateLimiter to turn limiting off.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(MaxRetries);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRetryAfter, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RequestTimeout, TimeSpan.Zero);
    }
}
