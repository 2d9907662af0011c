using System.Threading.Channels;
using SecretSync.Core.Resilience;

namespace SecretSync.Daemon.Queue;

/// <summary>What a work item handler reports back to the queue.</summary>
internal readonly record struct WorkResult(bool Succeeded, TimeSpan? RetryAfter = null, bool Recheck = false)
{
    public static WorkResult Done { get; } = new(true);

    /// <summary>Failed: run again after the key's back-off, or <paramref name="retryAfter"/> if longer.</summary>
    public static WorkResult Retry(TimeSpan? retryAfter = null) => new(false, retryAfter);

    /// <summary>Done, but do not run the key again before <paramref name="wait"/> has passed (an authority's Retry-After).</summary>
    public static WorkResult HoldOff(TimeSpan wait) => new(true, wait);

    /// <summary>Done for now, but run the key again after <paramref name="wait"/>, or sooner if queued meanwhile (something is awaited, such as an approval).</summary>
    public static WorkResult RecheckIn(TimeSpan wait) => new(true, wait, Recheck: true);
}

/// <summary>One queue of keys to reconcile, in the manner of client-go's workqueue.</summary>
/// <remarks>
/// A key waiting in the queue is never queued twice; a key added while it is being processed runs once
/// more afterwards; at most <c>concurrency</c> keys are processed at once and never the same key twice at
/// once. A failing key is held off for a per-key exponential back-off with jitter (or the handler's
/// Retry-After, if longer): whoever queues it meanwhile, it runs again only when the hold-off ends. Success
/// clears the hold-off and the back-off. Each queued key keeps the trigger that first queued it.
/// </remarks>
internal sealed class WorkQueue<TKey> where TKey : notnull
{
    private readonly Lock _gate = new();
    private readonly Channel<TKey> _ready = Channel.CreateUnbounded<TKey>(new UnboundedChannelOptions { SingleReader = false });
    private readonly Dictionary<TKey, string> _queued = [];
    private readonly Dictionary<TKey, string> _dirtyWhileProcessing = [];
    private readonly HashSet<TKey> _processing = [];
    private readonly Dictionary<TKey, int> _failures = [];
    private readonly HashSet<TKey> _delayed = [];
    private readonly Dictionary<TKey, DateTimeOffset> _notBefore = [];
    private CancellationToken _lifetime;
    private readonly int _concurrency;
    private readonly TimeProvider _time;
    private readonly Backoff _backoff;

    /// <summary>A failing key waits 1 s, doubling to 1 minute, less up to a fifth for jitter: long enough to spare a struggling
    /// authority, short enough to recover quickly.</summary>
    public static Backoff DefaultBackoff { get; } = new(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), jitter: 0.2);

    public WorkQueue(int concurrency, TimeProvider time, Backoff? backoff = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrency, 1);
        _concurrency = concurrency;
        _time = time;
        _backoff = backoff ?? DefaultBackoff;
    }

    /// <summary>Keys waiting to be processed (not counting those in flight or backing off).</summary>
    public int Depth
    {
        get
        {
            lock (_gate)
            {
                return _queued.Count;
            }
        }
    }

    /// <summary>Keys currently being processed.</summary>
    public int InFlight
    {
        get
        {
            lock (_gate)
            {
                return _processing.Count;
            }
        }
    }

    /// <summary>Queues a key unless it is already waiting; a key in its back-off hold-off is queued when that ends.</summary>
    public void Enqueue(TKey key, string trigger)
    {
        TimeSpan holdOff;
        lock (_gate)
        {
            holdOff = _notBefore.TryGetValue(key, out var notBefore) ? notBefore - _time.GetUtcNow() : TimeSpan.Zero;
        }

        if (holdOff > TimeSpan.Zero)
        {
            EnqueueAfter(key, trigger, holdOff, _lifetime);
        }
        else
        {
            EnqueueNow(key, trigger);
        }
    }

    private void EnqueueNow(TKey key, string trigger)
    {
        lock (_gate)
        {
            if (_queued.ContainsKey(key))
            {
                return;
            }

            if (_processing.Contains(key))
            {
                _dirtyWhileProcessing.TryAdd(key, trigger);
                return;
            }

            _queued[key] = trigger;
        }

        _ready.Writer.TryWrite(key);
    }

    /// <summary>Queues a key after a delay; a key already waiting for a delayed add is not added twice.</summary>
    public void EnqueueAfter(TKey key, string trigger, TimeSpan delay, CancellationToken cancellationToken)
    {
        if (delay <= TimeSpan.Zero)
        {
            Enqueue(key, trigger);
            return;
        }

        lock (_gate)
        {
            if (!_delayed.Add(key))
            {
                return;
            }
        }

        _ = DelayThenEnqueueAsync(key, trigger, delay, cancellationToken);
    }

    /// <summary>Processes keys until cancelled.</summary>
    public Task RunAsync(Func<TKey, string, CancellationToken, Task<WorkResult>> handler, CancellationToken cancellationToken)
    {
        _lifetime = cancellationToken;
        return Task.WhenAll(Enumerable.Range(0, _concurrency).Select(_ => WorkerAsync(handler, cancellationToken)));
    }

    private async Task WorkerAsync(Func<TKey, string, CancellationToken, Task<WorkResult>> handler, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var key in _ready.Reader.ReadAllAsync(cancellationToken))
            {
                string trigger;
                lock (_gate)
                {
                    if (!_queued.Remove(key, out trigger!))
                    {
                        continue;
                    }

                    _processing.Add(key);
                }

                WorkResult result;
                try
                {
                    result = await handler(key, trigger, cancellationToken);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
#pragma warning disable CA1031 // A failing handler must not kill the worker; the key is retried with back-off.
                catch (Exception)
#pragma warning restore CA1031
                {
                    result = WorkResult.Retry();
                }

                Complete(key, trigger, result, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private void Complete(TKey key, string trigger, WorkResult result, CancellationToken cancellationToken)
    {
        TimeSpan? retryIn = null;
        string? again;
        lock (_gate)
        {
            _processing.Remove(key);
            _dirtyWhileProcessing.Remove(key, out again);
            if (result.Succeeded)
            {
                _failures.Remove(key);
                _notBefore.Remove(key);
                if (result.Recheck)
                {
                    retryIn = again is null ? result.RetryAfter : null;
                }
                else if (result.RetryAfter is { } wait && wait > TimeSpan.Zero)
                {
                    _notBefore[key] = _time.GetUtcNow() + wait;
                    retryIn = again is null ? null : wait;
                }
            }
            else
            {
                var failures = _failures[key] = _failures.GetValueOrDefault(key) + 1;
                var backoff = _backoff.DelayFor(failures);
                retryIn = result.RetryAfter is { } hint && hint > backoff ? hint : backoff;
                _notBefore[key] = _time.GetUtcNow() + retryIn.Value;
            }
        }

        if (retryIn is { } delay)
        {
            EnqueueAfter(key, again ?? trigger, delay, cancellationToken);
        }
        else if (again is not null)
        {
            Enqueue(key, again);
        }
    }

    private async Task DelayThenEnqueueAsync(TKey key, string trigger, TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, _time, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        finally
        {
            lock (_gate)
            {
                _delayed.Remove(key);
            }
        }

        EnqueueNow(key, trigger);
    }
}
