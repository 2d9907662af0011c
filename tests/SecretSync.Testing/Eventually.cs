using System.Diagnostics;

namespace SecretSync.Testing;

/// <summary>Waits, within a bound, for a condition that something else makes true.</summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultPatience = TimeSpan.FromSeconds(15);

    /// <summary>Polls <paramref name="condition"/> until it holds; throws <see cref="TimeoutException"/> naming <paramref name="what"/>.</summary>
    public static async Task TrueAsync(Func<bool> condition, string what = "condition", TimeSpan? within = null)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > (within ?? DefaultPatience))
            {
                throw new TimeoutException($"{what} did not hold within {within ?? DefaultPatience}.");
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
