using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;
using SecretSync.Core.Providers;
using SecretSync.Providers.Common;

namespace SecretSync.Providers.Vault;

/// <summary>One HTTP answer from Vault, read in full. <see cref="Body"/> may hold secret values: never log it.</summary>
internal readonly record struct VaultReply(int Status, byte[] Body, TimeSpan? RetryAfter);

/// <summary>Either Vault's answer or a failure to get one (timeout, connection, TLS, open circuit).</summary>
internal readonly record struct VaultCall(VaultReply? Reply, ProviderFailure? Failure)
{
    public static VaultCall Of(VaultReply reply) => new(reply, null);

    public static VaultCall Fail(ProviderFailure failure) => new(null, failure);
}

/// <summary>Sends requests to Vault's HTTP API through a resilience pipeline.</summary>
/// <remarks>
/// Reads, logins and renewals go through: total timeout (2x the per-request timeout) → retry (2 retries,
/// jittered exponential back-off, Retry-After honoured when short) → circuit breaker → per-request timeout.
/// Writes retry only answers that prove nothing was applied (503 sealed, 429, refused connection), so a
/// retried check-and-set write never reports its own first attempt as a conflict.
/// </remarks>
internal sealed class VaultTransport : IDisposable
{
    /// <summary>How many times a call is retried after its first attempt.</summary>
    public const int MaxRetries = ProviderPipeline.MaxRetries;

    /// <summary>The longest Retry-After honoured inside one call; longer ones return <see cref="FailureKind.Throttled"/> at once.</summary>
    public static readonly TimeSpan MaxHonouredRetryAfter = TimeSpan.FromSeconds(5);

    private const int MaxResponseBytes = 32 * 1024 * 1024;

    private readonly VaultOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _provider;
    private readonly SocketsHttpHandler _handler;
    private readonly HttpClient _http;
    private readonly ResiliencePipeline<VaultReply> _reads;
    private readonly ResiliencePipeline<VaultReply> _writes;

    public VaultTransport(string provider, VaultOptions options, TimeProvider time, ILogger logger)
    {
        _provider = provider;
        _options = options;
        _time = time;
        _logger = logger;
        _handler = ProviderHttp.CreateHandler(options.Timeout, VaultTls.Create(options, logger));
        // A standby redirects to the active node (vault.md §5); an https→http downgrade is never followed.
        _handler.AllowAutoRedirect = true;
        _handler.MaxAutomaticRedirections = 3;
        _http = ProviderHttp.CreateClient(_handler, MaxResponseBytes);
        _reads = Build(idempotent: true);
        _writes = Build(idempotent: false);
    }

    /// <summary>The handler, shared with the event WebSocket so it uses the same TLS settings.</summary>
    public HttpMessageHandler Handler => _handler;

    /// <summary>The absolute URI of an API path relative to <c>/v1/</c> (vault.md §1).</summary>
    public Uri ApiUri(string relative) => new(_options.Address, "v1/" + relative);

    /// <summary>Sends one request; retries and timeouts are applied here, authentication is the caller's.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async ValueTask<VaultCall> SendAsync(
        HttpMethod method, string relative, string? token, byte[]? jsonBody, bool idempotent, CancellationToken cancellationToken)
    {
        var uri = ApiUri(relative);
        var pipeline = idempotent ? _reads : _writes;
        try
        {
            var reply = await pipeline.ExecuteAsync(
                async ct =>
                {
                    using var request = new HttpRequestMessage(method, uri);
                    if (token is not null)
                    {
                        request.Headers.TryAddWithoutValidation("X-Vault-Token", token);
                    }

                    if (_options.Namespace is { } ns)
                    {
                        request.Headers.TryAddWithoutValidation("X-Vault-Namespace", ns);
                    }

                    request.Headers.TryAddWithoutValidation("X-Vault-Request", "true");
                    if (jsonBody is not null)
                    {
                        request.Content = new ByteArrayContent(jsonBody);
                        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                    }

                    using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
                    var body = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
                    return new VaultReply((int)response.StatusCode, body, RetryAfter.Of(response, _time));
                },
                cancellationToken).ConfigureAwait(false);
            return VaultCall.Of(reply);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (TimeoutRejectedException)
        {
            return VaultCall.Fail(new ProviderFailure(FailureKind.Unavailable, $"Vault did not answer within {DurationText.Format(_options.Timeout)} ({method} {Route(relative)})."));
        }
        catch (BrokenCircuitException e)
        {
            return VaultCall.Fail(new ProviderFailure(FailureKind.Unavailable,
                "Calls to Vault are paused after repeated failures (circuit open).", e.RetryAfter));
        }
        catch (HttpRequestException e)
        {
            return VaultCall.Fail(new ProviderFailure(FailureKind.Unavailable, Describe(e)));
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            return VaultCall.Fail(new ProviderFailure(FailureKind.Unavailable, $"The connection to Vault failed ({e.GetType().Name})."));
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _handler.Dispose();
    }

    /// <summary>The route for logs: the path without its query.</summary>
    public static string Route(string relative) => relative.Split('?')[0];

    private ResiliencePipeline<VaultReply> Build(bool idempotent) => ProviderPipeline.Build(new ProviderPipelineOptions<VaultReply>
    {
        Name = "vault",
        Timeout = _options.Timeout,
        Time = _time,
        ShouldRetry = outcome => ShouldRetry(outcome, idempotent),
        RetryAfter = static outcome => outcome.Result is { Status: 429, RetryAfter: { } retryAfter } ? retryAfter : null,
        OnRetry = (outcome, attempt, delay) => VaultLog.Retrying(
            _logger, _provider, idempotent ? "read" : "write", attempt, outcome.Exception?.GetType().Name ?? $"status {outcome.Result.Status}", delay),
        IsOutage = idempotent ? IsOutage : null,
    });

    private bool ShouldRetry(Outcome<VaultReply> outcome, bool idempotent)
    {
        if (outcome.Exception is { } exception)
        {
            return exception switch
            {
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
            // Retry-After (vault.md §1: 429 from rate-limit quotas) is honoured in the call when short enough.
            429 => reply.RetryAfter is not { } wait || wait <= MaxRetryAfterInCall,
            // Sealed/maintenance (503) and eventual consistency (412) prove nothing was applied.
            503 or 412 => true,
            500 or 502 or 504 => idempotent,
            _ => false,
        };
    }

    private TimeSpan MaxRetryAfterInCall => _options.Timeout < MaxHonouredRetryAfter ? _options.Timeout : MaxHonouredRetryAfter;

    private static bool IsOutage(Outcome<VaultReply> outcome) =>
        outcome.Exception is HttpRequestException or IOException or TimeoutRejectedException ||
        (outcome.Exception is null && outcome.Result.Status is 500 or 502 or 503 or 504);

    private string Describe(HttpRequestException e) => e.HttpRequestError switch
    {
        HttpRequestError.SecureConnectionError =>
            $"TLS with Vault at {_options.Address.Authority} failed: the certificate is not trusted or does not match (check tls.caFile / tls.serverName).",
        HttpRequestError.ConnectionError => $"Cannot connect to Vault at {_options.Address.Authority}.",
        HttpRequestError.NameResolutionError => $"Cannot resolve Vault's host {_options.Address.Host}.",
        _ when e.InnerException is HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError } =>
            $"TLS with Vault at {_options.Address.Authority} failed.",
        _ => $"HTTP error talking to Vault at {_options.Address.Authority} ({e.HttpRequestError}).",
    };
}
