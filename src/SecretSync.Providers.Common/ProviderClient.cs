using SecretSync.Core.Providers;

namespace SecretSync.Providers.Common;

/// <summary>A connected source: reads and writes that log their failures (and record their outcome), and disposal once.</summary>
public abstract class ProviderClient : ISecretSource, ISourceWriter
{
    private readonly bool _recordCalls;
    private int _disposed;

    /// <summary>Creates the client.</summary>
    /// <param name="provider">The provider's configured name.</param>
    /// <param name="metrics">The metrics it records.</param>
    /// <param name="recordCalls">Whether each read and write is recorded as one <c>read</c>/<c>write</c> call; false when the adapter records its own operations.</param>
    protected ProviderClient(string provider, ProviderMetrics metrics, bool recordCalls)
    {
        Provider = provider;
        Metrics = metrics;
        _recordCalls = recordCalls;
    }

    /// <summary>The provider's configured name.</summary>
    protected string Provider { get; }

    /// <summary>The metrics it records.</summary>
    protected ProviderMetrics Metrics { get; }

    /// <inheritdoc />
    public async ValueTask<ReadResult> ReadAsync(string path, string? version, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var result = await ReadCoreAsync(path, version, cancellationToken).ConfigureAwait(false);
        if (_recordCalls)
        {
            Metrics.Record(Provider, "read", ProviderMetrics.ResultOf(result));
        }

        if (result is ReadResult.Failed failed)
        {
            LogFailure("read", path, failed.Failure);
        }

        return result;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyDictionary<string, VersionResult>> CheckVersionsAsync(
        IReadOnlyCollection<string> paths, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ThrowIfDisposed();
        return CheckVersionsCoreAsync(paths, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask<WriteResult> WriteAsync(
        string path, IReadOnlyDictionary<string, string> values, string? expectedVersion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(values);
        ThrowIfDisposed();
        var result = await WriteCoreAsync(path, values, expectedVersion, cancellationToken).ConfigureAwait(false);
        if (_recordCalls)
        {
            Metrics.Record(Provider, "write", ProviderMetrics.ResultOf(result));
        }

        if (result is WriteResult.Failed failed)
        {
            LogFailure("write", path, failed.Failure);
        }

        return result;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Release();
        }

        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    /// <summary>Throws once the client is disposed.</summary>
    /// <exception cref="ObjectDisposedException">The client is disposed.</exception>
    protected void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    /// <summary>Records one source's version check as a <c>metadata</c> call and logs its failure.</summary>
    /// <param name="source">The source checked, as logged.</param>
    /// <param name="result">The check's result.</param>
    protected void RecordVersionCheck(string source, VersionResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        Metrics.Record(Provider, "metadata", ProviderMetrics.ResultOf(result));
        if (result is VersionResult.Failed failed)
        {
            LogFailure("version check", source, failed.Failure);
        }
    }

    /// <summary>Reads a source.</summary>
    /// <param name="path">The source path.</param>
    /// <param name="version">The version, or <see langword="null"/> for the current one.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The result.</returns>
    protected abstract ValueTask<ReadResult> ReadCoreAsync(string path, string? version, CancellationToken cancellationToken);

    /// <summary>Checks the current version of each source.</summary>
    /// <param name="paths">The source paths.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>One result per distinct path.</returns>
    protected abstract ValueTask<IReadOnlyDictionary<string, VersionResult>> CheckVersionsCoreAsync(
        IReadOnlyCollection<string> paths, CancellationToken cancellationToken);

    /// <summary>Writes a source.</summary>
    /// <param name="path">The source path.</param>
    /// <param name="values">The values; never log them.</param>
    /// <param name="expectedVersion">The version the write replaces, or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The result.</returns>
    protected abstract ValueTask<WriteResult> WriteCoreAsync(
        string path, IReadOnlyDictionary<string, string> values, string? expectedVersion, CancellationToken cancellationToken);

    /// <summary>Logs a failed call.</summary>
    /// <param name="operation"><c>read</c>, <c>write</c> or <c>version check</c>.</param>
    /// <param name="source">The source, never a value.</param>
    /// <param name="failure">The failure.</param>
    protected abstract void LogFailure(string operation, string source, ProviderFailure failure);

    /// <summary>Releases the client's connections; called once, on the first dispose.</summary>
    protected abstract void Release();
}
