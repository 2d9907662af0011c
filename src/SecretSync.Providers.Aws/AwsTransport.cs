using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;
using SecretSync.Core.Providers;
using SecretSync.Providers.Common;

namespace SecretSync.Providers.Aws;

/// <summary>One answer from Secrets Manager, read in full. <see cref="Body"/> may hold secret values: never log it.</summary>
/// <param name="Status">HTTP status.</param>
/// <param name="Body">The response body.</param>
/// <param name="ErrorCode">The error code for non-2xx answers: <c>__type</c> or <c>x-amzn-ErrorType</c>, namespace stripped.</param>
/// <param name="ErrorMessage">The error's <c>message</c>/<c>Message</c>; AWS puts no values in it.</param>
/// <param name="RetryAfter">The <c>Retry-After</c> header, when sent.</param>
internal readonly record struct AwsReply(int Status, byte[] Body, string? ErrorCode, string? ErrorMessage, TimeSpan? RetryAfter)
{
    public bool IsSuccess => Status is >= 200 and < 300;

    public override string ToString() => $"AwsReply({Status}{(ErrorCode is null ? "" : " " + ErrorCode)})";
}

/// <summary>Either Secrets Manager's answer or a failure to get one (credentials, timeout, connection, TLS, open circuit).</summary>
internal readonly record struct AwsCall(AwsReply? Reply, ProviderFailure? Failure)
{
    public static AwsCall Of(AwsReply reply) => new(reply, null);

    public static AwsCall Fail(ProviderFailure failure) => new(null, failure);
}

/// <summary>Sends signed JSON 1.1 requests (<c>POST /</c>, <c>X-Amz-Target: secretsmanager.&lt;Op&gt;</c>) through a resilience pipeline.</summary>
/// <remarks>
/// Pipeline: total timeout (2x the per-request timeout) → retry (2 retries, jittered exponential back-off, a short
/// Retry-After honoured) → circuit breaker → per-request timeout. Every operation used is safe to repeat: reads
/// are idempotent and writes carry a <c>ClientRequestToken</c> that makes a retry a no-op (aws-secrets-manager.md §3).
/// Each attempt is signed afresh, so a retry never reuses a stale <c>X-Amz-Date</c>.
/// </remarks>
internal sealed class AwsTransport : IDisposable
{
    /// <summary>How many times a call is retried after its first attempt.</summary>
    public const int MaxRetries = ProviderPipeline.MaxRetries;

    /// <summary>The longest Retry-After honoured inside one call; longer ones return <see cref="FailureKind.Throttled"/> at once.</summary>
    public static readonly TimeSpan MaxHonouredRetryAfter = TimeSpan.FromSeconds(5);

    private const int MaxResponseBytes = 64 * 1024 * 1024;
    private const string JsonContentType = "application/x-amz-json-1.1";

    private static readonly string[] ThrottlingCodes = ["ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded", "RequestThrottled"];

    private readonly string _provider;
    private readonly AwsOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ProviderMetrics _metrics;
    private readonly AwsCredentialSource _credentials;
    private readonly SocketsHttpHandler _handler;
    private readonly HttpClient _http;
    private readonly ResiliencePipeline<AwsReply> _pipeline;
    private readonly string _host;

    public AwsTransport(string provider, AwsOptions options, TimeProvider time, ILogger logger, ProviderMetrics metrics)
    {
        _provider = provider;
        _options = options;
        _time = time;
        _logger = logger;
        _metrics = metrics;
        _credentials = new AwsCredentialSource(options);
        var ssl = CustomCaTrust.ClientOptions(options.CaFile, options.Endpoint.IdnHost, (path, reason) => AwsLog.CaFileUnusable(logger, path, reason));
        _handler = ProviderHttp.CreateHandler(options.Timeout, ssl);
        _http = ProviderHttp.CreateClient(_handler, MaxResponseBytes);
        _host = options.Endpoint.IsDefaultPort ? options.Endpoint.IdnHost : $"{options.Endpoint.IdnHost}:{options.Endpoint.Port}";
        _pipeline = Build();
    }

