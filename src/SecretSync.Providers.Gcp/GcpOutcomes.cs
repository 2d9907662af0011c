using SecretSync.Core.Providers;
using SecretSync.Providers.Common;

namespace SecretSync.Providers.Gcp;

/// <summary>Maps Secret Manager answers that say nothing about a source to failures (gcp-secret-manager.md §3).</summary>
/// <remarks>Nothing here yields absence: only the read and version-list paths may, on a 404 in Google's NOT_FOUND shape.</remarks>
internal static class GcpOutcomes
{
    public static ProviderFailure FailureOf(ProviderReply reply, string operation)
    {
        var error = GcpJson.Error(reply.Body);
        var status = error?.Status ?? "";
        var detail = error is { } e && (e.Status.Length > 0 || e.Message.Length > 0) ? $": {e.Status} {e.Message}".TrimEnd() : "";
        return (reply.Status, status) switch
        {
            (429, _) or (_, "RESOURCE_EXHAUSTED") =>
                new ProviderFailure(FailureKind.Throttled, $"Secret Manager throttled the {operation} ({reply.Status}){detail}.", reply.RetryAfter),
            (401, _) or (_, "UNAUTHENTICATED") =>
                new ProviderFailure(FailureKind.Unauthenticated, $"Secret Manager refused the {operation}: not authenticated ({reply.Status}){detail}."),
            (403, _) or (_, "PERMISSION_DENIED") =>
                new ProviderFailure(FailureKind.Forbidden,
                    $"Secret Manager denied the {operation} ({reply.Status}){detail}; grant roles/secretmanager.secretAccessor and roles/secretmanager.viewer."),
            (>= 500, _) or (_, "UNAVAILABLE" or "INTERNAL" or "DEADLINE_EXCEEDED") =>
                new ProviderFailure(FailureKind.Unavailable, $"Secret Manager failed the {operation} ({reply.Status}){detail}.", reply.RetryAfter),
            (400 or 404 or 409 or 412, _) =>
                new ProviderFailure(FailureKind.Rejected, $"Secret Manager refused the {operation} ({reply.Status}){detail}."),
            _ => new ProviderFailure(FailureKind.InvalidResponse, $"Secret Manager answered the {operation} with an unexpected status {reply.Status}."),
        };
    }

    /// <summary>True for Google's positive "not found" (404 with <c>status: NOT_FOUND</c>); a bare 404 from a proxy or a wrong endpoint is not evidence.</summary>
    public static bool IsNotFound(ProviderReply reply) => reply.Status == 404 && GcpJson.Error(reply.Body) is { Status: "NOT_FOUND" };

    /// <summary>True for FAILED_PRECONDITION, which access answers for a DISABLED or DESTROYED version (§3).</summary>
    public static bool IsFailedPrecondition(ProviderReply reply) => reply.Status == 400 && GcpJson.Error(reply.Body) is { Status: "FAILED_PRECONDITION" };
}
