using System.Text.Json.Nodes;

namespace SecretSync.DevStack;

/// <summary>A request the API server refuses; becomes a <c>kind: Status</c> body.</summary>
internal sealed class KubernetesApiException(int code, string reason, string message, JsonObject? details = null) : Exception(message)
{
    public int Code { get; } = code;

    public string Reason { get; } = reason;

    public JsonObject? Details { get; } = details;

    public JsonObject ToStatus() => Status(Code, Reason, Message, Details?.DeepClone());

    public static JsonObject Status(int code, string reason, string message, JsonNode? details)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
        };
        if (details is not null)
        {
            status["details"] = details;
        }

        status["code"] = code;
        return status;
    }

    public static KubernetesApiException NotFound(ResourceKind kind, string name) =>
        new(404, "NotFound", $"{kind.QualifiedResource} \"{name}\" not found", DetailsFor(kind, name));

    public static KubernetesApiException NamespaceNotFound(string name) =>
        new(404, "NotFound", $"namespaces \"{name}\" not found", DetailsFor(ResourceCatalog.Namespaces, name));

    public static KubernetesApiException NoSuchRoute() =>
        new(404, "NotFound", "the server could not find the requested resource", new JsonObject());

    public static KubernetesApiException AlreadyExists(ResourceKind kind, string name) =>
        new(409, "AlreadyExists", $"{kind.QualifiedResource} \"{name}\" already exists", DetailsFor(kind, name));

    public static KubernetesApiException Conflict(ResourceKind kind, string name, string why) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {kind.QualifiedResource} \"{name}\": {why}", DetailsFor(kind, name));

    public static KubernetesApiException StaleResourceVersion(ResourceKind kind, string name) =>
        Conflict(kind, name, "the object has been modified; please apply your changes to the latest version and try again");

    public static KubernetesApiException BadRequest(string message) => new(400, "BadRequest", message);

    public static KubernetesApiException Expired(string message) => new(410, "Expired", message);

    public static KubernetesApiException MethodNotSupported(ResourceKind? kind) =>
        new(405, "MethodNotAllowed", "the server does not allow this method on the requested resource",
            kind is null ? new JsonObject() : new JsonObject { ["kind"] = kind.Plural, ["group"] = kind.Group.Length == 0 ? null : kind.Group });

    public static KubernetesApiException UnsupportedMediaType(string contentType) =>
        new(415, "UnsupportedMediaType",
            $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got \"{contentType}\")");

    public static KubernetesApiException Forbidden(ResourceKind kind, string name, string why, JsonArray? causes = null)
    {
        var details = DetailsFor(kind, name);
        if (causes is not null)
        {
            details["causes"] = causes;
        }

        return new(403, "Forbidden", $"{kind.QualifiedResource} \"{name}\" is forbidden: {why}", details);
    }

    /// <summary>422 with one cause per field error, worded like the API server's validation.</summary>
    public static KubernetesApiException Invalid(ResourceKind kind, string name, IReadOnlyList<FieldError> errors)
    {
        var causes = new JsonArray();
        foreach (var error in errors)
        {
            causes.Add(new JsonObject { ["reason"] = error.Reason, ["message"] = error.Detail, ["field"] = error.Field });
        }

        var summary = errors.Count == 1 ? errors[0].ToString() : $"[{string.Join(", ", errors)}]";
        var details = new JsonObject { ["name"] = name };
        if (kind.Group.Length > 0)
        {
            details["group"] = kind.Group;
        }

        details["kind"] = kind.Kind;
        details["causes"] = causes;
        return new(422, "Invalid", $"{kind.QualifiedKind} \"{name}\" is invalid: {summary}", details);
    }

    /// <summary>422 as the API server answers a JSON patch that cannot apply (e.g. a failed <c>test</c>).</summary>
    public static KubernetesApiException PatchFailed(string why) =>
        new(422, "Invalid", "the server rejected our request due to an error in our request",
            new JsonObject { ["causes"] = new JsonArray(new JsonObject { ["reason"] = "UnexpectedServerResponse", ["message"] = why }) });

    public static JsonObject DetailsFor(ResourceKind kind, string name)
    {
        var details = new JsonObject { ["name"] = name };
        if (kind.Group.Length > 0)
        {
            details["group"] = kind.Group;
        }

        details["kind"] = kind.Plural;
        return details;
    }
}

/// <summary>One validation failure, worded as <c>field: Reason text: detail</c>.</summary>
internal sealed record FieldError(string Field, string Reason, string Detail)
{
    public static FieldError Invalid(string field, string value, string why) =>
        new(field, "FieldValueInvalid", $"Invalid value: \"{value}\": {why}");

    public static FieldError Required(string field, string why) => new(field, "FieldValueRequired", $"Required value: {why}");

    public static FieldError Forbidden(string field, string why) => new(field, "FieldValueForbidden", $"Forbidden: {why}");

    public static FieldError TooLong(string field, int limit) => new(field, "FieldValueTooLong", $"Too long: must have at most {limit} bytes");

    public override string ToString() => $"{Field}: {Detail}";
}
