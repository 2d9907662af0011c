using SecretSync.Testing;

namespace SecretSync.Kubernetes.Tests.Support;

/// <summary>A manual clock that counts the timers created on it, so a test can advance only once the code under test waits.</summary>
internal sealed class ObservedClock : TimeProvider
{
    private int _timers;

    public ManualTimeProvider Inner { get; } = new();

    public int TimersCreated => Volatile.Read(ref _timers);

    public override DateTimeOffset GetUtcNow() => Inner.GetUtcNow();

    public override long GetTimestamp() => Inner.GetTimestamp();

    public override long TimestampFrequency => Inner.TimestampFrequency;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = Inner.CreateTimer(callback, state, dueTime, period);
        Interlocked.Increment(ref _timers);
        return timer;
    }

    public void Advance(TimeSpan by) => Inner.Advance(by);
}
