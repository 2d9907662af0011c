using SecretSync.Core.Providers;
using SecretSync.Providers.Common;

namespace SecretSync.Providers.Vault;

/// <summary>Maps Vault status codes that say nothing about a source to failures (vault.md §1 status table).</summary>
/// <remarks>Nothing here ever yields absence: only the read and metadata paths may, on Vault's documented 404 shapes.</remarks>
internal static class VaultOutcomes
{
    public static ProviderFailure FailureOf(ProviderReply reply, string operation)
    {
        var errors = VaultJson.ErrorText(reply.Body);
        var detail = errors.Length > 0 ? $": {errors}" : "";
        return reply.Status switch
        {
            400 => new ProviderFailure(FailureKind.Rejected, $"Vault refused the {operation} as invalid (400){detail}."),
            401 => new ProviderFailure(FailureKind.Unauthenticated, $"Vault refused the {operation}: not authenticated (401){detail}."),
            403 => new ProviderFailure(FailureKind.Forbidden, $"Vault denied the {operation} (403){detail}; check the token's policies."),
            404 => new ProviderFailure(FailureKind.Rejected, $"Vault has no route for the {operation} (404){detail}; check the mount and address."),
            405 => new ProviderFailure(FailureKind.Rejected, $"Vault does not support the {operation} on that path (405){detail}."),
            // 412: Enterprise eventual consistency, retry with back-off (§1).
            412 => new ProviderFailure(FailureKind.Unavailable, $"Vault asked to retry the {operation} (412, not yet consistent){detail}."),
            429 => new ProviderFailure(FailureKind.Throttled, $"Vault throttled the {operation} (429){detail}.", reply.RetryAfter),
            501 => new ProviderFailure(FailureKind.Unavailable, $"Vault is not initialised (501){detail}."),
            503 => new ProviderFailure(FailureKind.Unavailable, $"Vault is sealed or in maintenance (503){detail}.", reply.RetryAfter),
            >= 500 => new ProviderFailure(FailureKind.Unavailable, $"Vault failed the {operation} ({reply.Status}){detail}.", reply.RetryAfter),
            _ => new ProviderFailure(FailureKind.InvalidResponse, $"Vault answered the {operation} with an unexpected status {reply.Status}."),
        };
    }
}
