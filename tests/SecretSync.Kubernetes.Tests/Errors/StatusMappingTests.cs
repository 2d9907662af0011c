using System.Net;
using System.Text;
using SecretSync.Kubernetes.Errors;
using SecretSync.Kubernetes.Models;
using SecretSync.Kubernetes.Tests.Support;

namespace SecretSync.Kubernetes.Tests.Errors;

public sealed class StatusMappingTests
{
    [Theory]
    [InlineData(400, "BadRequest", KubernetesErrorReason.BadRequest)]
    [InlineData(401, "Unauthorized", KubernetesErrorReason.Unauthorized)]
    [InlineData(403, "Forbidden", KubernetesErrorReason.Forbidden)]
    [InlineData(404, "NotFound", KubernetesErrorReason.NotFound)]
    [InlineData(409, "AlreadyExists", KubernetesErrorReason.AlreadyExists)]
    [InlineData(409, "Conflict", KubernetesErrorReason.Conflict)]
    [InlineData(410, "Expired", KubernetesErrorReason.Gone)]
    [InlineData(410, "Gone", KubernetesErrorReason.Gone)]
    [InlineData(422, "Invalid", KubernetesErrorReason.Invalid)]
    [InlineData(429, "TooManyRequests", KubernetesErrorReason.TooManyRequests)]
    [InlineData(500, "InternalError", KubernetesErrorReason.ServerError)]
    [InlineData(503, "ServiceUnavailable", KubernetesErrorReason.ServerError)]
    [InlineData(504, "Timeout", KubernetesErrorReason.ServerError)]
    [InlineData(409, "", KubernetesErrorReason.Conflict)]
    [InlineData(418, "", KubernetesErrorReason.Unknown)]
    public void StatusReasonAndCode_MapToAnErrorReason(int code, string reason, KubernetesErrorReason expected)
    {
        var status = new Status { Code = code, Reason = reason.Length == 0 ? null : reason };

        Assert.Equal(expected, KubernetesApiException.Classify(status));
    }

    [Fact]
    public async Task StatusBody_IsCarriedOnTheException()
    {
        using var handler = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.NotFound,
            """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"secrets \"db\" not found","reason":"NotFound","details":{"name":"db","kind":"secrets"},"code":404}"""));
        using var client = Clients.Stubbed(handler);

        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => client.Secrets.GetAsync("app", "db"));

        Assert.Equal(KubernetesErrorReason.NotFound, error.Reason);
        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
        Assert.Equal("db", error.Status.Details!.Name);
        Assert.Contains("get /api/v1/namespaces/app/secrets/db failed: 404 NotFound: secrets \"db\" not found", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NonStatusBody_FallsBackToTheHttpCode_WithoutQuotingTheBody()
    {
        using var handler = new StubHandler((_, _) => new HttpResponseMessage(HttpStatusCode.BadGateway)
        {
            Content = new StringContent("<html>proxy error echoing c2VjcmV0</html>", Encoding.UTF8, "text/html"),
        });
        using var client = Clients.Stubbed(handler);

        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => client.Namespaces.GetAsync(null, "x"));

        Assert.Equal(KubernetesErrorReason.ServerError, error.Reason);
        Assert.Equal(HttpStatusCode.BadGateway, error.StatusCode);
        Assert.DoesNotContain("c2VjcmV0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecretValues_EchoedByTheServer_AreRedactedFromTheMessage()
    {
        // A server (or proxy) that quotes the rejected value back: the emulator never does, so a stub stands in.
        using var handler = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.UnprocessableEntity,
            """{"kind":"Status","status":"Failure","reason":"Invalid","code":422,"message":"Secret \"db\" is invalid: data[password]: Invalid value: \"hunter2-secret\" (aHVudGVyMi1zZWNyZXQ=)"}"""));
        using var client = Clients.Stubbed(handler);
        var secret = new Secret
        {
            Metadata = new ObjectMeta { Name = "db", Namespace = "app" },
            Data = new() { ["password"] = Encoding.UTF8.GetBytes("hunter2-secret") },
        };

        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => client.Secrets.CreateAsync(secret));

        Assert.Equal(KubernetesErrorReason.Invalid, error.Reason);
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("aHVudGVyMi1zZWNyZXQ=", error.Message, StringComparison.Ordinal);
        Assert.Contains("[redacted]", error.Message, StringComparison.Ordinal);
        Assert.Contains("data[password]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecretValues_InAPatch_AreRedactedFromTheMessage()
    {
        using var handler = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.UnprocessableEntity,
            """{"kind":"Status","status":"Failure","reason":"Invalid","code":422,"message":"bad value bGVha2VkLXZhbHVl"}"""));
        using var client = Clients.Stubbed(handler);
        var patch = Kubernetes.Client.KubernetesPatch.Merge(new System.Text.Json.Nodes.JsonObject
        {
            ["data"] = new System.Text.Json.Nodes.JsonObject { ["k"] = "bGVha2VkLXZhbHVl" },
        });

        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => client.Secrets.PatchAsync("app", "db", patch));

        Assert.DoesNotContain("bGVha2VkLXZhbHVl", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerErrorWithoutRetryAfter_IsNotRetried()
    {
        using var handler = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.InternalServerError,
            """{"kind":"Status","status":"Failure","reason":"InternalError","code":500,"message":"etcd unavailable"}"""));
        using var client = Clients.Stubbed(handler);

        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => client.Leases.GetAsync("kube-system", "l"));

        Assert.Equal(KubernetesErrorReason.ServerError, error.Reason);
        Assert.Single(handler.Seen);
    }
}
