namespace SecretSync.Benchmarks.Harness;

/// <summary>What every scenario is given: the size mode and a log line writer.</summary>
internal sealed class BenchContext(bool quick)
{
    public bool Quick { get; } = quick;

    public void Log(string line) => Console.Error.WriteLine($"[bench {TimeProvider.System.GetLocalNow():HH:mm:ss}] {line}");

    /// <summary>How long to wait for <paramref name="writes"/> Secret writes at a pessimistic rate before calling the scenario failed.</summary>
    public static TimeSpan Patience(int writes, double perSecond = 100) => TimeSpan.FromSeconds(60 + (writes / perSecond));
}
