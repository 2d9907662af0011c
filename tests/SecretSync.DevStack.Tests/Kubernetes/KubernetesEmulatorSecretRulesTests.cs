using System.Net;
using System.Text.Json.Nodes;

namespace SecretSync.DevStack.Tests.Kubernetes;

public sealed class KubernetesEmulatorSecretRulesTests
{
    private const string Secrets = "/api/v1/namespaces/demo/secrets";

    [Fact]
    public async Task StringData_IsFoldedIntoData_OnCreateUpdateAndEveryPatchType()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        emulator.SeedNamespace("demo");
        using var http = new KubeHttp(emulator);
        var created = (await http.PostAsync(Secrets, KubeHttp.Secret("db", new Dictionary<string, string> { ["a"] = "1" }))).Json;
        created["stringData"] = new JsonObject { ["b"] = "2" };
        var updated = (await http.PutAsync($"{Secrets}/db", created)).Json;
        var merged = (await http.PatchAsync($"{Secrets}/db", "application/merge-patch+json", new JsonObject { ["stringData"] = new JsonObject { ["c"] = "3" } })).Json;
        var strategic = (await http.PatchAsync($"{Secrets}/db", "application/strategic-merge-patch+json", new JsonObject { ["stringData"] = new JsonObject { ["a"] = "one" } })).Json;
        var jsonPatch = (await http.PatchAsync($"{Secrets}/db", "application/json-patch+json",
            new JsonArray(new JsonObject { ["op"] = "add", ["path"] = "/stringData", ["value"] = new JsonObject { ["d"] = "4" } }))).Json;

