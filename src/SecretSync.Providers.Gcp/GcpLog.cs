using Microsoft.Extensions.Logging;

namespace SecretSync.Providers.Gcp;

/// <summary>The adapter's log messages. Arguments are secret names, kinds and counts: never a payload or token.</summary>
internal static partial class GcpLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "GCP provider {Provider}: {Operation} of '{Path}' failed: {Failure}")]
    public static partial void CallFailed(ILogger logger, string provider, string operation, string path, string failure);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "GCP provider {Provider}: retrying a {Kind} call (attempt {Attempt}) after {Reason}; waiting {Delay}")]
    public static partial void Retrying(ILogger logger, string provider, string kind, int attempt, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "GCP provider {Provider}: no access token ({Method}): {Failure}")]
    public static partial void TokenFailed(ILogger logger, string provider, string method, string failure);

    [LoggerMessage(EventId = 4, Level = LogLevel.Error, Message = "tls.caFile '{Path}' cannot be used ({Reason}); the endpoint's certificate will not be trusted")]
    public static partial void CaFileUnusable(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "GCP provider {Provider}: payload of {Secret} version {Version} failed its CRC32C check; discarded")]
    public static partial void ChecksumMismatch(ILogger logger, string provider, string secret, string version);
}
