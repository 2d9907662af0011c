using SecretSync.Core.Audit;

namespace SecretSync.Audit.Query;

/// <summary>Which audit events a query returns; every set criterion must match.</summary>
public sealed record AuditFilter
{
    /// <summary>Events at or after this time.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Events before this time.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>Events from this cluster.</summary>
    public string? Cluster { get; init; }

    /// <summary>Events in this namespace.</summary>
    public string? Namespace { get; init; }

    /// <summary>Events about this target, written <c>namespace/name</c> or just <c>name</c>.</summary>
    public string? Secret { get; init; }

    /// <summary>Events about this source path (optionally <c>provider:path</c>).</summary>
    public string? Source { get; init; }

    /// <summary>Events with this action (see <see cref="AuditActions"/>).</summary>
    public string? Action { get; init; }

    /// <summary>Events with this outcome (see <see cref="AuditOutcomes"/>).</summary>
    public string? Outcome { get; init; }

    /// <summary>True when <paramref name="auditEvent"/> satisfies every criterion set.</summary>
    public bool Matches(AuditEvent auditEvent)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        return (Since is null || auditEvent.Time >= Since)
            && (Until is null || auditEvent.Time < Until)
            && Same(Cluster, auditEvent.Cluster)
            && Same(Namespace, auditEvent.Namespace)
            && Same(Action, auditEvent.Action)
            && Same(Outcome, auditEvent.Outcome)
            && MatchesSecret(auditEvent)
            && MatchesSource(auditEvent);
    }

    private bool MatchesSecret(AuditEvent auditEvent) => Secret switch
    {
        null => true,
        var s when s.Contains('/', StringComparison.Ordinal) => s == $"{auditEvent.Namespace}/{auditEvent.Secret}",
        var s => s == auditEvent.Secret,
    };

    private bool MatchesSource(AuditEvent auditEvent) => Source switch
    {
        null => true,
        var s when s.Contains(':', StringComparison.Ordinal) => s == $"{auditEvent.Provider}:{auditEvent.Source}",
        var s => s == auditEvent.Source,
    };

    private static bool Same(string? wanted, string? actual) => wanted is null || string.Equals(wanted, actual, StringComparison.Ordinal);
}