    /// <summary>Sends one operation; retries, timeouts and signing happen here.</summary>
    /// <param name="operation">The Secrets Manager operation, e.g. <c>GetSecretValue</c>.</param>
    /// <param name="body">The JSON request body.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async ValueTask<AwsCall> SendAsync(string operation, byte[] body, CancellationToken cancellationToken)
    {
        var call = await SendCoreAsync(operation, body, cancellationToken).ConfigureAwait(false);
        _metrics.Record(_provider, operation, call switch
        {
            { Failure: { } failure } => ProviderMetrics.ResultOf(failure),
            { Reply.IsSuccess: true } => "ok",
            { Reply: { } reply } when AwsOutcomes.AbsenceOf(reply.ErrorCode, reply.ErrorMessage) is not null => "absent",
            { Reply: { } reply } => ProviderMetrics.ResultOf(AwsOutcomes.FailureOf(reply, operation)),
            _ => "invalid",
        });
        return call;
    }

    public void Dispose()
    {
        _http.Dispose();
        _handler.Dispose();
    }

    /// <summary>True for the codes AWS uses when it wants callers to slow down.</summary>
    public static bool IsThrottling(string? code, int status) =>
        status == 429 || (code is not null && ThrottlingCodes.Contains(code, StringComparer.Ordinal));

    /// <summary>Takes the code out of <c>__type</c> or <c>x-amzn-ErrorType</c>: everything up to <c>#</c> and after <c>:</c> goes (§1 Errors).</summary>
    public static string? NormalizeCode(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }

        var code = raw.Trim();
        var hash = code.LastIndexOf('#');
        if (hash >= 0)
        {
            code = code[(hash + 1)..];
        }

