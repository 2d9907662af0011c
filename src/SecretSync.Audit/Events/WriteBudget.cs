namespace SecretSync.Audit.Events;

/// <summary>A token bucket of <c>qps</c> tokens per second holding at most <c>burst</c>, that never waits.</summary>
/// <remarks>Not thread-safe: the sink calls it under its own gate.</remarks>
internal sealed class WriteBudget
{
    private readonly double _qps;
    private readonly double _burst;
    private readonly TimeProvider _time;
    private double _tokens;
    private long _stamp;

    public WriteBudget(double qps, int burst, TimeProvider time)
    {
        _qps = qps;
        _burst = burst;
        _time = time;
        _tokens = burst;
        _stamp = time.GetTimestamp();
    }

    /// <summary>Takes one token if one is available now.</summary>
    public bool TryTake()
    {
        var now = _time.GetTimestamp();
        _tokens = Math.Min(_burst, _tokens + (_time.GetElapsedTime(_stamp, now).TotalSeconds * _qps));
        _stamp = now;
        if (_tokens < 1)
        {
            return false;
        }

        _tokens -= 1;
        return true;
    }
}
