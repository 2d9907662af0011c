using System.Net;
using SecretSync.Kubernetes.Models;

namespace SecretSync.Kubernetes.Errors;

/// <summary>An API call that the server answered with an error <see cref="Models.Status"/>.</summary>
/// <remarks>The message holds the verb, path, code, reason and the server's message, never request or response bodies;
/// values of a Secret being written are redacted from it.</remarks>
public sealed class KubernetesApiException : Exception
{
    /// <summary>Creates the exception for a failed call.</summary>
    /// <param name="status">The Status the server sent, or one synthesised from the HTTP response.</param>
    /// <param name="message">The full, already redacted message.</param>
    public KubernetesApiException(Status status, string message)
        : base(message)
    {
        Status = status;
        StatusCode = (HttpStatusCode)(status.Code ?? 0);
        Reason = Classify(status);
    }

    /// <summary>The server's Status (reason, code, message, details).</summary>
    public Status Status { get; }

    /// <summary>The HTTP status code.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>The class of failure.</summary>
    public KubernetesErrorReason Reason { get; }

    /// <summary>How long the server asked to wait, from <c>Retry-After</c> or <c>details.retryAfterSeconds</c>.</summary>
    public TimeSpan? RetryAfter { get; init; }

    internal static KubernetesErrorReason Classify(Status status)
    {
        var byReason = status.Reason switch
        {
            "BadRequest" => KubernetesErrorReason.BadRequest,
            "Unauthorized" => KubernetesErrorReason.Unauthorized,
            "Forbidden" => KubernetesErrorReason.Forbidden,
            "NotFound" => KubernetesErrorReason.NotFound,
            "MethodNotAllowed" => KubernetesErrorReason.MethodNotAllowed,
            "AlreadyExists" => KubernetesErrorReason.AlreadyExists,
            "Conflict" => KubernetesErrorReason.Conflict,
            "Gone" or "Expired" => KubernetesErrorReason.Gone,
            "UnsupportedMediaType" => KubernetesErrorReason.UnsupportedMediaType,
            "Invalid" => KubernetesErrorReason.Invalid,
            "TooManyRequests" => KubernetesErrorReason.TooManyRequests,
            "InternalError" or "ServiceUnavailable" or "Timeout" or "ServerTimeout" => KubernetesErrorReason.ServerError,
            _ => KubernetesErrorReason.Unknown,
        };
        if (byReason != KubernetesErrorReason.Unknown)
        {
            return byReason;
        }

        return status.Code switch
        {
            400 => KubernetesErrorReason.BadRequest,
            401 => KubernetesErrorReason.Unauthorized,
            403 => KubernetesErrorReason.Forbidden,
            404 => KubernetesErrorReason.NotFound,
            405 => KubernetesErrorReason.MethodNotAllowed,
            409 => KubernetesErrorReason.Conflict,
            410 => KubernetesErrorReason.Gone,
            415 => KubernetesErrorReason.UnsupportedMediaType,
            422 => KubernetesErrorReason.Invalid,
            429 => KubernetesErrorReason.TooManyRequests,
            >= 500 and < 600 => KubernetesErrorReason.ServerError,
            _ => KubernetesErrorReason.Unknown,
        };
    }
}
