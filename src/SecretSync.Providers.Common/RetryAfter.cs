namespace SecretSync.Providers.Common;

/// <summary>Reads a response's <c>Retry-After</c> header as a wait.</summary>
public static class RetryAfter
{
    /// <summary>The wait a response asks for, never negative; <see langword="null"/> without a usable header.</summary>
    /// <param name="response">The response.</param>
    /// <param name="time">The clock that turns an HTTP-date into a wait.</param>
    /// <returns>The wait, or <see langword="null"/>.</returns>
    public static TimeSpan? Of(HttpResponseMessage response, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(time);
        if (response.Headers.RetryAfter is not { } header)
        {
            return null;
        }

        if (header.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header.Date is { } date)
        {
            var wait = date - time.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }
}
