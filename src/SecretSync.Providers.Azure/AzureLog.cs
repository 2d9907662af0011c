using Microsoft.Extensions.Logging;

namespace SecretSync.Providers.Azure;

/// <summary>The adapter's log messages. Arguments are names, kinds and counts: never a value or token.</summary>
internal static partial class AzureLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Azure provider {Provider}: {Operation} of '{Path}' failed: {Failure}")]
    public static partial void CallFailed(ILogger logger, string provider, string operation, string path, string failure);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "tls.caFile '{Path}' cannot be used ({Reason}); the vault's certificate will not be trusted")]
    public static partial void CaFileUnusable(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Azure provider {Provider}: listing secrets failed ({Failure}); checking each source with a read instead")]
    public static partial void ListingFailed(ILogger logger, string provider, string failure);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "Azure provider {Provider}: version check of {Paths} sources cost {Calls} calls ({Pages} list pages)")]
    public static partial void Checked(ILogger logger, string provider, int paths, int calls, int pages);
}
