using System.Security.Authentication;
using System.Text.Json;
using Azure;
using Azure.Identity;
using SecretSync.Core.Providers;
using SecretSync.Providers.Common;

namespace SecretSync.Providers.Azure;

/// <summary>A failed Key Vault call: the HTTP status and error codes when there was an answer, and the failure it maps to.</summary>
/// <param name="Status">The HTTP status, or 0 when no answer arrived.</param>
/// <param name="Code">The body's <c>error.code</c>.</param>
/// <param name="InnerCode">The body's <c>error.innererror.code</c>.</param>
/// <param name="Message">The body's <c>error.message</c> (Key Vault's messages name secrets, never values).</param>
/// <param name="Failure">What the call means when it is not evidence of absence.</param>
internal sealed record KeyVaultError(int Status, string? Code, string? InnerCode, string? Message, ProviderFailure Failure)
{
    /// <summary>404 <c>SecretNotFound</c>: the vault says the secret (or version) does not exist or is soft-deleted (§3).</summary>
    public bool IsSecretNotFound => Status == 404 && string.Equals(Code, "SecretNotFound", StringComparison.OrdinalIgnoreCase);

    /// <summary>403 with inner <c>SecretDisabled</c> or the message "…not allowed on a disabled secret" (§3).</summary>
    public bool IsDisabled => Status == 403 &&
        (string.Equals(InnerCode, "SecretDisabled", StringComparison.OrdinalIgnoreCase) ||
         Message?.Contains("disabled secret", StringComparison.OrdinalIgnoreCase) == true);

    /// <summary>The metric result tag of a call: <c>ok</c> without an error, <c>absent</c> for evidence of absence, else the failure's class.</summary>
    public static string MetricResultOf(KeyVaultError? error) => error switch
    {
        null => "ok",
        { IsSecretNotFound: true } or { IsDisabled: true } => "absent",
        _ => ProviderMetrics.ResultOf(error.Failure),
    };
}

/// <summary>Maps SDK exceptions to typed outcomes (azure-key-vault.md §3). Only the two evidence shapes above may become absence.</summary>
internal static class AzureOutcomes
{
    public static bool IsTlsFailure(Exception exception) => AzureRetryPolicy.ChainHas<AuthenticationException>(exception);

    /// <summary>Classifies an exception thrown by a SecretClient call; null when it is the caller's own cancellation.</summary>
    public static KeyVaultError? Classify(Exception exception, string operation, TimeProvider time, CancellationToken callerToken)
    {
        if (exception is OperationCanceledException && callerToken.IsCancellationRequested)
        {
            return null;
        }

        switch (exception)
        {
            case RequestFailedException { Status: > 0 } failed:
                return FromAnswer(failed, operation, time);
            case AuthenticationFailedException or CredentialUnavailableException:
                // Azure.Identity's messages describe the identity set-up, not tokens; keep only the first line.
                return Unanswered(FailureKind.Unauthenticated,
                    $"no Entra ID token for the {operation} ({exception.GetType().Name}: {FirstLine(exception.Message)})");
            case InvalidOperationException when exception.Message.Contains("challenge resource", StringComparison.OrdinalIgnoreCase):
                return Unanswered(FailureKind.Rejected,
                    $"the vault's authentication challenge names a resource that is not a parent domain of the vault host; for a vault outside *.vault.azure.net set {AzureSettingKeys.DisableChallengeResourceVerification}: true");
            case InvalidOperationException when exception.Message.Contains("non TLS", StringComparison.OrdinalIgnoreCase):
                return Unanswered(FailureKind.Rejected, "bearer tokens need an https:// vaultUrl");
            case AggregateException aggregate when aggregate.InnerExceptions.Count > 0:
                // Retries exhausted: the last attempt says most about the present state.
                return Classify(aggregate.InnerExceptions[^1], operation, time, callerToken) is { } last
                    ? last with { Failure = last.Failure with { Message = $"{last.Failure.Message} (after {aggregate.InnerExceptions.Count} attempts)" } }
                    : null;
            case OperationCanceledException:
                return Unanswered(FailureKind.Unavailable, $"the {operation} timed out");
            case JsonException or FormatException:
                return Unanswered(FailureKind.InvalidResponse, $"Key Vault's answer to the {operation} is not the documented JSON ({exception.GetType().Name})");
            case InvalidOperationException or NullReferenceException or KeyNotFoundException or ArgumentException:
                // The SDK's model readers throw these for JSON of another shape (a number for a string, null for an object).
                return Unanswered(FailureKind.InvalidResponse, $"Key Vault's answer to the {operation} is not the documented JSON ({exception.GetType().Name})");
        }

        if (AzureRetryPolicy.ChainHas<ResponseTooLargeException>(exception))
        {
            return Unanswered(FailureKind.InvalidResponse, $"the answer to the {operation} is larger than the {AzureClient.MaxResponseBytes / (1024 * 1024)} MiB this client reads, so it was refused unread");
        }

        if (IsTlsFailure(exception))
        {
            return Unanswered(FailureKind.Unavailable,
                $"TLS handshake with the vault failed for the {operation}: its certificate is not trusted (check tls.caFile)");
        }

        if (exception is RequestFailedException or System.Net.Http.HttpRequestException or IOException or System.Net.Sockets.SocketException)
        {
            return Unanswered(FailureKind.Unavailable, $"the vault is unreachable for the {operation} ({Innermost(exception).GetType().Name})");
        }

        return null;
    }

