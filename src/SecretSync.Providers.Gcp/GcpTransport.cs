using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using SecretSync.Providers.Common;

namespace SecretSync.Providers.Gcp;

/// <summary>Sends authenticated requests to the Secret Manager REST API through a resilience pipeline.</summary>
/// <remarks>
/// Reads go through: total timeout (2x the per-request timeout) → retry (2 retries, jittered exponential back-off,
/// Retry-After honoured when short) → circuit breaker → per-request timeout. Each attempt asks the token source
/// again, so a refreshed token is used on retry. Writes retry only answers that prove nothing was applied (429,
/// refused connection): <c>addVersion</c> is not idempotent.
/// </remarks>
internal sealed class GcpTransport : ProviderTransport<ProviderReply>
{
    private const int MaxResponseBytes = 16 * 1024 * 1024;

    private readonly GcpOptions _options;
    private readonly IGcpTokenSource _tokens;
    private readonly ILogger _logger;
    private readonly string _provider;

    public GcpTransport(string provider, GcpOptions options, IGcpTokenSource tokens, TimeProvider time, ILogger logger)
        : base(new ProviderTransportOptions
        {
            Name = "gcp",
            Authority = "Secret Manager",
            Endpoint = options.Endpoint,
            TlsSettings = "tls.caFile",
            Timeout = options.Timeout,
            MaxRetries = options.MaxRetries,
            Time = time,
            Ssl = CustomCaTrust.ClientOptions(options.CaFile, options.Endpoint.IdnHost, (path, reason) => GcpLog.CaFileUnusable(logger, path, reason)),
            MaxResponseBytes = MaxResponseBytes,
        })
    {
        _provider = provider;
        _options = options;
        _tokens = tokens;
        _logger = logger;
    }

    /// <summary>Sends one request to <c>{endpoint}/v1/{relative}</c>; a token failure is returned without any request.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public ValueTask<ProviderCall<ProviderReply>> SendAsync(HttpMethod method, string relative, byte[]? jsonBody, bool idempotent, CancellationToken cancellationToken)
    {
        var uri = new Uri(_options.Endpoint, "v1/" + relative);
        return SendAsync(
            async ct =>
            {
                var token = await _tokens.GetAsync(ct).ConfigureAwait(false);
                if (token.Failure is { } failure)
                {
                    throw NotSent(failure);
                }

                var request = new HttpRequestMessage(method, uri);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                request.Content = JsonContent(jsonBody);
                return request;
            },
            idempotent,
            Route(method, relative),
            cancellationToken);
    }

    protected override ProviderReply ReplyOf(HttpResponseMessage response, byte[] body) => ProviderReply.Of(response, body, Time);

    protected override bool ShouldRetry(ProviderReply reply, bool idempotent) => reply.Status is 500 or 502 or 503 or 504 && idempotent;

    protected override void OnRetry(bool idempotent, int attempt, string reason, TimeSpan delay) =>
        GcpLog.Retrying(_logger, _provider, idempotent ? "read" : "write", attempt, reason, delay);
}
