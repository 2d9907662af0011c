namespace SecretSync.Providers.Common;

/// <summary>A response body longer than the adapter's cap: the answer is refused, not buffered.</summary>
/// <param name="maxBytes">The cap.</param>
public sealed class ResponseTooLargeException(long maxBytes)
    : IOException($"The answer is larger than the {maxBytes / (1024 * 1024)} MiB this client reads.")
{
    /// <summary>The cap that was exceeded.</summary>
    public long MaxBytes { get; } = maxBytes;
}

/// <summary>A handler that refuses any response body longer than a cap, for clients (an SDK's transport) that buffer answers themselves.</summary>
/// <remarks>
/// A <c>Content-Length</c> above the cap fails at once; a body without one (chunked) fails when its reads pass the cap. Either
/// way <see cref="ResponseTooLargeException"/> is thrown and nothing beyond the cap is held in memory.
/// </remarks>
public sealed class ResponseSizeCap : DelegatingHandler
{
    private readonly long _maxBytes;

    /// <summary>Caps the answers of <paramref name="inner"/>, which this handler disposes.</summary>
    /// <param name="inner">The handler that sends.</param>
    /// <param name="maxBytes">The largest body read.</param>
    public ResponseSizeCap(HttpMessageHandler inner, long maxBytes)
        : base(inner)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        _maxBytes = maxBytes;
    }

    /// <inheritdoc />
    /// <exception cref="ResponseTooLargeException">The answer announces a longer body than the cap.</exception>
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var original = response.Content;
        if (original.Headers.ContentLength > _maxBytes)
        {
            response.Dispose();
            throw new ResponseTooLargeException(_maxBytes);
        }

        var capped = new StreamContent(new CappedStream(await original.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), _maxBytes));
        foreach (var (name, values) in original.Headers)
        {
            capped.Headers.TryAddWithoutValidation(name, values);
        }

        response.Content = capped;
        return response;
    }

    /// <summary>Reads through to the body and throws once more than the cap has been read.</summary>
    private sealed class CappedStream(Stream inner, long maxBytes) : Stream
    {
        private long _read;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        private int Count(int read)
        {
            _read += read;
            return _read > maxBytes ? throw new ResponseTooLargeException(maxBytes) : read;
        }
    }
}
