using SecretSync.Core.Audit;

namespace SecretSync.Audit.Query;

/// <summary>A readable audit store: the chained file or the PostgreSQL fleet store.</summary>
public interface IAuditQuery
{
    /// <summary>Events matching <paramref name="filter"/>, oldest first.</summary>
    IAsyncEnumerable<AuditEvent> QueryAsync(AuditFilter filter, CancellationToken cancellationToken);
}
