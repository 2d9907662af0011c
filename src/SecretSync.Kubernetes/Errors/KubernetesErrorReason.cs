namespace SecretSync.Kubernetes.Errors;

/// <summary>The class of a failed API call, from the Status <c>reason</c> or else the HTTP code (kubernetes.md §5).</summary>
public enum KubernetesErrorReason
{
    /// <summary>A code or reason this client does not classify.</summary>
    Unknown,

    /// <summary>400: a malformed request, e.g. a bad selector.</summary>
    BadRequest,

    /// <summary>401: the credentials are missing, expired or rejected.</summary>
    Unauthorized,

    /// <summary>403: authenticated but not allowed (RBAC, or a terminating namespace).</summary>
    Forbidden,

    /// <summary>404: the object or its namespace does not exist.</summary>
    NotFound,

    /// <summary>405: the verb is not supported on this resource.</summary>
    MethodNotAllowed,

    /// <summary>409 <c>AlreadyExists</c>: a create of a name that exists.</summary>
    AlreadyExists,

    /// <summary>409 <c>Conflict</c>: a stale resourceVersion or a failed precondition; re-read and retry.</summary>
    Conflict,

    /// <summary>410 <c>Expired</c>/<c>Gone</c>: a too-old resourceVersion or an expired continue token; re-list.</summary>
    Gone,

    /// <summary>415: the patch content type is not supported for this resource.</summary>
    UnsupportedMediaType,

    /// <summary>422 <c>Invalid</c>: validation failed, e.g. a change to an immutable field.</summary>
    Invalid,

    /// <summary>429: the server is shedding load; the retries this client makes were exhausted.</summary>
    TooManyRequests,

    /// <summary>5xx: <c>InternalError</c>, <c>ServiceUnavailable</c>, <c>Timeout</c> and the like.</summary>
    ServerError,
}
