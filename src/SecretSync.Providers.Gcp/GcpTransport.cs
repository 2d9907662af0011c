using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;
using SecretSync.Core.Providers;
using SecretSync.Providers.Common;

namespace SecretSync.Providers.Gcp;

/// <summary>One HTTP answer from Secret Manager, read in full. <see cref="Body"/> may hold secret payloads: never log it.</summary>
internal readonly record struct GcpReply(int Status, byte[] Body, TimeSpan? RetryAfter);

/// <summary>Either Secret Manager's answer or a failure to get one (no token, timeout, connection, TLS, open circuit).</summary>
internal readonly record struct GcpCall(GcpReply? Reply, ProviderFailure? Failure)
{
    public static GcpCall Of(GcpReply reply) => new(reply, null);

    public static GcpCall Fail(ProviderFailure failure) => new(null, failure);
}

/// <summary>Sends authenticated requests to the Secret Manager REST API through a resilience pipeline.</summary>
/// <remarks>
/// Reads go through: total timeout (2x the per-request timeout) → retry (2 retries, jittered exponential back-off,
/// Retry-After honoured when short) → circuit breaker → per-request timeout. Each attempt asks the token source
/// again, so a refreshed token is used on retry. Writes retry only answers that prove nothing was applied (429,
/// refused connection): <c>addVersion</c> is not idempotent.
/// </remarks>
internal sealed class GcpTransport : IDisposable
{
    /// <summary>How many times a call is retried after its first attempt.</summary>
    public const int MaxRetries = ProviderPipeline.MaxRetries;

    /// <summary>The longest Retry-After honoured inside one call; longer ones return <see cref="FailureKind.Throttled"/> at once.</summary>
    public static readonly TimeSpan MaxHonouredRetryAfter = TimeSpan.FromSeconds(5);

    private const int MaxResponseBytes = 16 * 1024 * 1024;

    private readonly GcpOptions _options;
    private readonly IGcpTokenSource _tokens;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _provider;
    private readonly SocketsHttpHandler _handler;
    private readonly HttpClient _http;
    private readonly ResiliencePipeline<GcpReply> _reads;
    private readonly ResiliencePipeline<GcpReply> _writes;

    public GcpTransport(string provider, GcpOptions options, IGcpTokenSource tokens, TimeProvider time, ILogger logger)
    {
        _provider = provider;
        _options = options;
        _tokens = tokens;
        _time = time;
        _logger = logger;
        var ssl = CustomCaTrust.ClientOptions(options.CaFile, options.Endpoint.IdnHost, (path, reason) => GcpLog.CaFileUnusable(logger, path, reason));
        _handler = ProviderHttp.CreateHandler(options.Timeout, ssl);
        _http = ProviderHttp.CreateClient(_handler, MaxResponseBytes);
        _reads = Build(idempotent: true);
        _writes = Build(idempotent: false);
    }

