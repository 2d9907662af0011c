using Microsoft.Extensions.Logging;
using SecretSync.Providers.Common;

namespace SecretSync.Providers.Vault;

/// <summary>Sends requests to Vault's HTTP API through a resilience pipeline.</summary>
/// <remarks>
/// Reads, logins and renewals go through: total timeout (2x the per-request timeout) → retry (2 retries,
/// jittered exponential back-off, Retry-After honoured when short) → circuit breaker → per-request timeout.
/// Writes retry only answers that prove nothing was applied (503 sealed, 429, refused connection), so a
/// retried check-and-set write never reports its own first attempt as a conflict.
/// </remarks>
internal sealed class VaultTransport : ProviderTransport<ProviderReply>
{
    private const int MaxResponseBytes = 32 * 1024 * 1024;

    private readonly VaultOptions _options;
    private readonly ILogger _logger;
    private readonly string _provider;

    public VaultTransport(string provider, VaultOptions options, TimeProvider time, ILogger logger)
        : base(new ProviderTransportOptions
        {
            Name = "vault",
            Authority = "Vault",
            Endpoint = options.Address,
            TlsSettings = "tls.caFile / tls.serverName",
            Timeout = options.Timeout,
            MaxRetries = options.MaxRetries,
            Time = time,
            Ssl = VaultTls.Create(options, logger),
            MaxResponseBytes = MaxResponseBytes,
            // A standby may redirect to the active node (vault.md §5); followed only within the configured origin, so the token and
            // login bodies never reach another host (a standby behind the configured address forwards instead).
            MaxRedirects = 3,
        })
    {
        _provider = provider;
        _options = options;
        _logger = logger;
    }

    /// <summary>The handler, shared with the event WebSocket so it uses the same TLS settings.</summary>
    public HttpMessageHandler Handler => HttpHandler;

    /// <summary>The absolute URI of an API path relative to <c>/v1/</c> (vault.md §1).</summary>
    public Uri ApiUri(string relative) => new(_options.Address, "v1/" + relative);

    /// <summary>Sends one request; retries and timeouts are applied here, authentication is the caller's.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public ValueTask<ProviderCall<ProviderReply>> SendAsync(
        HttpMethod method, string relative, string? token, byte[]? jsonBody, bool idempotent, CancellationToken cancellationToken)
    {
        var uri = ApiUri(relative);
        return SendAsync(
            _ =>
            {
                var request = new HttpRequestMessage(method, uri);
                if (token is not null)
                {
                    request.Headers.TryAddWithoutValidation("X-Vault-Token", token);
                }

                if (_options.Namespace is { } ns)
                {
                    request.Headers.TryAddWithoutValidation("X-Vault-Namespace", ns);
                }

                request.Headers.TryAddWithoutValidation("X-Vault-Request", "true");
                request.Content = JsonContent(jsonBody);
                return ValueTask.FromResult(request);
            },
            idempotent,
            Route(method, relative),
            cancellationToken);
    }

    protected override ProviderReply ReplyOf(HttpResponseMessage response, byte[] body) => ProviderReply.Of(response, body, Time);

    protected override bool ShouldRetry(ProviderReply reply, bool idempotent) => reply.Status switch
    {
        // Sealed/maintenance (503) and eventual consistency (412) prove nothing was applied.
        503 or 412 => true,
        500 or 502 or 504 => idempotent,
        _ => false,
    };

    protected override void OnRetry(bool idempotent, int attempt, string reason, TimeSpan delay) =>
        VaultLog.Retrying(_logger, _provider, idempotent ? "read" : "write", attempt, reason, delay);

    protected override string Describe(HttpRequestException e) =>
        e.HttpRequestError is not (HttpRequestError.SecureConnectionError or HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError)
        && e.InnerException is HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError }
            ? $"TLS with Vault at {_options.Address.Authority} failed."
            : base.Describe(e);
}
