using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using SecretSync.DevStack.Hosting;

namespace SecretSync.DevStack.Aws;

/// <summary>The Secrets Manager JSON 1.1 protocol (aws-secrets-manager.md §1) on top of <see cref="EmulatorHost"/>.</summary>
/// <remarks>
/// Every operation is <c>POST /</c> with <c>X-Amz-Target: secretsmanager.&lt;Op&gt;</c>; answers are <c>200</c>
/// JSON, errors <c>{"__type","message"}</c> plus <c>x-amzn-ErrorType</c>. Signatures are verified before anything
/// else, as AWS does.
/// </remarks>
internal sealed class AwsProtocol(AwsSecretsManagerEmulatorOptions options, AwsSecretStore store) : IEmulatorProtocol
{
    private const string TargetPrefix = "secretsmanager.";
    private const string ContentType = "application/x-amz-json-1.1";
    private const int MaxRequestBytes = 2 * 1024 * 1024;

    public string VerbOf(HttpRequest request)
    {
        var target = request.Headers["X-Amz-Target"].ToString();
        return target.StartsWith(TargetPrefix, StringComparison.Ordinal) ? target[TargetPrefix.Length..] : "other";
    }

    /// <summary>Injected errors in AWS's shape: 429 → <c>ThrottlingException</c> (sent as 400, as AWS does), 403 →
    /// <c>AccessDeniedException</c>, 401 → <c>UnrecognizedClientException</c>, 503 → <c>ServiceUnavailable</c>, other
    /// 5xx → <c>InternalServiceError</c>.</summary>
    public Task WriteFaultAsync(HttpContext context, int statusCode, TimeSpan? retryAfter)
    {
        var error = statusCode switch
        {
            429 => new AwsError("ThrottlingException", "Rate exceeded", 400),
            403 => new AwsError("AccessDeniedException", "Access to the resource is denied.", 400),
            401 => new AwsError("UnrecognizedClientException", "The security token included in the request is invalid.", 400),
            503 => new AwsError("ServiceUnavailable", "Service is unavailable. Try again later.", 503),
            >= 500 => new AwsError("InternalServiceError", "An error occurred on the server side.", statusCode),
            _ => new AwsError("InvalidRequestException", "Injected fault.", statusCode),
        };
        return WriteErrorAsync(context, error);
    }

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        if (request.Method != HttpMethods.Post || request.Path.Value is not ("/" or ""))
        {
            await WriteErrorAsync(context, new AwsError("UnknownOperationException", "Only POST / is served.", 404));
            return;
        }

        if (request.ContentLength > MaxRequestBytes)
        {
            await WriteErrorAsync(context, new AwsError("RequestEntityTooLargeException", "Request entity too large.", 413));
            return;
        }

        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, context.RequestAborted);
        var body = buffer.ToArray();
        if (AwsSignatureCheck.Verify(request, body, options, options.Time.GetUtcNow()) is { } denied)
        {
            await WriteErrorAsync(context, denied);
            return;
        }

        var operation = VerbOf(request);
        if (operation == "other")
        {
            await WriteErrorAsync(context, new AwsError("UnknownOperationException", "Missing or unknown X-Amz-Target.", 400));
            return;
        }

        JsonObject answer;
        try
        {
            using var doc = body.Length == 0 ? JsonDocument.Parse("{}") : JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new AwsError("SerializationException", "The request body must be a JSON object.");
            }

            answer = store.Handle(operation, doc.RootElement);
        }
        catch (JsonException)
        {
            await WriteErrorAsync(context, new AwsError("SerializationException", "Start of structure or map found where not expected."));
            return;
        }
        catch (AwsError error)
        {
            await WriteErrorAsync(context, error);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = ContentType;
        await context.Response.WriteAsync(answer.ToJsonString(), context.RequestAborted);
    }

    private static async Task WriteErrorAsync(HttpContext context, AwsError error)
    {
        context.Response.StatusCode = error.Status;
        context.Response.ContentType = ContentType;
        context.Response.Headers["x-amzn-ErrorType"] = error.Code;
        var body = new JsonObject { ["__type"] = error.Code, ["message"] = error.Message };
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }
}
