using System.Net;
using System.Text.Json.Nodes;

namespace SecretSync.DevStack.Tests.Kubernetes;

public sealed class KubernetesEmulatorNamespaceTests
{
    [Fact]
    public async Task Namespace_IsCreatedActive_WithTheMetadataNameLabel()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        using var http = new KubeHttp(emulator);

        var reply = await http.PostAsync("/api/v1/namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "demo" } });

        Assert.Equal(HttpStatusCode.Created, reply.Status);
        Assert.Equal("Namespace", (string?)reply.Json["kind"]);
        Assert.Equal("Active", (string?)reply.Json["status"]!["phase"]);
        Assert.Equal("demo", (string?)reply.Json["metadata"]!["labels"]!["kubernetes.io/metadata.name"]);
        Assert.Null(reply.Json["metadata"]!["namespace"]);
    }

    [Fact]
    public async Task DeletingANamespace_DeletesItsObjects_EmittingDeletedForEach()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        emulator.SeedNamespace("demo");
        emulator.SeedNamespace("keep");
        using var http = new KubeHttp(emulator);
        await http.PostAsync("/api/v1/namespaces/demo/secrets", KubeHttp.Secret("a"));
        await http.PostAsync("/api/v1/namespaces/demo/configmaps", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "c" } });
        await http.PostAsync("/api/v1/namespaces/keep/secrets", KubeHttp.Secret("b"));
        var from = emulator.ResourceVersion;

        var reply = await http.DeleteAsync("/api/v1/namespaces/demo");

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal("Terminating", (string?)reply.Json["status"]!["phase"]);
        Assert.Null(emulator.Get("namespaces", null, "demo"));
        Assert.Empty(emulator.List("secrets", "demo"));
        Assert.Single(emulator.List("secrets", "keep"));
        var secretEvents = await KubernetesEmulatorWatchTests.CollectAsync(http, $"/api/v1/secrets?watch=1&resourceVersion={from}", 1);
        Assert.Equal("DELETED a", $"{secretEvents[0]["type"]} {secretEvents[0]["object"]!["metadata"]!["name"]}");
        var nsEvents = await KubernetesEmulatorWatchTests.CollectAsync(http, $"/api/v1/namespaces?watch=1&resourceVersion={from}", 2);
        Assert.Equal(["MODIFIED", "DELETED"], nsEvents.Select(e => (string)e["type"]!));
    }

    [Fact]
    public async Task CreatingInATerminatingNamespace_IsForbidden()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        using var http = new KubeHttp(emulator);
        await http.PostAsync("/api/v1/namespaces", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "demo", ["finalizers"] = new JsonArray("example.com/hold") },
        });
        await http.DeleteAsync("/api/v1/namespaces/demo");

        var reply = await http.PostAsync("/api/v1/namespaces/demo/secrets", KubeHttp.Secret("late"));

        KubernetesEmulatorCrudTests.AssertStatus(reply.Json, 403, "Forbidden",
            "secrets \"late\" is forbidden: unable to create new content in namespace demo because it is being terminated");
        Assert.Equal("NamespaceTerminating", (string?)reply.Json["details"]!["causes"]![0]!["reason"]);
        var again = await http.DeleteAsync("/api/v1/namespaces/demo");
        Assert.Equal(HttpStatusCode.Conflict, again.Status);

        await http.PatchAsync("/api/v1/namespaces/demo", "application/merge-patch+json", new JsonObject { ["metadata"] = new JsonObject { ["finalizers"] = null } });
        Assert.Null(emulator.Get("namespaces", null, "demo"));
    }

    [Fact]
    public async Task NamespaceNames_MustBeDnsLabels()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        using var http = new KubeHttp(emulator);

        var reply = await http.PostAsync("/api/v1/namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "a.b" } });

        KubernetesEmulatorCrudTests.AssertStatus(reply.Json, 422, "Invalid", null);
        Assert.StartsWith("Namespace \"a.b\" is invalid: metadata.name: Invalid value: \"a.b\": a lowercase RFC 1123 label", (string?)reply.Json["message"]);
    }
}
