using System.Net;

namespace SecretSync.DevStack.Tests.Kubernetes;

public sealed class KubernetesEmulatorDiscoveryTests
{
    [Fact]
    public async Task Version_ReportsTheConfiguredMinor()
    {
        await using var emulator = await KubernetesEmulator.StartAsync(new KubernetesEmulatorOptions { ServerMinorVersion = "27" });
        using var http = new KubeHttp(emulator);

        var version = (await http.GetAsync("/version?timeout=5s")).Json;

        Assert.Equal("1", (string?)version["major"]);
        Assert.Equal("27", (string?)version["minor"]);
        Assert.Equal("v1.27.0", (string?)version["gitVersion"]);
    }

    [Fact]
    public async Task Discovery_ListsGroupsAndResources_WithVerbsAndShortNames()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        using var http = new KubeHttp(emulator);

        var api = (await http.GetAsync("/api")).Json;
        var groups = (await http.GetAsync("/apis")).Json;
        var core = (await http.GetAsync("/api/v1")).Json;
        var apps = (await http.GetAsync("/apis/apps/v1")).Json;
        var coordination = (await http.GetAsync("/apis/coordination.k8s.io")).Json;

        Assert.Equal("APIVersions", (string?)api["kind"]);
        Assert.Equal(["apps", "coordination.k8s.io"], groups["groups"]!.AsArray().Select(g => (string)g!["name"]!));
        var namespaces = core["resources"]!.AsArray().Single(r => (string?)r!["name"] == "namespaces")!;
        Assert.False((bool)namespaces["namespaced"]!);
        Assert.Equal("ns", (string?)namespaces["shortNames"]![0]);
        Assert.Contains("watch", namespaces["verbs"]!.AsArray().Select(v => (string)v!));
        Assert.Equal(["secrets", "configmaps", "events"], core["resources"]!.AsArray().Select(r => (string)r!["name"]!).Where(n => n != "namespaces"));
        Assert.Equal(["deployments", "statefulsets", "daemonsets"], apps["resources"]!.AsArray().Select(r => (string)r!["name"]!));
        Assert.Equal("APIGroup", (string?)coordination["kind"]);
    }

    [Fact]
    public async Task OpenApiV3_IndexPointsAtDocuments_WithFieldValidationOnPatch()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        using var http = new KubeHttp(emulator);

        var index = (await http.GetAsync("/openapi/v3")).Json;
        var url = (string)index["paths"]!["api/v1"]!["serverRelativeURL"]!;
        var document = (await http.GetAsync(url)).Json;
        var patch = document["paths"]!["/api/v1/namespaces/{namespace}/secrets/{name}"]!["patch"]!;

        Assert.Contains(patch["parameters"]!.AsArray(), p => (string?)p!["name"] == "fieldValidation");
        Assert.Equal("Secret", (string?)patch["x-kubernetes-group-version-kind"]!["kind"]);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/openapi/v2")).Status);
    }
}
