using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Polly;
using SecretSync.Core.Resilience;
using SecretSync.Kubernetes.Errors;
using SecretSync.Kubernetes.Models;

namespace SecretSync.Kubernetes.Client;

/// <summary>One API call, described so it can be sent again on a retry.</summary>
/// <param name="Method">The HTTP method.</param>
/// <param name="PathAndQuery">The path below the server URL, with its query.</param>
/// <param name="Verb">The Kubernetes verb for metrics and messages: get, list, watch, create, update, patch, delete.</param>
/// <param name="Body">The serialized body, if any.</param>
/// <param name="ContentType">The body's content type.</param>
/// <param name="Sensitive">Strings that must never appear in an exception message (values of a Secret being written).</param>
internal sealed record ApiRequest(
    HttpMethod Method,
    string PathAndQuery,
    string Verb,
    byte[]? Body = null,
    string? ContentType = null,
    IReadOnlyCollection<string>? Sensitive = null);

/// <summary>Sends API calls: rate limit, bearer token, Retry-After retries (a Polly pipeline on the client clock), metrics and Status error mapping.</summary>
internal sealed class ApiTransport : IDisposable
{
    private readonly HttpClient _http;
    private readonly Uri _server;
    private readonly BearerTokenSource _tokens;
    private readonly TokenBucket? _limiter;
    private readonly KubernetesClientOptions _options;
    private readonly KubernetesMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ResiliencePipeline _retries;

    public ApiTransport(HttpMessageHandler handler, Uri server, BearerTokenSource tokens, KubernetesClientOptions options, TimeProvider time)
    {
        _http = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        _server = server;
        _tokens = tokens;
        _options = options;
        _time = time;
        _limiter = options.DisableRateLimiter ? null : new TokenBucket(options.Qps, options.Burst, time);
        _metrics = new KubernetesMetrics(options.MeterFactory);
        _retries = Retries(options, time);
    }

    private ApiTransport(ApiTransport shared)
    {
        _http = shared._http;
        _server = shared._server;
        _tokens = shared._tokens;
        _options = shared._options;
        _time = shared._time;
        _metrics = shared._metrics;
        _retries = shared._retries;
    }

    /// <summary>The same connection, credentials and metrics without the rate limit; disposing the original disposes both.</summary>
    public ApiTransport Unlimited() => new(this);

    internal TokenBucket? Limiter => _limiter;

    public TimeProvider Time => _time;

