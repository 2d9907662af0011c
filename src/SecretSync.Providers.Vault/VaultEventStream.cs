using System.Buffers;
using System.Net;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using SecretSync.Core.Providers;
using SecretSync.Core.Resilience;
using SecretSync.Providers.Common;

namespace SecretSync.Providers.Vault;

/// <summary>Subscribes to Vault's kv-v2 event notifications over a WebSocket and turns them into <see cref="SourceEvent"/>s (vault.md §5).</summary>
/// <remarks>
/// Yields <see cref="SourceEvent.Connected"/> when the socket opens, <see cref="SourceEvent.Changed"/> per event in
/// the configured mount, and <see cref="SourceEvent.Lost"/> whenever the socket drops or cannot be opened, so the
/// caller polls in the meantime. Reconnects with jittered exponential back-off; a server without the endpoint
/// (community Vault 1.16+, OpenBao: 404/405) is retried only every few minutes in <see cref="VaultEventsMode.Auto"/>.
/// </remarks>
internal sealed class VaultEventStream
{
    /// <summary>Subscribing to every kv-v2 type gets writes, patches, deletes, undeletes, destroys and metadata deletes on one socket.</summary>
    public const string EventType = "kv-v2/*";

    /// <summary>Reconnects while the endpoint exists: 1 s doubling per failure to 1 minute, each wait between half and all of its step so
    /// many daemons do not reconnect in step.</summary>
    public static readonly Backoff Reconnect = new(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), jitter: 0.5);

    /// <summary>Probes of a server that has no event endpoint: every 5 minutes, jittered the same way.</summary>
    public static readonly Backoff Unsupported = new(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5), jitter: 0.5);

    private const int MaxMessageBytes = 1024 * 1024;

    private readonly string _provider;
    private readonly VaultOptions _options;
    private readonly VaultTransport _transport;
    private readonly VaultCredentials _session;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ProviderMetrics _metrics;

    public VaultEventStream(
        string provider, VaultOptions options, VaultTransport transport, VaultCredentials session, TimeProvider time, ILogger logger, ProviderMetrics metrics)
    {
        _provider = provider;
        _options = options;
        _transport = transport;
        _session = session;
        _time = time;
        _logger = logger;
        _metrics = metrics;
    }

    /// <summary>The subscription URI: <c>ws(s)://…/v1/sys/events/subscribe/kv-v2/*?json=true</c>.</summary>
    public Uri SubscribeUri
    {
        get
        {
            var http = _transport.ApiUri($"sys/events/subscribe/{EventType}?json=true");
            return new UriBuilder(http) { Scheme = http.Scheme == Uri.UriSchemeHttps ? Uri.UriSchemeWss : Uri.UriSchemeWs }.Uri;
        }
    }

    /// <summary>Streams events until <paramref name="cancellationToken"/> or <paramref name="clientStopping"/> is cancelled.</summary>
    /// <exception cref="OperationCanceledException">Either token was cancelled (the client was disposed).</exception>
    public async IAsyncEnumerable<SourceEvent> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken, CancellationToken clientStopping)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, clientStopping);
        cancellationToken = linked.Token;
        if (_options.Events == VaultEventsMode.Off)
        {
            yield return new SourceEvent.Lost("Event subscription is off (events: off); polling only.");
            await Task.Delay(Timeout.InfiniteTimeSpan, _time, cancellationToken).ConfigureAwait(false);
            yield break;
        }

        var failures = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var attempt = await ConnectAsync(cancellationToken).ConfigureAwait(false);
            string reason;
            if (attempt.Socket is { } socket)
            {
                using (socket)
                {
                    _metrics.Record(_provider, "watch", "ok");
                    VaultLog.EventsConnected(_logger, _provider);
                    failures = 0;
                    yield return new SourceEvent.Connected();
                    while (true)
                    {
                        var message = await ReceiveAsync(socket, cancellationToken).ConfigureAwait(false);
                        if (message.Closed is { } closed)
                        {
                            reason = closed;
                            break;
                        }

                        if (VaultEventParser.TryParse(message.Payload!, _options.Mount, _options.Namespace, out var change, out var skipped))
                        {
                            yield return new SourceEvent.Changed(change.Path, change.Version);
                        }
                        else
                        {
                            VaultLog.EventSkipped(_logger, _provider, skipped);
                        }
                    }
                }

                _metrics.Record(_provider, "watch", "unavailable");
            }
            else
            {
                reason = attempt.Reason!;
                _metrics.Record(_provider, "watch", attempt.Result);
            }

            var delay = attempt.Unsupported && _options.Events == VaultEventsMode.Auto
                ? Unsupported.DelayFor(1)
                : Reconnect.DelayFor(++failures);
            VaultLog.EventsLost(_logger, _provider, reason, delay);
            yield return new SourceEvent.Lost(reason);
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask<ConnectAttempt> ConnectAsync(CancellationToken cancellationToken)
    {
        var lease = await _session.GetAsync(cancellationToken).ConfigureAwait(false);
        if (lease.Failure is { } failure)
        {
            return ConnectAttempt.Failed($"Cannot authenticate for the event subscription: {failure.Message}", ProviderMetrics.ResultOf(failure));
        }

        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("X-Vault-Token", lease.Lease!.Token);
        if (_options.Namespace is { } ns)
        {
            socket.Options.SetRequestHeader("X-Vault-Namespace", ns);
        }

        socket.Options.CollectHttpResponseDetails = true;
        // Vault pings every 30 s (§5); our own pings detect a dead peer that never closes the socket.
        socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(30);
        socket.Options.KeepAliveTimeout = TimeSpan.FromSeconds(30);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        try
        {
            using var invoker = new HttpMessageInvoker(_transport.Handler, disposeHandler: false);
            await socket.ConnectAsync(SubscribeUri, invoker, timeout.Token).ConfigureAwait(false);
            return ConnectAttempt.Open(socket);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw;
        }
        catch (Exception e) when (e is WebSocketException or HttpRequestException or OperationCanceledException or IOException)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            switch (status)
            {
                case HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed:
                    return ConnectAttempt.NotSupported(
                        $"Vault has no event subscription endpoint ({(int)status}; community Vault 1.16+ and OpenBao lack it); polling.");
                case HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden:
                    // Maybe the token expired: the next attempt uses a fresh one.
                    await _session.RefreshAsync(lease.Lease, cancellationToken).ConfigureAwait(false);
                    return ConnectAttempt.Failed($"Vault refused the event subscription ({(int)status}); check the policy on sys/events/subscribe.",
                        status == HttpStatusCode.Forbidden ? "forbidden" : "unauthenticated");
                case HttpStatusCode.TooManyRequests:
                    return ConnectAttempt.Failed("Vault throttled the event subscription (429).", "throttled");
                case 0:
                    return ConnectAttempt.Failed(e is OperationCanceledException
                        ? "The event subscription did not open in time."
                        : $"Cannot open the event subscription ({e.GetType().Name}).", "unavailable");
                default:
                    return ConnectAttempt.Failed($"Vault refused the event subscription ({(int)status}).", "unavailable");
            }
        }
    }

    private async ValueTask<Message> ReceiveAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            using var assembled = new MemoryStream();
            while (true)
            {
                ValueWebSocketReceiveResult received;
                try
                {
                    received = await socket.ReceiveAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }
                catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException)
                {
                    return Message.Lost($"The event stream dropped ({e.GetType().Name}).");
                }

                if (received.MessageType == WebSocketMessageType.Close)
                {
                    var description = socket.CloseStatusDescription is { Length: > 0 } d ? $": {d}" : "";
                    return Message.Lost($"Vault closed the event stream ({socket.CloseStatus}{description}).");
                }

                assembled.Write(buffer, 0, received.Count);
                if (assembled.Length > MaxMessageBytes)
                {
                    return Message.Lost("An event message exceeded 1 MiB; reconnecting.");
                }

                if (received.EndOfMessage)
                {
                    return new Message(assembled.ToArray(), null);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private readonly record struct Message(byte[]? Payload, string? Closed)
    {
        public static Message Lost(string reason) => new(null, reason);
    }

    private readonly record struct ConnectAttempt(ClientWebSocket? Socket, string? Reason, bool Unsupported, string Result)
    {
        public static ConnectAttempt Open(ClientWebSocket socket) => new(socket, null, false, "ok");

        public static ConnectAttempt Failed(string reason, string result) => new(null, reason, false, result);

        public static ConnectAttempt NotSupported(string reason) => new(null, reason, true, "unavailable");
    }
}
