using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using SecretSync.Providers.Common;

namespace SecretSync.Providers.Aws;

/// <summary>One answer from Secrets Manager, read in full. <see cref="Body"/> may hold secret values: never log it.</summary>
/// <param name="Status">HTTP status.</param>
/// <param name="Body">The response body.</param>
/// <param name="ErrorCode">The error code for non-2xx answers: <c>__type</c> or <c>x-amzn-ErrorType</c>, namespace stripped.</param>
/// <param name="ErrorMessage">The error's <c>message</c>/<c>Message</c>; AWS puts no values in it.</param>
/// <param name="RetryAfter">The <c>Retry-After</c> header, when sent.</param>
internal readonly record struct AwsReply(int Status, byte[] Body, string? ErrorCode, string? ErrorMessage, TimeSpan? RetryAfter) : IProviderReply
{
    public bool IsSuccess => Status is >= 200 and < 300;

    public override string ToString() => $"AwsReply({Status}{(ErrorCode is null ? "" : " " + ErrorCode)})";
}

/// <summary>Sends signed JSON 1.1 requests (<c>POST /</c>, <c>X-Amz-Target: secretsmanager.&lt;Op&gt;</c>) through a resilience pipeline.</summary>
/// <remarks>
/// Pipeline: total timeout (2x the per-request timeout) → retry (2 retries, jittered exponential back-off, a short
/// Retry-After honoured) → circuit breaker → per-request timeout. Every operation used is safe to repeat: reads
/// are idempotent and writes carry a <c>ClientRequestToken</c> that makes a retry a no-op (aws-secrets-manager.md §3).
/// Each attempt is signed afresh, so a retry never reuses a stale <c>X-Amz-Date</c>.
/// </remarks>
internal sealed class AwsTransport : ProviderTransport<AwsReply>
{
    private const int MaxResponseBytes = 64 * 1024 * 1024;
    private const string JsonContentType = "application/x-amz-json-1.1";

    private static readonly string[] ThrottlingCodes = ["ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded", "RequestThrottled"];

    private readonly string _provider;
    private readonly AwsOptions _options;
    private readonly ILogger _logger;
    private readonly ProviderMetrics _metrics;
    private readonly AwsCredentials _credentials;
    private readonly string _host;

    public AwsTransport(string provider, AwsOptions options, TimeProvider time, ILogger logger, ProviderMetrics metrics)
        : base(new ProviderTransportOptions
        {
            Name = "aws",
            Authority = "Secrets Manager",
            Endpoint = options.Endpoint,
            TlsSettings = "tls.caFile",
            Timeout = options.Timeout,
            MaxRetries = options.MaxRetries,
            Time = time,
            Ssl = CustomCaTrust.ClientOptions(options.CaFile, options.Endpoint.IdnHost, (path, reason) => AwsLog.CaFileUnusable(logger, path, reason)),
            MaxResponseBytes = MaxResponseBytes,
        })
    {
        _provider = provider;
        _options = options;
        _logger = logger;
        _metrics = metrics;
        _credentials = new AwsCredentials(options);
        _host = options.Endpoint.IsDefaultPort ? options.Endpoint.IdnHost : $"{options.Endpoint.IdnHost}:{options.Endpoint.Port}";
    }

    /// <summary>Every Retry-After up to <see cref="ProviderPipeline.MaxHonouredRetryAfter"/> is honoured, whatever the timeout.</summary>
    protected override TimeSpan MaxRetryAfterInCall => ProviderPipeline.MaxHonouredRetryAfter;

    /// <summary>Sends one operation; retries, timeouts and signing happen here.</summary>
    /// <param name="operation">The Secrets Manager operation, e.g. <c>GetSecretValue</c>.</param>
    /// <param name="body">The JSON request body.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async ValueTask<ProviderCall<AwsReply>> SendAsync(string operation, byte[] body, CancellationToken cancellationToken)
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

    private async ValueTask<ProviderCall<AwsReply>> SendCoreAsync(string operation, byte[] body, CancellationToken cancellationToken)
    {
        var (keys, credentialFailure) = await _credentials.GetAsync(cancellationToken).ConfigureAwait(false);
        if (credentialFailure is not null)
        {
            return ProviderCall<AwsReply>.Fail(credentialFailure);
        }

        // Every operation used is safe to repeat (see remarks), so all calls are idempotent.
        var payloadHash = SigV4.PayloadHash(body);
        return await SendAsync(_ => ValueTask.FromResult(Sign(operation, body, payloadHash, keys!)), idempotent: true, operation, cancellationToken)
            .ConfigureAwait(false);
    }

    private HttpRequestMessage Sign(string operation, byte[] body, string payloadHash, AwsKeys keys)
    {
        var amzDate = SigV4.AmzDate(Time.GetUtcNow());
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

    protected override AwsReply ReplyOf(HttpResponseMessage response, byte[] content)
    {
        var status = (int)response.StatusCode;
        var retryAfter = RetryAfter.Of(response, Time);
        if (status is >= 200 and < 300)
        {
            return new AwsReply(status, content, null, null, retryAfter);
        }

        string? code = null;
        string? message = null;
        try
        {
            using var doc = JsonValues.TryParse(content);
            if (doc?.RootElement.ValueKind == JsonValueKind.Object)
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

    protected override bool IsThrottled(AwsReply reply) => IsThrottling(reply.ErrorCode, reply.Status);

    protected override bool ShouldRetry(AwsReply reply, bool idempotent) => reply.Status >= 500;

    protected override bool IsOutage(AwsReply reply) => reply.Status >= 500;

    protected override string RetryReason(AwsReply reply) => reply.ErrorCode ?? base.RetryReason(reply);

    protected override void OnRetry(bool idempotent, int attempt, string reason, TimeSpan delay) => AwsLog.Retrying(_logger, _provider, attempt, reason, delay);

    protected override string TimedOut(string request, string timeout) => $"Secrets Manager did not answer {request} within {timeout}.";
}