    /// <summary>Sends a request and deserializes the successful answer.</summary>
    public async Task<T> SendAsync<T>(ApiRequest request, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                return await JsonSerializer.DeserializeAsync(stream, type, timeout.Token).ConfigureAwait(false)
                    ?? throw new JsonException($"{request.Verb} {Path(request)}: the server answered with an empty body.");
            }
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw TimedOut(request, e);
        }
    }

    /// <summary>Sends a request whose answer body is not needed.</summary>
    public async Task SendAndDiscardAsync(ApiRequest request, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a request and returns the successful response with its body unread (for watches).</summary>
    /// <remarks><see cref="KubernetesClientOptions.RequestTimeout"/> bounds each attempt until its response headers arrive;
    /// waits between retries are not counted.</remarks>
    /// <exception cref="KubernetesApiException">The server answered with an error, after any retries.</exception>
    /// <exception cref="TimeoutException">An attempt got no response headers in time.</exception>
    public async Task<HttpResponseMessage> SendAsync(ApiRequest request, CancellationToken cancellationToken)
    {
        var reauthentication = new Reauthentication();
        return await _retries.ExecuteAsync(
            (state, ct) => AttemptAsync(state.request, state.reauthentication, ct), (request, reauthentication), cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<HttpResponseMessage> AttemptAsync(ApiRequest request, Reauthentication reauthentication, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_limiter is not null)
            {
                await _limiter.AcquireAsync(cancellationToken).ConfigureAwait(false);
            }

            var token = _tokens.Current();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.RequestTimeout);
            HttpResponseMessage response;
            using (var message = Build(request, token))
            {
                try
                {
                    response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
                {
                    _metrics.Request(request.Verb, null);
                    throw TimedOut(request, e);
                }
                catch
                {
                    _metrics.Request(request.Verb, null);
                    throw;
                }
            }

            _metrics.Request(request.Verb, (int)response.StatusCode);
            if (response.IsSuccessStatusCode)
            {
                return response;
            }

            using (response)
            {
                if (response.StatusCode == HttpStatusCode.Unauthorized && !reauthentication.Done && _tokens.RefreshAfterUnauthorized(token))
                {
                    // The token file changed under us (rotation): send once more with the new token, at once and not as a retry.
                    reauthentication.Done = true;
                    continue;
                }

                var status = await ReadStatusAsync(response, timeout.Token).ConfigureAwait(false);
                throw Failure(request, status, RetryAfter(response, status));
            }
        }
    }

    // 429, and 5xx that say when to come back, mean the request was not acted on (kubernetes.md §8).
    private static bool IsRetryable(Exception error) =>
        error is KubernetesApiException { StatusCode: var code } api && ((int)code == 429 || ((int)code >= 500 && api.RetryAfter is not null));

    private static ResiliencePipeline Retries(KubernetesClientOptions options, TimeProvider time)
    {
        var cap = options.MaxRetryAfter;
        // A 429 without Retry-After: 1 s, 2 s, 4 s ... up to 30 s; a server's Retry-After wins. Every wait is capped at MaxRetryAfter.
        var backoff = new Backoff(Shorter(TimeSpan.FromSeconds(1), cap), Shorter(TimeSpan.FromSeconds(30), cap));
        return backoff.BuildPipeline(
            time, IsRetryable, maxRetries: options.MaxRetries,
            requestedWait: e => (e as KubernetesApiException)?.RetryAfter is { } wait ? Shorter(wait, cap) : null);
    }

    private static TimeSpan Shorter(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>Whether this call already sent again after a 401 with a refreshed token; that happens once per call.</summary>
    private sealed class Reauthentication
    {
        public bool Done { get; set; }
    }

    /// <summary>Builds the exception for a Status the server sent outside an HTTP error (a watch ERROR event).</summary>
    public static KubernetesApiException Failure(ApiRequest request, Status status, TimeSpan? retryAfter = null)
    {
        var text = $"{request.Verb} {Path(request)} failed: {status.Code} {status.Reason}: {status.Message}";
        if (request.Sensitive is { Count: > 0 } sensitive)
        {
            foreach (var value in sensitive.OrderByDescending(v => v.Length))
            {
                text = text.Replace(value, "[redacted]", StringComparison.Ordinal);
            }
        }

        return new KubernetesApiException(status, text) { RetryAfter = retryAfter };
    }

    public void Dispose() => _http.Dispose();

    private TimeoutException TimedOut(ApiRequest request, Exception inner) =>
        new($"{request.Verb} {Path(request)}: no answer within {_options.RequestTimeout.TotalSeconds:0.#} s.", inner);

    private static string Path(ApiRequest request)
    {
        var query = request.PathAndQuery.IndexOf('?', StringComparison.Ordinal);
        return query < 0 ? request.PathAndQuery : request.PathAndQuery[..query];
    }

    private HttpRequestMessage Build(ApiRequest request, string? token)
    {
        var message = new HttpRequestMessage(request.Method, new Uri(_server, request.PathAndQuery));
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        message.Headers.UserAgent.ParseAdd(_options.UserAgent);
        if (token is not null)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (request.Body is not null)
        {
            message.Content = new ByteArrayContent(request.Body);
            message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(request.ContentType ?? "application/json");
        }

        return message;
    }

    private static async Task<Status> ReadStatusAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var code = (int)response.StatusCode;
        try
        {
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            if (body.Length > 0 && JsonSerializer.Deserialize(body, KubernetesJsonContext.Default.Status) is { Kind: "Status" } status)
            {
                status.Code ??= code;
                return status;
            }
        }
        catch (JsonException)
        {
            // Not a Status (a proxy's HTML page, say): fall back to the HTTP status line. The body is never quoted,
            // since it could echo what was sent.
        }
        catch (HttpRequestException)
        {
            // The error body could not be read; the status line still says what happened.
        }

        return new Status
        {
            Kind = "Status",
            Outcome = "Failure",
            Code = code,
            Reason = response.StatusCode.ToString(),
            Message = response.ReasonPhrase ?? response.StatusCode.ToString(),
        };
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response, Status status)
    {
        if (response.Headers.RetryAfter is { } header)
        {
            if (header.Delta is { } delta)
            {
                return delta;
            }

            if (header.Date is { } date)
            {
                var wait = date - _time.GetUtcNow();
                return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
            }
        }

        if (status.Details?.RetryAfterSeconds is { } seconds and > 0)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        return null;
    }

    internal static string Encode(string value) => Uri.EscapeDataString(value);

    internal static string Query(params (string Name, string? Value)[] parameters)
    {
        var builder = new StringBuilder();
        foreach (var (name, value) in parameters)
        {
            if (value is null)
            {
                continue;
            }

            builder.Append(builder.Length == 0 ? '?' : '&').Append(name).Append('=').Append(Encode(value));
        }

        return builder.ToString();
    }

    internal static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
