namespace SecretSync.Kubernetes.Client;

/// <summary>A token bucket of <c>qps</c> tokens per second holding at most <c>burst</c>, on an injectable clock (kubernetes.md §8).</summary>
/// <remarks>Reservations may drive the balance negative, so waiters are served in arrival order without polling;
/// a cancelled wait gives its token back.</remarks>
internal sealed class TokenBucket
{
    private readonly Lock _gate = new();
    private readonly double _qps;
    private readonly double _burst;
    private readonly TimeProvider _time;
    private double _tokens;
    private long _stamp;

    public TokenBucket(double qps, int burst, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(qps);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(burst);
        _qps = qps;
        _burst = burst;
        _time = time;
        _tokens = burst;
        _stamp = time.GetTimestamp();
    }

    /// <summary>Takes one token, waiting on the clock until it is available.</summary>
    public async ValueTask AcquireAsync(CancellationToken cancellationToken)
    {
        var wait = Reserve();
        if (wait <= TimeSpan.Zero)
        {
            return;
        }

        try
        {
            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            lock (_gate)
            {
                _tokens = Math.Min(_burst, _tokens + 1);
            }

            throw;
        }
    }

    /// <summary>How many whole tokens are available now; for tests and diagnostics.</summary>
    public double Available
    {
        get
        {
            lock (_gate)
            {
                RefillLocked();
                return _tokens;
            }
        }
    }

    private TimeSpan Reserve()
    {
        lock (_gate)
        {
            RefillLocked();
            _tokens -= 1;
            return _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / _qps);
        }
    }

    private void RefillLocked()
    {
        var now = _time.GetTimestamp();
        var elapsed = _time.GetElapsedTime(_stamp, now);
        _stamp = now;
        _tokens = Math.Min(_burst, _tokens + (elapsed.TotalSeconds * _qps));
    }
}