        var colon = code.IndexOf(':', StringComparison.Ordinal);
        return colon >= 0 ? code[..colon] : code;
    }

    private async ValueTask<AwsCall> SendCoreAsync(string operation, byte[] body, CancellationToken cancellationToken)
    {
        var (keys, credentialFailure) = await _credentials.GetAsync(cancellationToken).ConfigureAwait(false);
        if (credentialFailure is not null)
        {
            return AwsCall.Fail(credentialFailure);
        }

        var payloadHash = SigV4.PayloadHash(body);
        try
        {
            var reply = await _pipeline.ExecuteAsync(
                async ct =>
                {
                    using var request = Sign(operation, body, payloadHash, keys!);
                    using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
                    var content = await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
                    return ReplyOf(response, content);
                },
                cancellationToken).ConfigureAwait(false);
            return AwsCall.Of(reply);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (TimeoutRejectedException)
        {
            return AwsCall.Fail(new ProviderFailure(FailureKind.Unavailable, $"Secrets Manager did not answer {operation} within {DurationText.Format(_options.Timeout)}."));
        }
        catch (BrokenCircuitException e)
        {
            return AwsCall.Fail(new ProviderFailure(FailureKind.Unavailable, "Calls to Secrets Manager are paused after repeated failures (circuit open).", e.RetryAfter));
        }
        catch (HttpRequestException e)
        {
            return AwsCall.Fail(new ProviderFailure(FailureKind.Unavailable, Describe(e)));
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            return AwsCall.Fail(new ProviderFailure(FailureKind.Unavailable, $"The connection to Secrets Manager failed ({e.GetType().Name})."));
        }
    }

    private HttpRequestMessage Sign(string operation, byte[] body, string payloadHash, AwsKeys keys)
    {
        var amzDate = SigV4.AmzDate(_time.GetUtcNow());
        var target = $"secretsmanager.{operation}";
        var headers = new List<KeyValuePair<string, string>>
        {
            new("content-type", JsonContentType),
            new("host", _host),
            new("x-amz-date", amzDate),
            new("x-amz-target", target),
        };
        if (keys.SessionToken is { } token)
        {
            headers.Add(new("x-amz-security-token", token));
        }

        var signed = SigV4.Sign("POST", Uri.UnescapeDataString(_options.Endpoint.AbsolutePath), [], headers, payloadHash,
            keys.AccessKeyId, keys.SecretAccessKey, _options.Region, AwsOptions.Service, amzDate);
        var request = new HttpRequestMessage(HttpMethod.Post, _options.Endpoint) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(JsonContentType);
        request.Headers.Host = _host;
        request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        if (keys.SessionToken is { } sessionToken)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Security-Token", sessionToken);
        }

        request.Headers.TryAddWithoutValidation("Authorization", signed.Authorization);
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("secretsync", "1.0"));
        return request;
    }

    private AwsReply ReplyOf(HttpResponseMessage response, byte[] content)
    {
        var status = (int)response.StatusCode;
        var retryAfter = RetryAfter.Of(response, _time);
        if (status is >= 200 and < 300)
        {
            return new AwsReply(status, content, null, null, retryAfter);
        }

        string? code = null;
        string? message = null;
        try
        {
            using var doc = JsonDocument.Parse(content);
            if (doc.RootElement.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in doc.RootElement.EnumerateObject())
                {
                    if (property.Value.ValueKind != JsonValueKind.String)
                    {
                        continue;
                    }

                    if (property.NameEquals("__type") || (code is null && property.Name.Equals("code", StringComparison.OrdinalIgnoreCase)))
                    {
                        code = property.Value.GetString();
                    }
                    else if (property.Name.Equals("message", StringComparison.OrdinalIgnoreCase))
                    {
                        message = property.Value.GetString();
                    }
                }
            }
        }
        catch (JsonException)
        {
            // A proxy's HTML error page: the status alone classifies it.
        }

        if (code is null && response.Headers.TryGetValues("x-amzn-ErrorType", out var types))
        {
            code = types.FirstOrDefault();
        }

        Array.Clear(content);
        return new AwsReply(status, [], NormalizeCode(code), message is { Length: > 300 } ? message[..300] : message, retryAfter);
    }

    private ResiliencePipeline<AwsReply> Build() => ProviderPipeline.Build(new ProviderPipelineOptions<AwsReply>
    {
        Name = "aws",
        Timeout = _options.Timeout,
        Time = _time,
        ShouldRetry = ShouldRetry,
        RetryAfter = static outcome => outcome.Result is { RetryAfter: { } retryAfter } reply && IsThrottling(reply.ErrorCode, reply.Status) ? retryAfter : null,
        OnRetry = (outcome, attempt, delay) => AwsLog.Retrying(
            _logger, _provider, attempt, outcome.Exception?.GetType().Name ?? outcome.Result.ErrorCode ?? $"status {outcome.Result.Status}", delay),
        IsOutage = IsOutage,
    });

    private static bool ShouldRetry(Outcome<AwsReply> outcome)
    {
        if (outcome.Exception is { } exception)
        {
            return exception switch
            {
                // A certificate problem does not heal by retrying.
                HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError } => false,
                HttpRequestException or IOException or TimeoutRejectedException => true,
                _ => false,
            };
        }

        var reply = outcome.Result;
        if (IsThrottling(reply.ErrorCode, reply.Status))
        {
            return reply.RetryAfter is not { } wait || wait <= MaxHonouredRetryAfter;
        }

        return reply.Status >= 500;
    }

    private static bool IsOutage(Outcome<AwsReply> outcome) =>
        outcome.Exception is HttpRequestException or IOException or TimeoutRejectedException ||
        (outcome.Exception is null && outcome.Result.Status >= 500);

    private string Describe(HttpRequestException e) => e.HttpRequestError switch
    {
        HttpRequestError.SecureConnectionError =>
            $"TLS with Secrets Manager at {_options.Endpoint.Authority} failed: the certificate is not trusted or does not match (check tls.caFile).",
        HttpRequestError.ConnectionError => $"Cannot connect to Secrets Manager at {_options.Endpoint.Authority}.",
        HttpRequestError.NameResolutionError => $"Cannot resolve Secrets Manager's host {_options.Endpoint.Host}.",
        _ => $"HTTP error talking to Secrets Manager at {_options.Endpoint.Authority} ({e.HttpRequestError}).",
    };
}
