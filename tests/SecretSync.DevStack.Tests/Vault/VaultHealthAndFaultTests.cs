using System.Net;
using SecretSync.DevStack.Hosting;
using static SecretSync.DevStack.Tests.Vault.VaultShape;

namespace SecretSync.DevStack.Tests.Vault;

/// <summary><c>sys/health</c>, sealing and injected faults, pinned to reference vault.md §1 and §4.</summary>
public sealed class VaultHealthAndFaultTests
{
    // vault.md §4: 200 active with the listed body fields; the code overrides by query parameter.
    [Fact]
    public async Task Health_OfAnActiveVault_Is200WithTheDocumentedBody_AndHonoursOverrides()
    {
        await using var c = await VaultTestClient.StartAsync();

        var health = await c.GetAsync("v1/sys/health", token: null);
        Assert.Equal(HttpStatusCode.OK, health.Status);
        foreach (var field in new[] { "initialized", "sealed", "standby", "performance_standby", "replication_performance_mode", "replication_dr_mode",
            "server_time_utc", "version", "cluster_name", "cluster_id" })
        {
            Assert.True(health.Json.TryGetProperty(field, out _), field);
        }

        Assert.True(health.Json.GetProperty("initialized").GetBoolean());
        Assert.False(health.Json.GetProperty("sealed").GetBoolean());
        Assert.Equal(HttpStatusCode.NoContent, (await c.GetAsync("v1/sys/health?activecode=204", token: null)).Status);

        var head = await c.SendAsync("HEAD", "v1/sys/health", null, token: null);
        Assert.Equal(HttpStatusCode.OK, head.Status);
        Assert.Equal("", head.Raw);
    }

    // vault.md §4: unsealed standby 429, or the active code with standbyok=true; standbycode overrides.
    [Fact]
    public async Task Health_OfAStandby_Is429_UnlessStandbyOk()
    {
        await using var c = await VaultTestClient.StartAsync();
        c.Vault.Standby = true;

        Assert.Equal((HttpStatusCode)429, (await c.GetAsync("v1/sys/health", token: null)).Status);
        Assert.True((await c.GetAsync("v1/sys/health", token: null)).Json.GetProperty("standby").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, (await c.GetAsync("v1/sys/health?standbyok=true", token: null)).Status);
        Assert.Equal((HttpStatusCode)472, (await c.GetAsync("v1/sys/health?standbycode=472", token: null)).Status);
    }

    // vault.md §4 sealed = 503 (sealedcode overrides) and §1 status 503 "sealed": every other request is refused.
    [Fact]
    public async Task Sealed_Makes_HealthAnswer503_AndEveryOtherRequestAnswerVaultIsSealed()
    {
        await using var c = await VaultTestClient.StartAsync();
        c.Vault.Sealed = true;

        var health = await c.GetAsync("v1/sys/health", token: null);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.Status);
        Assert.True(health.Json.GetProperty("sealed").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, (await c.GetAsync("v1/sys/health?sealedcode=200", token: null)).Status);
        AssertErrors(await c.GetAsync("v1/secret/data/x"), HttpStatusCode.ServiceUnavailable, "Vault is sealed");
        AssertErrors(await c.PostAsync("v1/auth/approle/login", new { role_id = "r", secret_id = "s" }, token: null), HttpStatusCode.ServiceUnavailable, "Vault is sealed");

        c.Vault.Sealed = false;
        Assert.Equal(HttpStatusCode.OK, (await c.GetAsync("v1/sys/health", token: null)).Status);
    }

    // vault.md §1 status table (429, 500, 503) with the errors body; faults match the emulator's operation names.
    [Fact]
    public async Task InjectedFaults_AnswerInVaultsErrorShape_WithRetryAfter_AndTheLogNamesOperations()
    {
        await using var c = await VaultTestClient.StartAsync();
        c.Vault.WriteSecret("secret", "x", new Dictionary<string, object?> { ["v"] = 1 });
        using (c.Vault.Faults.Add(new FaultRule { Verb = "read", StatusCode = 429, RetryAfter = TimeSpan.FromSeconds(3), Times = 1 }))
        {
            var throttled = await c.GetAsync("v1/secret/data/x");
            AssertErrors(throttled, (HttpStatusCode)429, "request path \"secret/data/x\": rate limit quota exceeded");
            Assert.Equal(TimeSpan.FromSeconds(3), throttled.Response.Headers.RetryAfter?.Delta);
        }

        c.Vault.Faults.Add(new FaultRule { Verb = "metadata-read", StatusCode = 503, Times = 1 });
        AssertErrors(await c.GetAsync("v1/secret/metadata/x"), HttpStatusCode.ServiceUnavailable, "Vault is sealed");
        c.Vault.Faults.Add(new FaultRule { Verb = "write", StatusCode = 500, Times = 1 });
        AssertErrors(await c.PostAsync("v1/secret/data/x", new { data = new { v = 2 } }), HttpStatusCode.InternalServerError, "internal error");
        Assert.Equal(HttpStatusCode.OK, (await c.GetAsync("v1/secret/data/x")).Status);

        await c.ListAsync("v1/secret/metadata");
        await c.PatchAsync("v1/secret/data/x", new { data = new { v = 3 } });
        await c.PostAsync("v1/secret/destroy/x", new { versions = new[] { 1 } });
        await c.GetAsync("v1/auth/token/lookup-self");
        await c.GetAsync("v1/sys/health", token: null);
        Assert.Equal(["read", "metadata-read", "write", "read", "list", "patch", "destroy", "lookup-self", "health"],
            c.Vault.Requests.Snapshot().Select(r => r.Verb));
    }
}
