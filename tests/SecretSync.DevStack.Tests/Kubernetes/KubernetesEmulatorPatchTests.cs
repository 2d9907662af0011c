using System.Net;
using System.Text.Json.Nodes;

namespace SecretSync.DevStack.Tests.Kubernetes;

public sealed class KubernetesEmulatorPatchTests
{
    private const string Db = "/api/v1/namespaces/demo/secrets/db";

    [Fact]
    public async Task MergePatch_NullRemovesKeys_AndOtherKeysMerge()
    {
        await using var emulator = await Seeded();
        using var http = new KubeHttp(emulator);

        var reply = await http.PatchAsync(Db, "application/merge-patch+json", new JsonObject
        {
            ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { ["a"] = null, ["b"] = "2" } },
        });

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("{\"b\":\"2\"}", reply.Json["metadata"]!["annotations"]!.ToJsonString());
    }

    [Fact]
    public async Task StrategicMergePatch_AsKubectlApplySendsIt_IgnoresDirectives()
    {
        await using var emulator = await Seeded();
        using var http = new KubeHttp(emulator);

        var reply = await http.PatchAsync(Db, "application/strategic-merge-patch+json", new JsonObject
        {
            ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { ["kubectl.kubernetes.io/last-applied-configuration"] = "{}" } },
            ["$setElementOrder/finalizers"] = new JsonArray(),
            ["stringData"] = new JsonObject { ["k"] = "v" },
        });

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("1", (string?)reply.Json["metadata"]!["annotations"]!["a"]);
        Assert.Equal(KubeHttp.B64("v"), (string?)reply.Json["data"]!["k"]);
        Assert.Null(reply.Json["$setElementOrder/finalizers"]);
    }

    [Fact]
    public async Task JsonPatch_AppliesOperations_AndAFailedTestIsRejected()
    {
        await using var emulator = await Seeded();
        using var http = new KubeHttp(emulator);
        var version = (string)emulator.Get("secrets", "demo", "db")!["metadata"]!["resourceVersion"]!;

        var ok = await http.PatchAsync(Db, "application/json-patch+json", new JsonArray(
            new JsonObject { ["op"] = "test", ["path"] = "/metadata/resourceVersion", ["value"] = version },
            new JsonObject { ["op"] = "add", ["path"] = "/metadata/labels", ["value"] = new JsonObject { ["x~y/z"] = "1" } },
            new JsonObject { ["op"] = "replace", ["path"] = "/metadata/labels/x~0y~1z", ["value"] = "2" },
            new JsonObject { ["op"] = "copy", ["from"] = "/metadata/labels", ["path"] = "/metadata/annotations" },
            new JsonObject { ["op"] = "move", ["from"] = "/metadata/annotations/x~0y~1z", ["path"] = "/metadata/annotations/moved" },
            new JsonObject { ["op"] = "remove", ["path"] = "/metadata/annotations/moved" }));
        var failed = await http.PatchAsync(Db, "application/json-patch+json", new JsonArray(
            new JsonObject { ["op"] = "test", ["path"] = "/metadata/resourceVersion", ["value"] = version }));

        Assert.Equal(HttpStatusCode.OK, ok.Status);
        Assert.Equal("2", (string?)ok.Json["metadata"]!["labels"]!["x~y/z"]);
        Assert.Null(ok.Json["metadata"]!["annotations"]);
        KubernetesEmulatorCrudTests.AssertStatus(failed.Json, 422, "Invalid", null);
        Assert.Contains("test failed", (string?)failed.Json["details"]!["causes"]![0]!["message"]);
    }

    [Fact]
    public async Task Patch_CarryingAStaleResourceVersion_IsConflict()
    {
        await using var emulator = await Seeded();
        using var http = new KubeHttp(emulator);

        var reply = await http.PatchAsync(Db, "application/merge-patch+json", new JsonObject { ["metadata"] = new JsonObject { ["resourceVersion"] = "1" } });

        KubernetesEmulatorCrudTests.AssertStatus(reply.Json, 409, "Conflict", null);
    }

    [Fact]
    public async Task ApplyPatch_CreatesWhenMissing_ThenUpdates_AndNeedsAFieldManager()
    {
        await using var emulator = await Seeded();
        using var http = new KubeHttp(emulator);
        var intent = new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = new JsonObject { ["name"] = "cfg", ["namespace"] = "demo" },
            ["data"] = new JsonObject { ["k"] = "v" },
        };
        const string Path = "/api/v1/namespaces/demo/configmaps/cfg";

        var missingManager = await http.PatchAsync(Path, "application/apply-patch+yaml", intent);
        var created = await http.PatchAsync(Path + "?fieldManager=secretsync&force=true", "application/apply-patch+yaml", intent);
        intent["data"]!["k"] = "w";
        var updated = await http.PatchAsync(Path + "?fieldManager=secretsync&force=true", "application/apply-patch+yaml", intent);

        Assert.Equal(422, missingManager.Code);
        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.Equal(HttpStatusCode.OK, updated.Status);
        Assert.Equal("w", (string?)updated.Json["data"]!["k"]);
    }

    [Fact]
    public async Task Patch_WithAnUnknownContentType_IsUnsupportedMediaType_AndOfAMissingObjectIsNotFound()
    {
        await using var emulator = await Seeded();
        using var http = new KubeHttp(emulator);

        var unknown = await http.PatchAsync(Db, "text/plain", new JsonObject());
        var missing = await http.PatchAsync("/api/v1/namespaces/demo/secrets/nope", "application/merge-patch+json", new JsonObject());

        KubernetesEmulatorCrudTests.AssertStatus(unknown.Json, 415, "UnsupportedMediaType", null);
        KubernetesEmulatorCrudTests.AssertStatus(missing.Json, 404, "NotFound", "secrets \"nope\" not found");
    }

    private static async Task<KubernetesEmulator> Seeded()
    {
        var emulator = await KubernetesEmulator.StartAsync();
        emulator.SeedNamespace("demo");
        emulator.Apply(new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Secret",
            ["metadata"] = new JsonObject { ["name"] = "db", ["namespace"] = "demo", ["annotations"] = new JsonObject { ["a"] = "1" } },
            ["stringData"] = new JsonObject { ["user"] = "bob" },
        });
        return emulator;
    }
}
