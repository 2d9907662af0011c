using Microsoft.Extensions.Logging;

namespace SecretSync.Providers.Vault;

/// <summary>The adapter's log messages. Arguments are paths, kinds and counts: never a value, token, secret id or JWT.</summary>
internal static partial class VaultLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Vault provider {Provider}: {Operation} of '{Path}' failed: {Failure}")]
    public static partial void CallFailed(ILogger logger, string provider, string operation, string path, string failure);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug, Message = "Vault provider {Provider}: retrying a {Kind} call (attempt {Attempt}) after {Reason}; waiting {Delay}")]
    public static partial void Retrying(ILogger logger, string provider, string kind, int attempt, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Vault provider {Provider}: logged in with {Method}; token TTL {Ttl}, {Renewable}")]
    public static partial void LoggedIn(ILogger logger, string provider, string method, string ttl, string renewable);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Vault provider {Provider}: login with {Method} failed: {Failure}")]
    public static partial void LoginFailed(ILogger logger, string provider, string method, string failure);

    [LoggerMessage(EventId = 5, Level = LogLevel.Debug, Message = "Vault provider {Provider}: token renewed; TTL {Ttl}")]
    public static partial void Renewed(ILogger logger, string provider, string ttl);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Vault provider {Provider}: token renewal failed: {Failure}")]
    public static partial void RenewFailed(ILogger logger, string provider, string failure);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "Vault provider {Provider}: event subscription connected")]
    public static partial void EventsConnected(ILogger logger, string provider);

    [LoggerMessage(EventId = 8, Level = LogLevel.Information, Message = "Vault provider {Provider}: event subscription lost ({Reason}); polling, reconnecting in {Delay}")]
    public static partial void EventsLost(ILogger logger, string provider, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 9, Level = LogLevel.Debug, Message = "Vault provider {Provider}: skipped an event: {Reason}")]
    public static partial void EventSkipped(ILogger logger, string provider, string reason);

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "TLS certificate verification is disabled for Vault at {Authority} (tls.insecureSkipVerify); use only for development")]
    public static partial void TlsVerificationDisabled(ILogger logger, string authority);

    [LoggerMessage(EventId = 11, Level = LogLevel.Error, Message = "tls.caFile '{Path}' cannot be used ({Reason}); Vault's certificate will not be trusted")]
    public static partial void CaFileUnusable(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 12, Level = LogLevel.Error, Message = "Vault provider {Provider}: background token maintenance failed")]
    public static partial void BackgroundFailure(ILogger logger, string provider, Exception exception);
}
