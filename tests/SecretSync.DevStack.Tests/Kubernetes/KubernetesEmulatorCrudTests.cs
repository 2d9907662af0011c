using System.Net;
using System.Text.Json.Nodes;

namespace SecretSync.DevStack.Tests.Kubernetes;

public sealed class KubernetesEmulatorCrudTests
{
    private const string Secrets = "/api/v1/namespaces/demo/secrets";

    [Fact]
    public async Task Create_ReturnsCreatedWithServerSetMetadata()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        emulator.SeedNamespace("demo");
        using var http = new KubeHttp(emulator);

        var reply = await http.PostAsync(Secrets, KubeHttp.Secret("db", new Dictionary<string, string> { ["password"] = "hunter2" }));

        Assert.Equal(HttpStatusCode.Created, reply.Status);
        var secret = reply.Json;
        Assert.Equal("Secret", (string?)secret["kind"]);
        Assert.Equal("v1", (string?)secret["apiVersion"]);
        Assert.Equal("demo", (string?)secret["metadata"]!["namespace"]);
        Assert.True(Guid.TryParse((string?)secret["metadata"]!["uid"], out _));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", (string?)secret["metadata"]!["creationTimestamp"]);
        Assert.True(long.Parse((string)secret["metadata"]!["resourceVersion"]!) > 0);
        Assert.Equal("Opaque", (string?)secret["type"]);
        Assert.Equal(KubeHttp.B64("hunter2"), (string?)secret["data"]!["password"]);
        Assert.Null(secret["stringData"]);
    }

    [Fact]
    public async Task Create_OfAnExistingName_IsAlreadyExists()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        emulator.SeedNamespace("demo");
        using var http = new KubeHttp(emulator);
        await http.PostAsync(Secrets, KubeHttp.Secret("db"));

        var reply = await http.PostAsync(Secrets, KubeHttp.Secret("db"));

        Assert.Equal(HttpStatusCode.Conflict, reply.Status);
        AssertStatus(reply.Json, 409, "AlreadyExists", "secrets \"db\" already exists");
        Assert.Equal("db", (string?)reply.Json["details"]!["name"]);
        Assert.Equal("secrets", (string?)reply.Json["details"]!["kind"]);
    }

    [Fact]
    public async Task Create_InAMissingNamespace_IsNamespaceNotFound()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        using var http = new KubeHttp(emulator);

        var reply = await http.PostAsync("/api/v1/namespaces/nowhere/secrets", KubeHttp.Secret("db"));

        AssertStatus(reply.Json, 404, "NotFound", "namespaces \"nowhere\" not found");
    }

    [Fact]
    public async Task Create_WithGenerateName_AppendsARandomSuffix()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        emulator.SeedNamespace("demo");
        using var http = new KubeHttp(emulator);

        var reply = await http.PostAsync(Secrets, new JsonObject { ["metadata"] = new JsonObject { ["generateName"] = "db-" } });

        Assert.Equal(HttpStatusCode.Created, reply.Status);
        Assert.Matches("^db-[a-z0-9]{5}$", (string?)reply.Json["metadata"]!["name"]);
    }

    [Fact]
    public async Task Create_WithAnInvalidName_IsInvalidWithACause()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        emulator.SeedNamespace("demo");
        using var http = new KubeHttp(emulator);

        var reply = await http.PostAsync(Secrets, KubeHttp.Secret("Bad_Name"));

        AssertStatus(reply.Json, 422, "Invalid", null);
        Assert.StartsWith("Secret \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain", (string?)reply.Json["message"]);
        Assert.Equal("metadata.name", (string?)reply.Json["details"]!["causes"]![0]!["field"]);
    }

    [Fact]
    public async Task Get_OfAMissingObject_IsNotFound()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        emulator.SeedNamespace("demo");
        using var http = new KubeHttp(emulator);

        var reply = await http.GetAsync($"{Secrets}/nope");

        AssertStatus(reply.Json, 404, "NotFound", "secrets \"nope\" not found");
    }

    [Fact]
    public async Task Update_WithAStaleResourceVersion_IsConflict()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        emulator.SeedNamespace("demo");
        using var http = new KubeHttp(emulator);
        var created = (await http.PostAsync(Secrets, KubeHttp.Secret("db", new Dictionary<string, string> { ["k"] = "1" }))).Json;
        var first = created.DeepClone().AsObject();
        first["data"]!["k"] = KubeHttp.B64("2");
        Assert.Equal(HttpStatusCode.OK, (await http.PutAsync($"{Secrets}/db", first)).Status);

        var stale = created.DeepClone().AsObject();
        stale["data"]!["k"] = KubeHttp.B64("3");
        var reply = await http.PutAsync($"{Secrets}/db", stale);

        AssertStatus(reply.Json, 409, "Conflict",
            "Operation cannot be fulfilled on secrets \"db\": the object has been modified; please apply your changes to the latest version and try again");
        Assert.Equal(KubeHttp.B64("2"), (string?)emulator.Get("secrets", "demo", "db")!["data"]!["k"]);
    }

    [Fact]
    public async Task Update_WithoutAResourceVersion_IsUnconditional_AndBumpsTheVersion()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        emulator.SeedNamespace("demo");
        using var http = new KubeHttp(emulator);
        var created = (await http.PostAsync(Secrets, KubeHttp.Secret("db"))).Json;
        var update = KubeHttp.Secret("db", new Dictionary<string, string> { ["k"] = "v" });

        var reply = await http.PutAsync($"{Secrets}/db", update);

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal(created["metadata"]!["uid"]!.ToString(), reply.Json["metadata"]!["uid"]!.ToString());
        Assert.Equal(created["metadata"]!["creationTimestamp"]!.ToString(), reply.Json["metadata"]!["creationTimestamp"]!.ToString());
        Assert.True(long.Parse(reply.Json["metadata"]!["resourceVersion"]!.ToString()) > long.Parse(created["metadata"]!["resourceVersion"]!.ToString()));
    }

    [Fact]
    public async Task Update_ThatChangesNothing_KeepsTheResourceVersion()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        emulator.SeedNamespace("demo");
        using var http = new KubeHttp(emulator);
        var created = (await http.PostAsync(Secrets, KubeHttp.Secret("db", new Dictionary<string, string> { ["k"] = "v" }))).Json;
        var writes = emulator.History.Count;

        var reply = await http.PutAsync($"{Secrets}/db", created);

        Assert.Equal(created["metadata"]!["resourceVersion"]!.ToString(), reply.Json["metadata"]!["resourceVersion"]!.ToString());
        Assert.Equal(writes, emulator.History.Count);
    }

    [Fact]
    public async Task Update_OfAMissingObject_IsNotFound()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        emulator.SeedNamespace("demo");
        using var http = new KubeHttp(emulator);

        var reply = await http.PutAsync($"{Secrets}/db", KubeHttp.Secret("db"));

        AssertStatus(reply.Json, 404, "NotFound", "secrets \"db\" not found");
    }

    [Fact]
    public async Task Delete_AnswersSuccessStatus_AndTheObjectIsGone()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        emulator.SeedNamespace("demo");
        using var http = new KubeHttp(emulator);
        var created = (await http.PostAsync(Secrets, KubeHttp.Secret("db"))).Json;

        var reply = await http.DeleteAsync($"{Secrets}/db", new JsonObject { ["propagationPolicy"] = "Background" });

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("Status", (string?)reply.Json["kind"]);
        Assert.Equal("Success", (string?)reply.Json["status"]);
        Assert.Equal(created["metadata"]!["uid"]!.ToString(), (string?)reply.Json["details"]!["uid"]);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"{Secrets}/db")).Status);
        Assert.Equal("DELETED", emulator.History[^1].Type);
    }

    [Fact]
    public async Task Delete_WithAFailedPrecondition_IsConflict()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        emulator.SeedNamespace("demo");
        using var http = new KubeHttp(emulator);
        await http.PostAsync(Secrets, KubeHttp.Secret("db"));

        var reply = await http.DeleteAsync($"{Secrets}/db", new JsonObject { ["preconditions"] = new JsonObject { ["resourceVersion"] = "1" } });

        AssertStatus(reply.Json, 409, "Conflict", null);
        Assert.Contains("Precondition failed: ResourceVersion in precondition: 1", (string?)reply.Json["message"]);
        Assert.NotNull(emulator.Get("secrets", "demo", "db"));
    }

    [Fact]
    public async Task Delete_OfAnObjectWithFinalizers_MarksIt_UntilTheLastFinalizerIsRemoved()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        emulator.SeedNamespace("demo");
        using var http = new KubeHttp(emulator);
        var secret = KubeHttp.Secret("db");
        secret["metadata"]!["finalizers"] = new JsonArray("example.com/hold");
        await http.PostAsync(Secrets, secret);

        var reply = await http.DeleteAsync($"{Secrets}/db");
        Assert.Equal("Secret", (string?)reply.Json["kind"]);
        Assert.NotNull(reply.Json["metadata"]!["deletionTimestamp"]);

        var released = await http.PatchAsync($"{Secrets}/db", "application/merge-patch+json", new JsonObject { ["metadata"] = new JsonObject { ["finalizers"] = null } });
        Assert.Equal(HttpStatusCode.OK, released.Status);
        Assert.Null(emulator.Get("secrets", "demo", "db"));
    }

    [Fact]
    public async Task UnknownResource_IsNotFoundStatus()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        using var http = new KubeHttp(emulator);

        var reply = await http.GetAsync("/api/v1/namespaces/demo/widgets");

        AssertStatus(reply.Json, 404, "NotFound", "the server could not find the requested resource");
    }

    [Fact]
    public async Task Leases_AndDeployments_AreStoredGenerically_WithGenerationFollowingSpec()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        emulator.SeedNamespace("demo");
        using var http = new KubeHttp(emulator);
        var lease = new JsonObject
        {
            ["apiVersion"] = "coordination.k8s.io/v1", ["kind"] = "Lease", ["metadata"] = new JsonObject { ["name"] = "leader" },
            ["spec"] = new JsonObject { ["holderIdentity"] = "a", ["leaseDurationSeconds"] = 15, ["renewTime"] = "2026-01-01T00:00:00.123456Z" },
        };
        Assert.Equal(HttpStatusCode.Created, (await http.PostAsync("/apis/coordination.k8s.io/v1/namespaces/demo/leases", lease)).Status);
        Assert.Equal("2026-01-01T00:00:00.123456Z", (string?)emulator.Get("leases", "demo", "leader")!["spec"]!["renewTime"]);

        var deployment = new JsonObject
        {
            ["apiVersion"] = "apps/v1", ["kind"] = "Deployment", ["metadata"] = new JsonObject { ["name"] = "web" },
            ["spec"] = new JsonObject { ["replicas"] = 1 },
        };
        var created = (await http.PostAsync("/apis/apps/v1/namespaces/demo/deployments", deployment)).Json;
        Assert.Equal(1, (int?)created["metadata"]!["generation"]);
        var patched = await http.PatchAsync("/apis/apps/v1/namespaces/demo/deployments/web", "application/strategic-merge-patch+json",
            new JsonObject { ["spec"] = new JsonObject { ["replicas"] = 3 } });
        Assert.Equal(2, (int?)patched.Json["metadata"]!["generation"]);

        var missing = await http.GetAsync("/apis/apps/v1/namespaces/demo/statefulsets/db");
        AssertStatus(missing.Json, 404, "NotFound", "statefulsets.apps \"db\" not found");
        Assert.Equal("apps", (string?)missing.Json["details"]!["group"]);
    }

    [Fact]
    public async Task RequestLog_RecordsKubernetesVerbs()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        emulator.SeedNamespace("demo");
        using var http = new KubeHttp(emulator);
        await http.PostAsync(Secrets, KubeHttp.Secret("db"));
        await http.GetAsync($"{Secrets}/db");
        await http.GetAsync(Secrets);
        await http.PutAsync($"{Secrets}/db", KubeHttp.Secret("db"));
        await http.PatchAsync($"{Secrets}/db", "application/merge-patch+json", new JsonObject());
        await http.DeleteAsync($"{Secrets}/db");
        await http.DeleteAsync(Secrets);

        var verbs = emulator.Requests.Snapshot().Select(r => r.Verb).ToArray();

        Assert.Equal(["create", "get", "list", "update", "patch", "delete", "deletecollection"], verbs);
    }

    internal static void AssertStatus(JsonObject status, int code, string reason, string? message)
    {
        Assert.Equal("Status", (string?)status["kind"]);
        Assert.Equal("v1", (string?)status["apiVersion"]);
        Assert.Equal("Failure", (string?)status["status"]);
        Assert.Equal(code, (int?)status["code"]);
        Assert.Equal(reason, (string?)status["reason"]);
        if (message is not null)
        {
            Assert.Equal(message, (string?)status["message"]);
        }
    }
}
