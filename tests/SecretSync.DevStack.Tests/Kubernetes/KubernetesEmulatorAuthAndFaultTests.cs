using System.Net;
using System.Text.Json.Nodes;
using SecretSync.DevStack.Hosting;

namespace SecretSync.DevStack.Tests.Kubernetes;

public sealed class KubernetesEmulatorAuthAndFaultTests
{
    [Fact]
    public async Task BearerToken_WhenRequired_RejectsMissingAndWrongTokens_With401Status()
    {
        await using var emulator = await KubernetesEmulator.StartAsync(new KubernetesEmulatorOptions { BearerToken = "right" });
        using var anonymous = new KubeHttp(emulator);
        using var wrong = new KubeHttp(emulator, "wrong");
        using var right = new KubeHttp(emulator, "right");

        KubernetesEmulatorCrudTests.AssertStatus((await anonymous.GetAsync("/api/v1/namespaces")).Json, 401, "Unauthorized", "Unauthorized");
        KubernetesEmulatorCrudTests.AssertStatus((await wrong.GetAsync("/api/v1/namespaces")).Json, 401, "Unauthorized", "Unauthorized");
        Assert.Equal(HttpStatusCode.OK, (await right.GetAsync("/api/v1/namespaces")).Status);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/version?timeout=5s")).Status);
    }

    [Fact]
    public async Task BearerToken_CanRotateWhileRunning()
    {
        await using var emulator = await KubernetesEmulator.StartAsync(new KubernetesEmulatorOptions { BearerToken = "old" });
        using var old = new KubeHttp(emulator, "old");
        using var fresh = new KubeHttp(emulator, "new");

        emulator.BearerToken = "new";

        Assert.Equal(HttpStatusCode.Unauthorized, (await old.GetAsync("/api/v1/namespaces")).Status);
        Assert.Equal(HttpStatusCode.OK, (await fresh.GetAsync("/api/v1/namespaces")).Status);
    }

    [Fact]
    public async Task DenyRules_AnswerForbidden_WithTheRbacMessageShape()
    {
        var rule = new KubernetesDenyRule("get", "secrets", "payments") { User = "system:serviceaccount:secretsync:daemon" };
        await using var emulator = await KubernetesEmulator.StartAsync(new KubernetesEmulatorOptions { DenyRules = [rule, new KubernetesDenyRule("list", "namespaces")] });
        emulator.SeedNamespace("payments");
        using var http = new KubeHttp(emulator);
        await http.PostAsync("/api/v1/namespaces/payments/secrets", KubeHttp.Secret("db"));

        var get = await http.GetAsync("/api/v1/namespaces/payments/secrets/db");
        var list = await http.GetAsync("/api/v1/namespaces");

        KubernetesEmulatorCrudTests.AssertStatus(get.Json, 403, "Forbidden",
            "secrets \"db\" is forbidden: User \"system:serviceaccount:secretsync:daemon\" cannot get resource \"secrets\" in API group \"\" in the namespace \"payments\"");
        Assert.Equal("secrets", (string?)get.Json["details"]!["kind"]);
        KubernetesEmulatorCrudTests.AssertStatus(list.Json, 403, "Forbidden",
            "namespaces is forbidden: User \"system:serviceaccount:secretsync:secretsync\" cannot list resource \"namespaces\" in API group \"\" at the cluster scope");
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/v1/namespaces/payments/secrets")).Status);
    }

    [Fact]
    public async Task DenyRules_ForAToken_ApplyOnlyToThatToken()
    {
        await using var emulator = await KubernetesEmulator.StartAsync(new KubernetesEmulatorOptions
        {
            DenyRules = [new KubernetesDenyRule("*", "leases") { Token = "follower" }],
        });
        using var follower = new KubeHttp(emulator, "follower");
        using var leader = new KubeHttp(emulator, "leader");

        Assert.Equal(HttpStatusCode.Forbidden, (await follower.GetAsync("/apis/coordination.k8s.io/v1/namespaces/default/leases")).Status);
        Assert.Equal(HttpStatusCode.OK, (await leader.GetAsync("/apis/coordination.k8s.io/v1/namespaces/default/leases")).Status);
    }

    [Fact]
    public async Task Faults_429_CarryRetryAfter_AndATooManyRequestsStatus()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        using var http = new KubeHttp(emulator);
        emulator.Faults.Add(new FaultRule { Verb = "list", StatusCode = 429, RetryAfter = TimeSpan.FromSeconds(2), Times = 1 });

        var throttled = await http.GetAsync("/api/v1/namespaces/default/secrets");
        var next = await http.GetAsync("/api/v1/namespaces/default/secrets");

        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.Status);
        Assert.Equal(TimeSpan.FromSeconds(2), throttled.RetryAfter);
        KubernetesEmulatorCrudTests.AssertStatus(throttled.Json, 429, "TooManyRequests", "Too many requests, please try again later.");
        Assert.Equal(2, (int?)throttled.Json["details"]!["retryAfterSeconds"]);
        Assert.Equal(HttpStatusCode.OK, next.Status);
        Assert.Equal([429, 200], emulator.Requests.Snapshot().Select(r => r.Status));
    }

    [Fact]
    public async Task Faults_500_OnWrites_AreInternalErrorStatuses_AndCommitNothing()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        using var http = new KubeHttp(emulator);
        var before = emulator.History.Count;
        emulator.Faults.Add(new FaultRule { Method = "POST", StatusCode = 500 });

        var reply = await http.PostAsync("/api/v1/namespaces/default/secrets", KubeHttp.Secret("x"));

        KubernetesEmulatorCrudTests.AssertStatus(reply.Json, 500, "InternalError", null);
        Assert.Equal(before, emulator.History.Count);
    }

    [Fact]
    public async Task Tls_ServesHttps_TrustedThroughTheGeneratedAuthority()
    {
        using var tls = TlsMaterial.Generate(TimeProvider.System.GetUtcNow());
        await using var emulator = await KubernetesEmulator.StartAsync(new KubernetesEmulatorOptions { Tls = tls, BearerToken = "t" });
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, chain, _) =>
            {
                chain!.ChainPolicy.TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(tls.Authority);
                return chain.Build(certificate!);
            },
        };
        using var client = new HttpClient(handler) { BaseAddress = emulator.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new("Bearer", "t");

        var reply = await client.GetStringAsync("/api/v1/namespaces/default");

        Assert.Equal("https", emulator.BaseAddress.Scheme);
        Assert.Equal("default", (string?)JsonNode.Parse(reply)!["metadata"]!["name"]);
        Assert.Contains("certificate-authority-data:", emulator.CreateKubeconfig(), StringComparison.Ordinal);
    }
}
