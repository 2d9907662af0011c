using Microsoft.Extensions.Logging;

namespace SecretSync.Providers.Aws;

/// <summary>The adapter's log messages. Arguments are secret ids, kinds and counts: never a value or a credential.</summary>
internal static partial class AwsLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "AWS provider {Provider}: {Operation} of '{Path}' failed: {Failure}")]
    public static partial void CallFailed(ILogger logger, string provider, string operation, string path, string failure);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "AWS provider {Provider}: retrying (attempt {Attempt}) after {Reason}; waiting {Delay}")]
    public static partial void Retrying(ILogger logger, string provider, int attempt, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "AWS provider {Provider}: version check of {Count} secrets failed: {Failure}")]
    public static partial void ListFailed(ILogger logger, string provider, int count, string failure);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "AWS provider {Provider}: BatchGetSecretValue is denied; reading secrets one by one with GetSecretValue")]
    public static partial void BatchDenied(ILogger logger, string provider);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "tls.caFile '{Path}' cannot be used ({Reason}); the endpoint's certificate will not be trusted")]
    public static partial void CaFileUnusable(ILogger logger, string path, string reason);
}
