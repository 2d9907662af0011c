using System.Net;
using System.Text.Json.Nodes;

namespace SecretSync.DevStack.Tests.Kubernetes;

public sealed class KubernetesEmulatorListTests
{
    [Fact]
    public async Task List_CarriesListKindApiVersionAndResourceVersion_AndItemsWithoutTypeMeta()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        emulator.SeedNamespace("demo");
        using var http = new KubeHttp(emulator);
        await http.PostAsync("/api/v1/namespaces/demo/secrets", KubeHttp.Secret("a"));

        var list = (await http.GetAsync("/api/v1/namespaces/demo/secrets")).Json;

        Assert.Equal("SecretList", (string?)list["kind"]);
        Assert.Equal("v1", (string?)list["apiVersion"]);
        Assert.Equal(emulator.ResourceVersion, (string?)list["metadata"]!["resourceVersion"]);
        var item = list["items"]!.AsArray().Single()!.AsObject();
        Assert.Equal("a", (string?)item["metadata"]!["name"]);
        Assert.Null(item["kind"]);
    }

    [Fact]
    public async Task List_WithLimit_PagesThroughContinueTokens_AllSharingTheFirstResourceVersion()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        emulator.SeedNamespace("demo");
        using var http = new KubeHttp(emulator);
        for (var i = 0; i < 7; i++)
        {
            await http.PostAsync("/api/v1/namespaces/demo/secrets", KubeHttp.Secret($"s{i}"));
        }

        var names = new List<string>();
        string? token = null, firstVersion = null;
        var pages = 0;
        do
        {
            var page = (await http.GetAsync($"/api/v1/namespaces/demo/secrets?limit=3{(token is null ? "" : "&continue=" + Uri.EscapeDataString(token))}")).Json;
            firstVersion ??= (string?)page["metadata"]!["resourceVersion"];
            Assert.Equal(firstVersion, (string?)page["metadata"]!["resourceVersion"]);
            names.AddRange(page["items"]!.AsArray().Select(item => (string)item!["metadata"]!["name"]!));
            token = (string?)page["metadata"]!["continue"];
            pages++;
            if (pages == 1)
            {
                // A write between pages does not change the pages' resourceVersion.
                await http.PostAsync("/api/v1/namespaces/demo/secrets", KubeHttp.Secret("zz-late"));
            }
        }
        while (!string.IsNullOrEmpty(token));

        Assert.Equal(3, pages);
        Assert.Equal(["s0", "s1", "s2", "s3", "s4", "s5", "s6", "zz-late"], names);
    }

    [Fact]
    public async Task List_AcrossAllNamespaces_ReturnsEveryNamespacesObjects()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        emulator.SeedNamespace("a");
        emulator.SeedNamespace("b");
        using var http = new KubeHttp(emulator);
        await http.PostAsync("/api/v1/namespaces/b/secrets", KubeHttp.Secret("x"));
        await http.PostAsync("/api/v1/namespaces/a/secrets", KubeHttp.Secret("y"));

        var all = (await http.GetAsync("/api/v1/secrets?limit=1")).Json;
        var rest = (await http.GetAsync("/api/v1/secrets?limit=1&continue=" + Uri.EscapeDataString((string)all["metadata"]!["continue"]!))).Json;

        Assert.Equal("a/y", Key(all["items"]![0]!));
        Assert.Equal("b/x", Key(rest["items"]![0]!));
        Assert.Null(rest["metadata"]!["continue"]);
    }

    [Theory]
    [InlineData("tier=gold", "a")]
    [InlineData("tier==gold", "a")]
    [InlineData("tier!=gold", "b,c")]
    [InlineData("tier in (gold,silver)", "a,b")]
    [InlineData("tier notin (gold)", "b,c")]
    [InlineData("tier", "a,b")]
    [InlineData("!tier", "c")]
    [InlineData("tier,app=web", "b")]
    public async Task List_WithALabelSelector_ReturnsOnlyMatches(string selector, string expected)
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        emulator.SeedNamespace("demo");
        using var http = new KubeHttp(emulator);
        await http.PostAsync("/api/v1/namespaces/demo/secrets", KubeHttp.Secret("a", labels: new Dictionary<string, string> { ["tier"] = "gold" }));
        await http.PostAsync("/api/v1/namespaces/demo/secrets", KubeHttp.Secret("b", labels: new Dictionary<string, string> { ["tier"] = "silver", ["app"] = "web" }));
        await http.PostAsync("/api/v1/namespaces/demo/secrets", KubeHttp.Secret("c", labels: new Dictionary<string, string> { ["app"] = "db" }));

        var list = (await http.GetAsync("/api/v1/namespaces/demo/secrets?labelSelector=" + Uri.EscapeDataString(selector))).Json;

        Assert.Equal(expected, string.Join(',', list["items"]!.AsArray().Select(item => (string)item!["metadata"]!["name"]!)));
    }

    [Fact]
    public async Task List_WithFieldSelectors_FiltersOnNameNamespaceTypeAndPhase()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        emulator.SeedNamespace("demo");
        using var http = new KubeHttp(emulator);
        await http.PostAsync("/api/v1/namespaces/demo/secrets", KubeHttp.Secret("a"));
        var tls = KubeHttp.Secret("b", new Dictionary<string, string> { ["tls.crt"] = "c", ["tls.key"] = "k" });
        tls["type"] = "kubernetes.io/tls";
        await http.PostAsync("/api/v1/namespaces/demo/secrets", tls);

        var byName = (await http.GetAsync("/api/v1/namespaces/demo/secrets?fieldSelector=metadata.name%3Da")).Json;
        var byType = (await http.GetAsync("/api/v1/secrets?fieldSelector=" + Uri.EscapeDataString("type=kubernetes.io/tls,metadata.namespace==demo"))).Json;
        var notOpaque = (await http.GetAsync("/api/v1/secrets?fieldSelector=" + Uri.EscapeDataString("type!=Opaque"))).Json;
        var active = (await http.GetAsync("/api/v1/namespaces?fieldSelector=status.phase%3DActive")).Json;

        Assert.Equal("a", (string?)byName["items"]!.AsArray().Single()!["metadata"]!["name"]);
        Assert.Equal("b", (string?)byType["items"]!.AsArray().Single()!["metadata"]!["name"]);
        Assert.Equal("b", (string?)notOpaque["items"]!.AsArray().Single()!["metadata"]!["name"]);
        Assert.Equal(2, active["items"]!.AsArray().Count);
    }

    [Theory]
    [InlineData("fieldSelector=spec.nope%3Dx", "field label not supported: spec.nope")]
    [InlineData("labelSelector=a%20in%20b", null)]
    public async Task List_WithABadSelector_IsBadRequest(string query, string? message)
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        using var http = new KubeHttp(emulator);

        var reply = await http.GetAsync("/api/v1/namespaces/default/secrets?" + query);

        KubernetesEmulatorCrudTests.AssertStatus(reply.Json, 400, "BadRequest", message);
    }

    [Fact]
    public async Task List_WithAContinueTokenOlderThanCompaction_IsExpired410()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        emulator.SeedNamespace("demo");
        using var http = new KubeHttp(emulator);
        await http.PostAsync("/api/v1/namespaces/demo/secrets", KubeHttp.Secret("a"));
        await http.PostAsync("/api/v1/namespaces/demo/secrets", KubeHttp.Secret("b"));
        var first = (await http.GetAsync("/api/v1/namespaces/demo/secrets?limit=1")).Json;
        await http.PostAsync("/api/v1/namespaces/demo/secrets", KubeHttp.Secret("c"));
        emulator.CompactHistory();

        var reply = await http.GetAsync("/api/v1/namespaces/demo/secrets?limit=1&continue=" + Uri.EscapeDataString((string)first["metadata"]!["continue"]!));

        Assert.Equal(HttpStatusCode.Gone, reply.Status);
        KubernetesEmulatorCrudTests.AssertStatus(reply.Json, 410, "Expired", null);
        Assert.StartsWith("The provided continue parameter is too old", (string?)reply.Json["message"]);
    }

    private static string Key(JsonNode item) => $"{item["metadata"]!["namespace"]}/{item["metadata"]!["name"]}";
}
