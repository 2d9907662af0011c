using System.Diagnostics;

namespace SecretSync.Testing;

/// <summary>Waits, within a bound, for a condition that something else makes true.</summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultPatience = TimeSpan.FromSeconds(15);

    /// <summary>Polls <paramref name="condition"/> until it holds; throws <see cref="TimeoutException"/> naming <paramref name="what"/>.</summary>
    public static Task TrueAsync(Func<bool> condition, string what = "condition", TimeSpan? within = null) =>
        TrueAsync(condition, () => what, within);

    /// <summary>As above, describing the failure only when it happens (e.g. with the output seen by then).</summary>
    public static async Task TrueAsync(Func<bool> condition, Func<string> describe, TimeSpan? within = null)
    {
        ArgumentNullException.ThrowIfNull(describe);
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > (within ?? DefaultPatience))
            {
                throw new TimeoutException($"{describe()} did not hold within {within ?? DefaultPatience}.");
            }

            await Task.Delay(5);
        }
    }

    /// <summary>Polls an async condition until it holds.</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, string what = "condition", TimeSpan? within = null, TimeSpan? every = null)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > (within ?? DefaultPatience))
            {
                throw new TimeoutException($"{what} did not hold within {within ?? DefaultPatience}.");
            }

            await Task.Delay(every ?? TimeSpan.FromMilliseconds(20));
        }
    }
}
