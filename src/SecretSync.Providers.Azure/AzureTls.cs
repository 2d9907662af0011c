using Microsoft.Extensions.Logging;
using SecretSync.Providers.Common;

namespace SecretSync.Providers.Azure;

/// <summary>TLS client settings: the system trust store by default, or a custom CA bundle (<c>tls.caFile</c>); never unverified.</summary>
internal static class AzureTls
{
    public static SocketsHttpHandler CreateHandler(AzureOptions options, ILogger logger) => new()
    {
        ConnectTimeout = options.Timeout,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        AutomaticDecompression = System.Net.DecompressionMethods.None,
        SslOptions = CustomCaTrust.ClientOptions(options.CaFile, options.VaultUrl.IdnHost, (path, reason) => AzureLog.CaFileUnusable(logger, path, reason)),
    };
}
