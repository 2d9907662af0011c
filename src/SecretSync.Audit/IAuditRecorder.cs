using SecretSync.Core.Audit;

namespace SecretSync.Audit;

/// <summary>Where the sync engine records what it did; <see cref="AuditTrail"/> in the daemon.</summary>
public interface IAuditRecorder
{
    /// <summary>Records an event stamped with time, cluster and instance; <paramref name="fill"/> adds the rest.</summary>
    /// <param name="action">What was done (an <see cref="AuditActions"/> value).</param>
    /// <param name="outcome">How it ended (an <see cref="AuditOutcomes"/> value).</param>
    /// <param name="fill">Sets the fields that describe the action; never a secret value.</param>
    /// <returns>The event as recorded.</returns>
    AuditEvent Record(string action, string outcome, Func<AuditEvent, AuditEvent>? fill = null);
}
