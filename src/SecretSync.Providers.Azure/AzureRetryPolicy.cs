using System.Globalization;
using System.Security.Authentication;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace SecretSync.Providers.Azure;

/// <summary>The SDK's retry policy, bounded: a <c>Retry-After</c> longer than the longest retry delay ends the call.</summary>
/// <remarks>
/// Azure.Core waits out any <c>Retry-After</c> however long (azure-key-vault.md §7). A long hold-off belongs to the
/// engine's queue, which honours it across all sources, so such an answer is returned at once as throttling. TLS
/// failures and oversized answers are not retried either.
/// </remarks>
internal sealed class AzureRetryPolicy(AzureOptions options)
    : RetryPolicy(options.MaxRetries, DelayStrategy.CreateExponentialDelayStrategy(options.RetryDelay, options.RetryMaxDelay))
{
    protected override bool ShouldRetry(HttpMessage message, Exception? exception)
    {
        // Neither a certificate nor an oversized answer changes by asking again.
        if (exception is not null && (AzureOutcomes.IsTlsFailure(exception) || ChainHas<Common.ResponseTooLargeException>(exception)))
        {
            return false;
        }

        if (message.HasResponse && RetryAfterOf(message.Response) is { } wait && wait > options.RetryMaxDelay)
        {
            return false;
        }

        return base.ShouldRetry(message, exception);
    }

    protected override ValueTask<bool> ShouldRetryAsync(HttpMessage message, Exception? exception) => new(ShouldRetry(message, exception));

    /// <summary>The server's requested wait: <c>retry-after-ms</c>, <c>x-ms-retry-after-ms</c>, or <c>Retry-After</c> in seconds or as a date.</summary>
    public static TimeSpan? RetryAfterOf(Response response, TimeProvider? time = null)
    {
        foreach (var name in new[] { "retry-after-ms", "x-ms-retry-after-ms" })
        {
            if (response.Headers.TryGetValue(name, out var ms) &&
                double.TryParse(ms, NumberStyles.Float, CultureInfo.InvariantCulture, out var millis) && millis >= 0)
            {
                return TimeSpan.FromMilliseconds(millis);
            }
        }

        if (!response.Headers.TryGetValue("Retry-After", out var text))
        {
            return null;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return TimeSpan.FromSeconds(seconds);
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? at - (time ?? TimeProvider.System).GetUtcNow() is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero
            : null;
    }

    internal static bool ChainHas<T>(Exception exception)
        where T : Exception
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is T)
            {
                return true;
            }

            if (e is AggregateException aggregate && aggregate.InnerExceptions.Any(ChainHas<T>))
            {
                return true;
            }
        }

        return false;
    }

    internal static bool IsAuthentication(Exception exception) => ChainHas<AuthenticationException>(exception);
}
