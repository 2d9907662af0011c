using SecretSync.Core.Audit;

namespace SecretSync.Audit;

/// <summary>How many tenant-triggered audit events one namespace may cause: a token bucket per namespace.</summary>
/// <remarks>
/// Tenant-triggered are <c>denied</c> and <c>conflict</c> events, and any other event with trigger <c>namespace</c>, except
/// writes (<see cref="AuditActions.Writes"/>), which are always recorded. Held-back events are counted, and every
/// <see cref="SummaryInterval"/> a namespace that had any gets one <c>suppressed</c> event saying how many.
/// </remarks>
public sealed record TenantRateLimit
{
    /// <summary>Events a namespace may cause at once.</summary>
    /// <value>20.</value>
    public int Burst { get; init; } = 20;

    /// <summary>How often the bucket regains one event.</summary>
    /// <value>3 seconds (20 a minute once the burst is spent).</value>
    public TimeSpan Refill { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>How often the <c>suppressed</c> summaries are recorded.</summary>
    /// <value>1 minute.</value>
    public TimeSpan SummaryInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Whether <paramref name="auditEvent"/> counts against its namespace's bucket.</summary>
    public static bool Applies(AuditEvent auditEvent)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        return auditEvent.Namespace is not null && !AuditActions.Writes.Contains(auditEvent.Action) &&
            (auditEvent.Action is AuditActions.Denied or AuditActions.Conflict || auditEvent.Trigger == AuditTriggers.Namespace);
    }
}
