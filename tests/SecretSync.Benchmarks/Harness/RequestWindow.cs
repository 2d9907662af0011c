using System.Text.Json.Nodes;
using SecretSync.DevStack.Hosting;
using SecretSync.Testing.Cluster;

namespace SecretSync.Benchmarks.Harness;

/// <summary>The requests an emulator answered between two marks of its request log.</summary>
internal sealed class RequestWindow
{
    private RequestWindow(IReadOnlyList<RecordedRequest> requests) => Requests = requests;

    public IReadOnlyList<RecordedRequest> Requests { get; }

    public int Count => Requests.Count;

    /// <summary>The entries recorded after <paramref name="fromIndex"/>; a request is recorded when its response completes.</summary>
    public static RequestWindow Since(RequestLog log, int fromIndex) => new([.. log.Snapshot().Skip(fromIndex)]);

    /// <summary>The entries recorded after <paramref name="fromIndex"/> that arrived before <paramref name="end"/>.</summary>
    public static RequestWindow Between(RequestLog log, int fromIndex, DateTimeOffset end) => new([.. log.Snapshot().Skip(fromIndex).Where(r => r.Time < end)]);

    /// <summary>Writes (create, update, patch, delete) to Secrets in the benchmark's namespaces.</summary>
    public IReadOnlyList<RecordedRequest> SecretWrites() =>
        [.. Requests.Where(r => IsWrite(r) && TestCluster.IsSecretPath(r.Path) && Fleet.IsFleetNamespace(SyncScenario.NamespaceOf(r.Path)))];

    /// <summary>The requests the client's rate limit governs: all but leader election's Lease requests, which are exempt.</summary>
    public RequestWindow Limited() => new([.. Requests.Where(r => !r.Path.Contains("/leases", StringComparison.Ordinal))]);

    /// <summary>Every write, to any resource (leases and Events included).</summary>
    public int Writes() => Requests.Count(IsWrite);

    public int Where(Func<RecordedRequest, bool> predicate) => Requests.Count(predicate);

    /// <summary>Counts per emulator verb, for the result files.</summary>
    public JsonObject VerbCounts() =>
        new(Requests.GroupBy(r => r.Verb, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => KeyValuePair.Create(g.Key, (JsonNode?)g.Count())));

    /// <summary>The most requests that arrived in any one-second window (sliding, by arrival time).</summary>
    /// <remarks>Long-running watches are left out: they arrive once and stay open.</remarks>
    public int PeakPerSecond()
    {
        var times = Requests.Where(r => r.Verb != "watch").Select(r => r.Time).Order().ToList();
        var peak = 0;
        var start = 0;
        for (var end = 0; end < times.Count; end++)
        {
            while (times[end] - times[start] >= TimeSpan.FromSeconds(1))
            {
                start++;
            }

            peak = Math.Max(peak, end - start + 1);
        }

        return peak;
    }

    /// <summary>The most requests beyond what a token bucket of <paramref name="qps"/> admits over any stretch of time: <c>max(count(t1..t2) - qps x (t2 - t1))</c>.</summary>
    /// <remarks>A client that keeps to a bucket of size <c>burst</c> never exceeds <c>burst</c> here (give or take arrival jitter); every request counts, watches too, as each takes a token.</remarks>
    public double BucketDemand(double qps)
    {
        var times = Requests.Select(r => r.Time).Order().ToList();
        if (times.Count == 0)
        {
            return 0;
        }

        // count(i..j) - qps (t_j - t_i) = (j - qps t_j) - (i - qps t_i) + 1; keep the least (i - qps t_i) seen so far.
        var origin = times[0];
        var least = double.MaxValue;
        var demand = 0.0;
        for (var j = 0; j < times.Count; j++)
        {
            var level = j - (qps * (times[j] - origin).TotalSeconds);
            least = Math.Min(least, level);
            demand = Math.Max(demand, level - least + 1);
        }

        return demand;
    }

    private static bool IsWrite(RecordedRequest r) => r.Verb is "create" or "update" or "patch" or "delete";
}