    /// <summary>Sends one request to <c>{endpoint}/v1/{relative}</c>; a token failure is returned without any request.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async ValueTask<GcpCall> SendAsync(HttpMethod method, string relative, byte[]? jsonBody, bool idempotent, CancellationToken cancellationToken)
    {
        var uri = new Uri(_options.Endpoint, "v1/" + relative);
        var pipeline = idempotent ? _reads : _writes;
        ProviderFailure? tokenFailure = null;
        try
        {
            var reply = await pipeline.ExecuteAsync(
                async ct =>
                {
                    var token = await _tokens.GetAsync(ct).ConfigureAwait(false);
                    if (token.Failure is { } failure)
                    {
                        tokenFailure = failure;
                        throw new TokenUnavailableException();
                    }

                    using var request = new HttpRequestMessage(method, uri);
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
                    request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                    if (jsonBody is not null)
                    {
                        request.Content = new ByteArrayContent(jsonBody);
                        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                    }

                    using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
                    var body = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
                    return new GcpReply((int)response.StatusCode, body, RetryAfter.Of(response, _time));
                },
                cancellationToken).ConfigureAwait(false);
            return GcpCall.Of(reply);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (TokenUnavailableException)
        {
            return GcpCall.Fail(tokenFailure!);
        }
        catch (TimeoutRejectedException)
        {
            return GcpCall.Fail(new ProviderFailure(FailureKind.Unavailable, $"Secret Manager did not answer within {DurationText.Format(_options.Timeout)} ({method} {Route(relative)})."));
        }
        catch (BrokenCircuitException e)
        {
            return GcpCall.Fail(new ProviderFailure(FailureKind.Unavailable, "Calls to Secret Manager are paused after repeated failures (circuit open).", e.RetryAfter));
        }
        catch (HttpRequestException e)
        {
            return GcpCall.Fail(new ProviderFailure(FailureKind.Unavailable, Describe(e)));
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            return GcpCall.Fail(new ProviderFailure(FailureKind.Unavailable, $"The connection to Secret Manager failed ({e.GetType().Name})."));
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _handler.Dispose();
    }

    /// <summary>The route for logs: the path without its query.</summary>
    public static string Route(string relative) => relative.Split('?')[0];

    private ResiliencePipeline<GcpReply> Build(bool idempotent) => ProviderPipeline.Build(new ProviderPipelineOptions<GcpReply>
    {
        Name = "gcp",
        Timeout = _options.Timeout,
        Time = _time,
        ShouldRetry = outcome => ShouldRetry(outcome, idempotent),
        RetryAfter = static outcome => outcome.Result is { Status: 429, RetryAfter: { } retryAfter } ? retryAfter : null,
        OnRetry = (outcome, attempt, delay) => GcpLog.Retrying(
            _logger, _provider, idempotent ? "read" : "write", attempt, outcome.Exception?.GetType().Name ?? $"status {outcome.Result.Status}", delay),
        IsOutage = idempotent ? IsOutage : null,
    });

    private bool ShouldRetry(Outcome<GcpReply> outcome, bool idempotent)
    {
        if (outcome.Exception is { } exception)
        {
            return exception switch
            {
                TokenUnavailableException => false,
                // A certificate problem does not heal by retrying.
                HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError } => false,
                HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError } => true,
                HttpRequestException or IOException or TimeoutRejectedException => idempotent,
                _ => false,
            };
        }

        var reply = outcome.Result;
        return reply.Status switch
        {
            // RESOURCE_EXHAUSTED: back off (§3); a long Retry-After is returned to the caller as Throttled instead.
            429 => reply.RetryAfter is not { } wait || wait <= MaxRetryAfterInCall,
            500 or 502 or 503 or 504 => idempotent,
            _ => false,
        };
    }

    private TimeSpan MaxRetryAfterInCall => _options.Timeout < MaxHonouredRetryAfter ? _options.Timeout : MaxHonouredRetryAfter;

    private static bool IsOutage(Outcome<GcpReply> outcome) =>
        outcome.Exception is HttpRequestException or IOException or TimeoutRejectedException ||
        (outcome.Exception is null && outcome.Result.Status is 500 or 502 or 503 or 504);

    private string Describe(HttpRequestException e) => e.HttpRequestError switch
    {
        HttpRequestError.SecureConnectionError =>
            $"TLS with Secret Manager at {_options.Endpoint.Authority} failed: the certificate is not trusted or does not match (check tls.caFile).",
        HttpRequestError.ConnectionError => $"Cannot connect to Secret Manager at {_options.Endpoint.Authority}.",
        HttpRequestError.NameResolutionError => $"Cannot resolve Secret Manager's host {_options.Endpoint.Host}.",
        _ => $"HTTP error talking to Secret Manager at {_options.Endpoint.Authority} ({e.HttpRequestError}).",
    };

    /// <summary>Ends the pipeline when no token is available; the failure itself travels beside it.</summary>
    private sealed class TokenUnavailableException : Exception
    {
        public TokenUnavailableException()
            : base("no access token")
        {
        }
    }
}
