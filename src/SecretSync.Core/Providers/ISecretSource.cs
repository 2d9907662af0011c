namespace SecretSync.Core.Providers;

/// <summary>A connected client of one configured provider.</summary>
/// <remarks>
/// Implementations never throw for authority-side conditions: every answer is a typed result, so
/// "absent" cannot be confused with "unavailable". They throw only for cancellation. They never put a
/// secret value or a credential in a result, a log entry or an exception message.
/// </remarks>
public interface ISecretSource : IAsyncDisposable
{
    /// <summary>Reads a version of a source.</summary>
    /// <param name="path">Source path relative to the provider's mount or project.</param>
    /// <param name="version">A specific version id, or <see langword="null"/> for the newest live version.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    ValueTask<ReadResult> ReadAsync(string path, string? version, CancellationToken cancellationToken);

    /// <summary>Reports the current version of many sources in as few calls as the authority allows.</summary>
    /// <param name="paths">Distinct source paths.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>One result per requested path.</returns>
    ValueTask<IReadOnlyDictionary<string, VersionResult>> CheckVersionsAsync(
        IReadOnlyCollection<string> paths, CancellationToken cancellationToken);
}

/// <summary>Optional capability: the authority pushes change notifications.</summary>
public interface ISourceWatcher
{
    /// <summary>Streams change notifications, reconnecting on its own until cancelled.</summary>
    /// <remarks>Emits <see cref="SourceEvent.Lost"/> whenever the stream is down, so callers fall back to polling.</remarks>
    IAsyncEnumerable<SourceEvent> WatchAsync(CancellationToken cancellationToken);
}

/// <summary>Optional capability: writing new versions, used by <c>secretsync rotate</c>.</summary>
public interface ISourceWriter
{
    /// <summary>Writes a new version with check-and-set.</summary>
    /// <param name="path">Source path.</param>
    /// <param name="values">The complete new data.</param>
    /// <param name="expectedVersion">
    /// The version the caller read; the write fails with <see cref="WriteResult.VersionMismatch"/> if the
    /// source has moved on. <see langword="null"/> writes only if the source does not exist yet.
    /// </param>
    /// <param name="cancellationToken">Cancels the call.</param>
    ValueTask<WriteResult> WriteAsync(
        string path, IReadOnlyDictionary<string, string> values, string? expectedVersion, CancellationToken cancellationToken);
}
