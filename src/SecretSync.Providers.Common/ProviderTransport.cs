using System.Net.Http.Headers;
using System.Net.Security;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;
using SecretSync.Core.Configuration;
using SecretSync.Core.Providers;

namespace SecretSync.Providers.Common;

/// <summary>What a transport reads from every answer to decide on retries.</summary>
public interface IProviderReply
{
    /// <summary>The HTTP status.</summary>
    int Status { get; }

    /// <summary>The <c>Retry-After</c> header as a wait, when sent.</summary>
    TimeSpan? RetryAfter { get; }
}

/// <summary>One HTTP answer, read in full. <see cref="Body"/> may hold secret values: never log it.</summary>
/// <param name="Status">The HTTP status.</param>
/// <param name="Body">The response body.</param>
/// <param name="RetryAfter">The <c>Retry-After</c> header as a wait, when sent.</param>
public readonly record struct ProviderReply(int Status, byte[] Body, TimeSpan? RetryAfter) : IProviderReply
{
    /// <summary>The reply to <paramref name="response"/>, whose body was read as <paramref name="body"/>.</summary>
    /// <param name="response">The response.</param>
    /// <param name="body">Its body.</param>
    /// <param name="time">The clock that turns a <c>Retry-After</c> date into a wait.</param>
    /// <returns>The reply.</returns>
    public static ProviderReply Of(HttpResponseMessage response, byte[] body, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(response);
        return new((int)response.StatusCode, body, Common.RetryAfter.Of(response, time));
    }
}

/// <summary>Either the authority's answer or a failure to get one (no credentials, timeout, connection, TLS, open circuit).</summary>
/// <typeparam name="TReply">The adapter's reply.</typeparam>
/// <param name="Reply">The answer, when one came.</param>
/// <param name="Failure">Why none came.</param>
public readonly record struct ProviderCall<TReply>(TReply? Reply, ProviderFailure? Failure)
    where TReply : struct
{
    /// <summary>An answered call.</summary>
    /// <param name="reply">The answer.</param>
    /// <returns>The call.</returns>
    public static ProviderCall<TReply> Of(TReply reply) => new(reply, null);

    /// <summary>A call that got no answer.</summary>
    /// <param name="failure">Why.</param>
    /// <returns>The call.</returns>
    public static ProviderCall<TReply> Fail(ProviderFailure failure) => new(null, failure);
}

/// <summary>Where and how a <see cref="ProviderTransport{TReply}"/> connects.</summary>
public sealed class ProviderTransportOptions
{
    /// <summary>The prefix of the pipeline's strategy names, e.g. <c>vault</c>.</summary>
    public required string Name { get; init; }

    /// <summary>The authority as named in failures, e.g. <c>Secret Manager</c>.</summary>
    public required string Authority { get; init; }

    /// <summary>The authority's address; failures name its authority part.</summary>
    public required Uri Endpoint { get; init; }

    /// <summary>The settings a TLS failure points at, e.g. <c>tls.caFile</c>.</summary>
    public required string TlsSettings { get; init; }

    /// <summary>The per-attempt timeout (and connect timeout); a whole call gets twice as long.</summary>
    public required TimeSpan Timeout { get; init; }

    /// <summary>How many times a call is retried after its first attempt, within the call's time; 0 sends each call once.</summary>
    /// <value>Default <see cref="ProviderPipeline.DefaultMaxRetries"/>.</value>
    public int MaxRetries { get; init; } = ProviderPipeline.DefaultMaxRetries;

    /// <summary>The clock for timeouts, back-off, the circuit breaker and <c>Retry-After</c> dates.</summary>
    public required TimeProvider Time { get; init; }

    /// <summary>The TLS client options.</summary>
    public required SslClientAuthenticationOptions Ssl { get; init; }

    /// <summary>The largest response body read; a longer one fails the attempt.</summary>
    public required int MaxResponseBytes { get; init; }

    /// <summary>How many redirects are followed, each only within <see cref="Endpoint"/>'s origin (scheme, host and port); none by default.</summary>
    /// <remarks>A redirect elsewhere is never followed: it would carry the request's credentials (tokens, login bodies) to another authority.</remarks>
    public int MaxRedirects { get; init; }
}