    /// <summary>Whether the exception is one <see cref="Classify"/> maps, so callers can let others propagate.</summary>
    public static bool IsKnown(Exception exception) =>
        exception is RequestFailedException or AuthenticationFailedException or CredentialUnavailableException or AggregateException
            or OperationCanceledException or JsonException or FormatException or System.Net.Http.HttpRequestException or IOException
            or InvalidOperationException or NullReferenceException or KeyNotFoundException or ArgumentException;

    private static KeyVaultError FromAnswer(RequestFailedException failed, string operation, TimeProvider time)
    {
        var response = failed.GetRawResponse();
        string? code = failed.ErrorCode, inner = null, message = null;
        var body = response?.Content?.ToMemory() ?? ReadOnlyMemory<byte>.Empty;
        if (!System.Text.Unicode.Utf8.IsValid(body.Span))
        {
            // Not text, so not Key Vault's error either, whatever the SDK read into its code.
            code = null;
        }
        else if (body.Length > 0)
        {
            try
            {
                using var doc = JsonDocument.Parse(body);
                if (doc.RootElement.ValueKind == JsonValueKind.Object && Property(doc.RootElement, "error") is { ValueKind: JsonValueKind.Object } error)
                {
                    code = Property(error, "code") is { ValueKind: JsonValueKind.String } c ? c.GetString() : code;
                    message = Property(error, "message") is { ValueKind: JsonValueKind.String } m ? m.GetString() : null;
                    inner = (Property(error, "innererror") ?? Property(error, "innerError")) is { ValueKind: JsonValueKind.Object } ie &&
                        Property(ie, "code") is { ValueKind: JsonValueKind.String } ic ? ic.GetString() : null;
                }
            }
            catch (JsonException)
            {
                // Not Key Vault's error shape (a proxy page, say): classified by status alone.
            }
        }

        var retryAfter = response is null ? null : AzureRetryPolicy.RetryAfterOf(response, time);
        var status = failed.Status;
        var detail = code is null ? "" : $" {code}{(inner is null ? "" : $"/{inner}")}";
        var failure = status switch
        {
            400 => new ProviderFailure(FailureKind.Rejected, $"Key Vault refused the {operation} as invalid (400{detail})."),
            401 => new ProviderFailure(FailureKind.Unauthenticated, $"Key Vault refused the token for the {operation} (401{detail}); check the identity and its tenant."),
            403 => new ProviderFailure(FailureKind.Forbidden, $"Key Vault denied the {operation} (403{detail}); grant the identity the secrets get/list permissions (RBAC 'Key Vault Secrets User' or an access policy)."),
            404 => new ProviderFailure(FailureKind.Rejected, $"Key Vault has no such resource for the {operation} (404{detail}); check vaultUrl."),
            409 => new ProviderFailure(FailureKind.Rejected, $"Key Vault refused the {operation}: conflict (409{detail}); a deleted secret must be recovered or purged before its name is reused."),
            429 => new ProviderFailure(FailureKind.Throttled, $"Key Vault throttled the {operation} (429{detail}).", retryAfter),
            408 or >= 500 => new ProviderFailure(FailureKind.Unavailable, $"Key Vault failed the {operation} ({status}{detail}).", retryAfter),
            _ => new ProviderFailure(FailureKind.InvalidResponse, $"Key Vault answered the {operation} with an unexpected status {status}{detail}."),
        };
        return new KeyVaultError(status, code, inner, message, failure);
    }

    private static KeyVaultError Unanswered(FailureKind kind, string message) =>
        new(0, null, null, null, new ProviderFailure(kind, char.ToUpperInvariant(message[0]) + message[1..] + "."));

    private static JsonElement? Property(JsonElement element, string name)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value;
            }
        }

        return null;
    }

    private static Exception Innermost(Exception exception)
    {
        var e = exception;
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }

    private static string FirstLine(string text)
    {
        var line = text.Split('\n', 2)[0].Trim();
        return line.Length > 200 ? line[..200] + "…" : line;
    }
}