        Assert.Equal(KubeHttp.B64("2"), (string?)updated["data"]!["b"]);
        Assert.Equal(KubeHttp.B64("3"), (string?)merged["data"]!["c"]);
        Assert.Equal(KubeHttp.B64("one"), (string?)strategic["data"]!["a"]);
        Assert.Equal(KubeHttp.B64("4"), (string?)jsonPatch["data"]!["d"]);
        Assert.All([updated, merged, strategic, jsonPatch], secret => Assert.Null(secret["stringData"]));
        Assert.Null(emulator.Get("secrets", "demo", "db")!["stringData"]);
    }

    [Fact]
    public async Task ImmutableSecret_RefusesDataChanges_ButAcceptsMetadataChanges()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        emulator.SeedNamespace("demo");
        using var http = new KubeHttp(emulator);
        var secret = KubeHttp.Secret("db", new Dictionary<string, string> { ["a"] = "1" });
        secret["immutable"] = true;
        await http.PostAsync(Secrets, secret);

        var dataChange = await http.PatchAsync($"{Secrets}/db", "application/merge-patch+json", new JsonObject { ["data"] = new JsonObject { ["a"] = KubeHttp.B64("2") } });
        var unfreeze = await http.PatchAsync($"{Secrets}/db", "application/merge-patch+json", new JsonObject { ["immutable"] = false });
        var labelChange = await http.PatchAsync($"{Secrets}/db", "application/merge-patch+json",
            new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["x"] = "y" } } });

        KubernetesEmulatorCrudTests.AssertStatus(dataChange.Json, 422, "Invalid", "Secret \"db\" is invalid: data: Forbidden: field is immutable when `immutable` is set");
        Assert.Equal("Secret", (string?)dataChange.Json["details"]!["kind"]);
        Assert.Equal("data", (string?)dataChange.Json["details"]!["causes"]![0]!["field"]);
        KubernetesEmulatorCrudTests.AssertStatus(unfreeze.Json, 422, "Invalid", "Secret \"db\" is invalid: immutable: Forbidden: field is immutable when `immutable` is set");
        Assert.Equal(HttpStatusCode.OK, labelChange.Status);
    }

    [Fact]
    public async Task SecretType_CannotChange()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        emulator.SeedNamespace("demo");
        using var http = new KubeHttp(emulator);
        await http.PostAsync(Secrets, KubeHttp.Secret("db"));

        var reply = await http.PatchAsync($"{Secrets}/db", "application/merge-patch+json", new JsonObject { ["type"] = "kubernetes.io/basic-auth" });

        KubernetesEmulatorCrudTests.AssertStatus(reply.Json, 422, "Invalid", "Secret \"db\" is invalid: type: Invalid value: \"kubernetes.io/basic-auth\": field is immutable");
    }

    [Fact]
    public async Task SecretData_OverOneMebibyte_IsInvalid_AndExactlyOneMebibyteIsAccepted()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        emulator.SeedNamespace("demo");
        using var http = new KubeHttp(emulator);
        var limit = 1024 * 1024;
        var fits = KubeHttp.Secret("fits");
        fits["data"] = new JsonObject { ["blob"] = Convert.ToBase64String(new byte[limit - 1]), ["one"] = KubeHttp.B64("x") };
        var tooBig = KubeHttp.Secret("big");
        tooBig["data"] = new JsonObject { ["blob"] = Convert.ToBase64String(new byte[limit]), ["one"] = KubeHttp.B64("x") };

        Assert.Equal(HttpStatusCode.Created, (await http.PostAsync(Secrets, fits)).Status);
        var reply = await http.PostAsync(Secrets, tooBig);

        KubernetesEmulatorCrudTests.AssertStatus(reply.Json, 422, "Invalid", "Secret \"big\" is invalid: data: Too long: must have at most 1048576 bytes");
        Assert.Equal("FieldValueTooLong", (string?)reply.Json["details"]!["causes"]![0]!["reason"]);
    }

    [Fact]
    public async Task SecretDataKeys_OutsideTheAllowedCharacters_AreInvalid()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        emulator.SeedNamespace("demo");
        using var http = new KubeHttp(emulator);

        var reply = await http.PostAsync(Secrets, KubeHttp.Secret("db", new Dictionary<string, string> { ["bad key"] = "x", ["good-key_1.txt"] = "y" }));

        KubernetesEmulatorCrudTests.AssertStatus(reply.Json, 422, "Invalid", null);
        Assert.StartsWith("Secret \"db\" is invalid: stringData[bad key]: Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters",
            (string?)reply.Json["message"]);
    }

    [Fact]
    public async Task SecretData_ThatIsNotBase64_IsBadRequest()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        emulator.SeedNamespace("demo");
        using var http = new KubeHttp(emulator);
        var secret = KubeHttp.Secret("db");
        secret["data"] = new JsonObject { ["k"] = "not base64!" };

        var reply = await http.PostAsync(Secrets, secret);

        KubernetesEmulatorCrudTests.AssertStatus(reply.Json, 400, "BadRequest", null);
    }

    [Fact]
    public async Task History_RecordsEveryCommittedChange_WithTheObjectJson()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        emulator.SeedNamespace("demo");
        using var http = new KubeHttp(emulator);
        await http.PostAsync(Secrets, KubeHttp.Secret("db", new Dictionary<string, string> { ["k"] = "v1" }));
        await http.PatchAsync($"{Secrets}/db", "application/merge-patch+json", new JsonObject { ["stringData"] = new JsonObject { ["k"] = "v2" } });
        await http.DeleteAsync($"{Secrets}/db");

        var changes = emulator.History.Where(c => c.Resource == "secrets").ToList();

        Assert.Equal(["ADDED", "MODIFIED", "DELETED"], changes.Select(c => c.Type));
        Assert.All(changes, c => Assert.Equal(("demo", "db"), (c.Namespace, c.Name)));
        Assert.Equal(KubeHttp.B64("v2"), (string?)changes[1].ParseObject()["data"]!["k"]);
        Assert.True(changes.Select(c => long.Parse(c.ResourceVersion)).SequenceEqual(changes.Select(c => long.Parse(c.ResourceVersion)).Order()));
        Assert.DoesNotContain(changes, c => c.ParseObject()["data"] is null);
    }
}