/// <summary>Sends requests through the <see cref="ProviderPipeline"/> and reads each answer in full, up to a byte cap.</summary>
/// <typeparam name="TReply">The adapter's reply.</typeparam>
/// <remarks>
/// Idempotent calls and writes have separate pipelines; only idempotent ones count towards the circuit breaker. A
/// refused connection or unresolved name is always retried (nothing was sent), a TLS failure never, other transport
/// failures only when idempotent. A throttled answer is retried, after its Retry-After, only when that wait is at most
/// <see cref="MaxRetryAfterInCall"/>; a longer one is returned to the caller.
/// </remarks>
public abstract class ProviderTransport<TReply> : IDisposable
    where TReply : struct, IProviderReply
{
    private readonly ProviderTransportOptions _options;
    private readonly SocketsHttpHandler _handler;
    private readonly HttpClient _http;
    private readonly ResiliencePipeline<TReply> _reads;
    private readonly ResiliencePipeline<TReply> _writes;

    /// <summary>Creates the HTTP handler, client and pipelines.</summary>
    /// <param name="options">Where and how to connect.</param>
    protected ProviderTransport(ProviderTransportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        // Redirects are followed here, not by the handler: its automatic redirects keep custom headers (X-Vault-Token) and,
        // for 307/308, the body, whatever host the Location names.
        _handler = ProviderHttp.CreateHandler(options.Timeout, options.Ssl);
        _http = ProviderHttp.CreateClient(_handler, options.MaxResponseBytes);
        _reads = Build(idempotent: true);
        _writes = Build(idempotent: false);
    }

    /// <summary>The longest Retry-After honoured inside one call: <see cref="ProviderPipeline.MaxHonouredRetryAfter"/>, or the timeout when shorter.</summary>
    protected virtual TimeSpan MaxRetryAfterInCall =>
        _options.Timeout < ProviderPipeline.MaxHonouredRetryAfter ? _options.Timeout : ProviderPipeline.MaxHonouredRetryAfter;

    /// <summary>The clock the transport uses.</summary>
    protected TimeProvider Time => _options.Time;

    /// <summary>The handler, for connections that must share its TLS settings (e.g. a WebSocket).</summary>
    protected HttpMessageHandler HttpHandler => _handler;

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>A request's description for failures and logs: method and path, without the query.</summary>
    /// <param name="method">The method.</param>
    /// <param name="relative">The path, perhaps with a query.</param>
    /// <returns>E.g. <c>GET secret/data/x</c>.</returns>
    protected static string Route(HttpMethod method, string relative)
    {
        ArgumentNullException.ThrowIfNull(relative);
        return $"{method} {relative.Split('?')[0]}";
    }

    /// <summary>A JSON request body, or none.</summary>
    /// <param name="json">The UTF-8 JSON, or <see langword="null"/>.</param>
    /// <returns>The content, or <see langword="null"/>.</returns>
    protected static HttpContent? JsonContent(byte[]? json)
    {
        if (json is null)
        {
            return null;
        }

        var content = new ByteArrayContent(json);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    /// <summary>Ends an attempt without sending it (e.g. no credentials); the call returns <paramref name="failure"/> at once.</summary>
    /// <param name="failure">Why nothing was sent.</param>
    /// <returns>The exception to throw from the request factory.</returns>
    protected static Exception NotSent(ProviderFailure failure) => new NotSentException(failure);

    /// <summary>Sends one call; each attempt builds a fresh request.</summary>
    /// <param name="createRequest">Builds an attempt's request; may throw <see cref="NotSent"/>.</param>
    /// <param name="idempotent">Whether failures that may have applied the request are retried.</param>
    /// <param name="request">The request's description for a timeout failure, never a value.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The answer or the failure to get one.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    protected async ValueTask<ProviderCall<TReply>> SendAsync(
        Func<CancellationToken, ValueTask<HttpRequestMessage>> createRequest, bool idempotent, string request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(createRequest);
        try
        {
            var reply = await (idempotent ? _reads : _writes).ExecuteAsync(
                ct => SendFollowingAsync(createRequest, request, ct),
                cancellationToken).ConfigureAwait(false);
            return ProviderCall<TReply>.Of(reply);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (NotSentException e)
        {
            return ProviderCall<TReply>.Fail(e.Failure);
        }
        catch (TimeoutRejectedException)
        {
            return ProviderCall<TReply>.Fail(new ProviderFailure(FailureKind.Unavailable, TimedOut(request, Duration.Format(_options.Timeout))));
        }
        catch (BrokenCircuitException e)
        {
            return ProviderCall<TReply>.Fail(new ProviderFailure(FailureKind.Unavailable,
                $"Calls to {_options.Authority} are paused after repeated failures (circuit open).", e.RetryAfter));
        }
        catch (HttpRequestException e)
        {
            return ProviderCall<TReply>.Fail(new ProviderFailure(FailureKind.Unavailable, Describe(e)));
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            return ProviderCall<TReply>.Fail(new ProviderFailure(FailureKind.Unavailable, $"The connection to {_options.Authority} failed ({e.GetType().Name})."));
        }
    }

    /// <summary>Whether <paramref name="target"/> has the configured endpoint's scheme, host and port.</summary>
    /// <param name="target">An absolute address.</param>
    /// <returns>True when a request there stays with the configured authority.</returns>
    protected bool IsSameOrigin(Uri target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var endpoint = _options.Endpoint;
        return target.IsAbsoluteUri &&
            string.Equals(target.Scheme, endpoint.Scheme, StringComparison.OrdinalIgnoreCase) &&
            string.Equals(target.IdnHost, endpoint.IdnHost, StringComparison.OrdinalIgnoreCase) &&
            target.Port == endpoint.Port;
    }

    /// <summary>The reply to <paramref name="response"/>, whose body was read in full as <paramref name="body"/>.</summary>
    /// <param name="response">The response.</param>
    /// <param name="body">Its body.</param>
    /// <returns>The reply.</returns>
    protected abstract TReply ReplyOf(HttpResponseMessage response, byte[] body);

    /// <summary>Whether an answer that is not throttled is retried.</summary>
    /// <param name="reply">The answer.</param>
    /// <param name="idempotent">Whether the call is idempotent.</param>
    /// <returns>True to retry.</returns>
    protected abstract bool ShouldRetry(TReply reply, bool idempotent);

    /// <summary>Logs a retry.</summary>
    /// <param name="idempotent">Whether the call is idempotent.</param>
    /// <param name="attempt">The retry's number, 1 for the first.</param>
    /// <param name="reason">The exception type or answer that caused it.</param>
    /// <param name="delay">The wait before it.</param>
    protected abstract void OnRetry(bool idempotent, int attempt, string reason, TimeSpan delay);

    /// <summary>Whether the authority asks callers to slow down; by default a 429.</summary>
    /// <param name="reply">The answer.</param>
    /// <returns>True when throttled.</returns>
    protected virtual bool IsThrottled(TReply reply) => reply.Status == 429;

    /// <summary>Whether an idempotent answer counts as an outage for the circuit breaker; by default 500, 502, 503 and 504.</summary>
    /// <param name="reply">The answer.</param>
    /// <returns>True for an outage.</returns>
    protected virtual bool IsOutage(TReply reply) => reply.Status is 500 or 502 or 503 or 504;

    /// <summary>An answer's reason in a retry log line; by default its status.</summary>
    /// <param name="reply">The answer.</param>
    /// <returns>The reason.</returns>
    protected virtual string RetryReason(TReply reply) => $"status {reply.Status}";

    /// <summary>The failure text when an attempt timed out.</summary>
    /// <param name="request">The request's description.</param>
    /// <param name="timeout">The timeout, formatted.</param>
    /// <returns>The text.</returns>
    protected virtual string TimedOut(string request, string timeout) => $"{_options.Authority} did not answer within {timeout} ({request}).";

    /// <summary>The failure text for an HTTP-level error, naming the authority's address and never a value.</summary>
    /// <param name="e">The error.</param>
    /// <returns>The text.</returns>
    protected virtual string Describe(HttpRequestException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var endpoint = _options.Endpoint;
        return e.HttpRequestError switch
        {
            HttpRequestError.SecureConnectionError =>
                $"TLS with {_options.Authority} at {endpoint.Authority} failed: the certificate is not trusted or does not match (check {_options.TlsSettings}).",
            HttpRequestError.ConnectionError => $"Cannot connect to {_options.Authority} at {endpoint.Authority}.",
            HttpRequestError.NameResolutionError => $"Cannot resolve {_options.Authority}'s host {endpoint.Host}.",
            _ => $"HTTP error talking to {_options.Authority} at {endpoint.Authority} ({e.HttpRequestError}).",
        };
    }

    /// <summary>Disposes the client and handler.</summary>
    /// <param name="disposing">True from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _http.Dispose();
            _handler.Dispose();
        }
    }

    /// <summary>One attempt: sends the request and follows up to <see cref="ProviderTransportOptions.MaxRedirects"/> redirects within the origin.</summary>
    /// <remarks>
    /// A 307 or 308 is re-sent with its method and body, a 301, 302 or 303 only for a GET or HEAD; any other redirect is the
    /// answer. A redirect to another origin ends the attempt with a failure before anything is sent there.
    /// </remarks>
    private async ValueTask<TReply> SendFollowingAsync(Func<CancellationToken, ValueTask<HttpRequestMessage>> createRequest, string request, CancellationToken ct)
    {
        Uri? redirected = null;
        for (var hop = 0; ; hop++)
        {
            using var message = await createRequest(ct).ConfigureAwait(false);
            if (redirected is not null)
            {
                message.RequestUri = redirected;
            }

            using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
            if (hop < _options.MaxRedirects && RedirectTarget(message, response) is { } next)
            {
                if (!IsSameOrigin(next))
                {
                    throw new NotSentException(new ProviderFailure(FailureKind.Unavailable,
                        $"{_options.Authority} at {_options.Endpoint.Authority} redirected {request} to {next.Scheme}://{next.Authority}, another origin; " +
                        "redirects are followed only within the configured address, so nothing was sent there."));
                }

                redirected = next;
                continue;
            }

            var body = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
            return ReplyOf(response, body);
        }
    }

    private static Uri? RedirectTarget(HttpRequestMessage message, HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        var follows = status is 307 or 308 ||
            (status is 301 or 302 or 303 && (message.Method == HttpMethod.Get || message.Method == HttpMethod.Head));
        return follows && response.Headers.Location is { } location
            ? (location.IsAbsoluteUri ? location : new Uri(message.RequestUri!, location))
            : null;
    }

    private ResiliencePipeline<TReply> Build(bool idempotent) => ProviderPipeline.Build(new ProviderPipelineOptions<TReply>
    {
        Name = _options.Name,
        Timeout = _options.Timeout,
        MaxRetries = _options.MaxRetries,
        Time = _options.Time,
        ShouldRetry = outcome => ShouldRetry(outcome, idempotent),
        RetryAfter = outcome => outcome.Exception is null && outcome.Result.RetryAfter is { } wait && IsThrottled(outcome.Result) ? wait : null,
        OnRetry = (outcome, attempt, delay) => OnRetry(idempotent, attempt, outcome.Exception?.GetType().Name ?? RetryReason(outcome.Result), delay),
        IsOutage = idempotent
            ? outcome => outcome.Exception is HttpRequestException or IOException or TimeoutRejectedException ||
                (outcome.Exception is null && IsOutage(outcome.Result))
            : null,
    });

    private bool ShouldRetry(Outcome<TReply> outcome, bool idempotent)
    {
        if (outcome.Exception is { } exception)
        {
            return exception switch
            {
                NotSentException => false,
                // A certificate problem does not heal by retrying.
                HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError } => false,
                HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError } => true,
                HttpRequestException or IOException or TimeoutRejectedException => idempotent,
                _ => false,
            };
        }

        var reply = outcome.Result;
        return IsThrottled(reply)
            ? reply.RetryAfter is not { } wait || wait <= MaxRetryAfterInCall
            : ShouldRetry(reply, idempotent);
    }

    /// <summary>Ends the pipeline for a call that was not sent (or not sent on); the failure travels inside it.</summary>
    private sealed class NotSentException(ProviderFailure failure) : Exception("request not sent")
    {
        public ProviderFailure Failure { get; } = failure;
    }
}
