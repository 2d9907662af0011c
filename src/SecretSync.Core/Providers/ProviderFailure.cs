namespace SecretSync.Core.Providers;

/// <summary>The ways a provider call can fail without telling anything about the source itself.</summary>
public enum FailureKind
{
    /// <summary>Timeout, connection failure, 5xx, sealed or standby authority.</summary>
    Unavailable,

    /// <summary>The authority asked us to slow down (429 or a throttling error).</summary>
    Throttled,

    /// <summary>Authenticated, but not allowed to read this path.</summary>
    Forbidden,

    /// <summary>Credentials missing, expired or rejected.</summary>
    Unauthenticated,

    /// <summary>The authority answered with something malformed or outside the contract (bad JSON, wrong types).</summary>
    InvalidResponse,

    /// <summary>The request itself was refused as invalid (bad path, CAS mismatch on write).</summary>
    Rejected,
}

/// <summary>A failed provider call. Never evidence of absence: the last good Secret stays.</summary>
/// <param name="Kind">The class of failure, which drives back-off and alerting.</param>
/// <param name="Message">What went wrong, free of secret values and tokens.</param>
/// <param name="RetryAfter">How long the authority asked us to wait, when it said so.</param>
public sealed record ProviderFailure(FailureKind Kind, string Message, TimeSpan? RetryAfter = null)
{
    /// <inheritdoc />
    public override string ToString() => $"{Kind}: {Message}";
}
