using SecretSync.Core.Providers;

namespace SecretSync.Providers.Aws;

/// <summary>Maps Secrets Manager error codes to failures and, only on AWS's own words, to absence (aws-secrets-manager.md §1 Errors).</summary>
internal static class AwsOutcomes
{
    private static readonly string[] AuthenticationCodes =
    [
        "UnrecognizedClientException", "InvalidSignatureException", "SignatureDoesNotMatch", "ExpiredTokenException", "ExpiredToken",
        "InvalidClientTokenId", "MissingAuthenticationToken", "IncompleteSignature", "MissingAuthenticationTokenException",
    ];

    private static readonly string[] RejectedCodes =
    [
        "InvalidParameterException", "ValidationException", "InvalidNextTokenException", "LimitExceededException", "EncryptionFailure",
        "ResourceExistsException", "MalformedPolicyDocumentException", "PreconditionNotMetException", "UnknownOperationException",
        "SerializationException", "InvalidRequestException", "ResourceNotFoundException",
    ];

    /// <summary>What AWS's error code says about the secret: gone (not found, scheduled for deletion), or nothing.</summary>
    /// <remarks>
    /// <c>ResourceNotFoundException</c> is "no such secret, version or stage" (also for a secret without an
    /// <c>AWSCURRENT</c> value). <c>InvalidRequestException</c> is absence only when its message says the secret is
    /// marked or scheduled for deletion; other invalid requests (managed by another service...) are not evidence.
    /// </remarks>
    public static AbsenceKind? AbsenceOf(string? code, string? message) => code switch
    {
        "ResourceNotFoundException" => AbsenceKind.NotFound,
        "InvalidRequestException" when SaysDeleted(message) => AbsenceKind.ScheduledForDeletion,
        _ => null,
    };

    public static bool SaysDeleted(string? message) =>
        message is not null &&
        (message.Contains("marked for deletion", StringComparison.OrdinalIgnoreCase) ||
         message.Contains("scheduled for deletion", StringComparison.OrdinalIgnoreCase) ||
         message.Contains("marked deleted", StringComparison.OrdinalIgnoreCase));

    /// <summary>The failure for an error answer that is not evidence of absence.</summary>
    public static ProviderFailure FailureOf(AwsReply reply, string operation) => FailureOf(reply.ErrorCode, reply.ErrorMessage, reply.Status, operation, reply.RetryAfter);

    /// <summary>The failure for an error code (of a whole call, or of one entry of a batch).</summary>
    public static ProviderFailure FailureOf(string? code, string? message, int status, string operation, TimeSpan? retryAfter = null)
    {
        var label = code ?? $"HTTP {status}";
        var detail = string.IsNullOrWhiteSpace(message) ? "" : $": {message}";
        if (AwsTransport.IsThrottling(code, status))
        {
            return new ProviderFailure(FailureKind.Throttled, $"Secrets Manager throttled {operation} ({label}){detail}.", retryAfter);
        }

        if (code is "AccessDeniedException" or "AccessDenied")
        {
            return new ProviderFailure(FailureKind.Forbidden, $"IAM denies {operation} ({label}){detail}; check the role's secretsmanager permissions.");
        }

        if (code is "DecryptionFailure" or "KMSAccessDeniedException")
        {
            return new ProviderFailure(FailureKind.Forbidden, $"Secrets Manager cannot decrypt for {operation} ({label}){detail}; check kms:Decrypt on the secret's key.");
        }

        if (code is not null && AuthenticationCodes.Contains(code, StringComparer.Ordinal))
        {
            return new ProviderFailure(FailureKind.Unauthenticated,
                $"AWS rejected the credentials for {operation} ({label}){detail}; check the key id, secret key, session token and clock.");
        }

        if (status >= 500 || code is "InternalServiceError" or "InternalFailure" or "ServiceUnavailable" or "ServiceUnavailableException")
        {
            return new ProviderFailure(FailureKind.Unavailable, $"Secrets Manager failed {operation} ({label}){detail}.", retryAfter);
        }

        if (status is 401)
        {
            return new ProviderFailure(FailureKind.Unauthenticated, $"Secrets Manager refused {operation}: not authenticated ({label}){detail}.");
        }

        if (status is 403)
        {
            return new ProviderFailure(FailureKind.Forbidden, $"Secrets Manager refused {operation} ({label}){detail}.");
        }

        if ((code is not null && RejectedCodes.Contains(code, StringComparer.Ordinal)) || status is >= 400 and < 500)
        {
            return new ProviderFailure(FailureKind.Rejected, $"Secrets Manager refused {operation} as invalid ({label}){detail}.");
        }

        return new ProviderFailure(FailureKind.InvalidResponse, $"Secrets Manager answered {operation} with an unexpected status {status}.");
    }
}
