using System.Net.Security;

namespace SecretSync.Providers.Common;

/// <summary>The HTTP handler and client settings the adapters' transports share.</summary>
public static class ProviderHttp
{
    /// <summary>A handler that connects within <paramref name="connectTimeout"/>, recycles pooled connections, follows no redirect and keeps no cookies.</summary>
    /// <param name="connectTimeout">The longest a TCP and TLS connect may take.</param>
    /// <param name="ssl">The TLS client options, e.g. from <see cref="CustomCaTrust.ClientOptions"/>.</param>
    /// <returns>The handler; the caller owns and disposes it.</returns>
    /// <remarks>Pooled connections live at most 5 minutes (1 minute idle), so DNS changes are picked up. The system proxy is used. Automatic
    /// redirects are off: the handler would re-send custom credential headers and 307/308 bodies to whatever host the Location
    /// names; <see cref="ProviderTransport{TReply}"/> follows redirects itself, within the configured origin only.</remarks>
    public static SocketsHttpHandler CreateHandler(TimeSpan connectTimeout, SslClientAuthenticationOptions ssl) => new()
    {
        ConnectTimeout = connectTimeout,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
        SslOptions = ssl,
        AllowAutoRedirect = false,
        UseProxy = true,
        UseCookies = false,
    };

    /// <summary>A client over <paramref name="handler"/> without its own timeout (the resilience pipeline times calls) that reads at most <paramref name="maxResponseBytes"/>.</summary>
    /// <param name="handler">The handler; the client does not dispose it.</param>
    /// <param name="maxResponseBytes">The largest response body buffered.</param>
    /// <returns>The client; the caller disposes it.</returns>
    public static HttpClient CreateClient(HttpMessageHandler handler, int maxResponseBytes) => new(handler, disposeHandler: false)
    {
        Timeout = Timeout.InfiniteTimeSpan,
        MaxResponseContentBufferSize = maxResponseBytes,
    };
}
