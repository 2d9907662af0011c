using Microsoft.Extensions.Logging;

namespace SecretSync.Daemon.Leadership;

/// <summary>The leader elector's log messages.</summary>
internal static partial class LeaderElectionLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Lease {Lease}: {Identity} acquired leadership (transitions {Transitions})")]
    public static partial void Acquired(ILogger logger, string lease, string identity, int transitions);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Lease {Lease}: {Identity} stopped leading: {Reason}")]
    public static partial void Stopped(ILogger logger, string lease, string identity, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Lease {Lease}: {Identity} released the lease")]
    public static partial void Released(ILogger logger, string lease, string identity);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Lease {Lease}: held by {Holder}")]
    public static partial void HolderObserved(ILogger logger, string lease, string holder);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Lease {Lease}: {Operation} failed; retrying every {RetryPeriod}: {Failure}")]
    public static partial void AttemptFailed(ILogger logger, string lease, string operation, TimeSpan retryPeriod, string failure);

    [LoggerMessage(EventId = 6, Level = LogLevel.Debug, Message = "Lease {Lease}: {Operation} failed again: {Failure}")]
    public static partial void AttemptFailedAgain(ILogger logger, string lease, string operation, string failure);

    [LoggerMessage(EventId = 7, Level = LogLevel.Debug, Message = "Lease {Lease}: another candidate wrote first ({Reason}); re-reading")]
    public static partial void RaceLost(ILogger logger, string lease, string reason);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning, Message = "Lease {Lease}: release failed; a standby takes over after the lease duration: {Failure}")]
    public static partial void ReleaseFailed(ILogger logger, string lease, string failure);

    [LoggerMessage(EventId = 9, Level = LogLevel.Warning, Message = "Lease {Lease}: a LeadershipChanged handler failed")]
    public static partial void HandlerFailed(ILogger logger, string lease, Exception exception);
}
