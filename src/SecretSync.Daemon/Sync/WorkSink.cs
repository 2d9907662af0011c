using SecretSync.Daemon.Queue;
using SecretSync.Daemon.Restarts;

namespace SecretSync.Daemon.Sync;

/// <summary>Where the engine's parts queue work.</summary>
internal interface IWorkSink
{
    /// <summary>Work items waiting.</summary>
    int Depth { get; }

    void Enqueue(WorkKey key, string trigger);
}

/// <summary>The work queue of one leadership term, as the term's own parts see it.</summary>
internal sealed class TermWork(WorkQueue<WorkKey> queue) : IWorkSink
{
    public int Depth => queue.Depth;

    public void Enqueue(WorkKey key, string trigger) => queue.Enqueue(key, trigger);
}

/// <summary>The leadership term in progress, if any, as the long-lived parts (watches, reloads, metrics) see it.</summary>
/// <remarks>Work queued while no term runs is dropped: a standby writes nothing, and a new term starts with a full sync.</remarks>
internal sealed class CurrentTerm : IWorkSink
{
    private volatile Running? _running;

    /// <summary>The term's work queue depth; 0 on a standby.</summary>
    public int QueueDepth => _running?.Work.Depth ?? 0;

    /// <summary>The term's workload restarter; null on a standby.</summary>
    public WorkloadRestarter? Restarter => _running?.Restarter;

    int IWorkSink.Depth => QueueDepth;

    public void Enqueue(WorkKey key, string trigger) => _running?.Work.Enqueue(key, trigger);

    /// <summary>Makes the term's work and restarter current until the returned scope is disposed.</summary>
    public IDisposable Begin(IWorkSink work, WorkloadRestarter? restarter)
    {
        var running = new Running(work, restarter, this);
        _running = running;
        return running;
    }

    private sealed record Running(IWorkSink Work, WorkloadRestarter? Restarter, CurrentTerm Owner) : IDisposable
    {
        public void Dispose() => Interlocked.CompareExchange(ref Owner._running, null, this);
    }
}
