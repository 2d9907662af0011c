using System.Collections.Concurrent;

namespace SecretSync.DevStack.Hosting;

/// <summary>One request an emulator answered.</summary>
/// <param name="Time">When the request arrived.</param>
/// <param name="Method">HTTP method.</param>
/// <param name="Path">Request path without the query.</param>
/// <param name="Query">Raw query string including the leading <c>?</c>, or empty.</param>
/// <param name="Verb">The emulator's name for the operation (Kubernetes: get, list, watch, create, update, patch, delete).</param>
/// <param name="Status">The status code sent.</param>
/// <param name="Duration">Time from arrival to the end of the response.</param>
/// <param name="UserAgent">The client's User-Agent header.</param>
public sealed record RecordedRequest(
    DateTimeOffset Time, string Method, string Path, string Query, string Verb, int Status, TimeSpan Duration, string? UserAgent);

/// <summary>Every request an emulator answered, in arrival order, for tests and benchmarks to count.</summary>
public sealed class RequestLog
{
    private readonly ConcurrentQueue<RecordedRequest> _entries = new();

    /// <summary>The number of requests recorded.</summary>
    public int Count => _entries.Count;

    /// <summary>A copy of the entries recorded so far.</summary>
    public IReadOnlyList<RecordedRequest> Snapshot() => [.. _entries];

    /// <summary>Counts the entries that match.</summary>
    public int CountWhere(Func<RecordedRequest, bool> predicate) => _entries.Count(predicate);

    /// <summary>Forgets every entry.</summary>
    public void Clear() => _entries.Clear();

    internal void Add(RecordedRequest request) => _entries.Enqueue(request);
}
