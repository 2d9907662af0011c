using SecretSync.Core.Model;
using SecretSync.Kubernetes.Client;
using SecretSync.Kubernetes.Errors;
using SecretSync.Kubernetes.Models;

namespace SecretSync.Daemon.Sync;

/// <summary>Where an operator's approval of deletions held by the delete guard is read from.</summary>
internal interface IDeletionApprovals
{
    /// <summary>The hold id an operator approved, or null when there is none or it cannot be read now.</summary>
    Task<string?> ReadAsync(CancellationToken cancellationToken);
}

/// <summary>Reads approvals from an annotation on the daemon's Lease, which <c>secretsync revocations approve</c> sets.</summary>
/// <remarks>
/// Approving is then an act the cluster's RBAC decides (patching a Lease in the release namespace), not the
/// possession of an id that anyone who reaches the pod port can read from <c>/status</c>. The daemon's own
/// Role already allows <c>get</c> on this Lease; it needs nothing more.
/// </remarks>
internal sealed class LeaseApprovals(ResourceClient<Lease> leases, string @namespace, string name) : IDeletionApprovals
{
    public async Task<string?> ReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            var lease = await leases.TryGetAsync(@namespace, name, cancellationToken);
            return lease?.Metadata.Annotations?.GetValueOrDefault(Annotations.ApproveDeletions);
        }
        catch (Exception ex) when (ex is KubernetesApiException or HttpRequestException or TimeoutException)
        {
            return null; // the next recheck reads again
        }
    }
}
