using System.Net;
using System.Text.Json;
using SecretSync.Testing;
using static SecretSync.DevStack.Tests.Vault.VaultShape;

namespace SecretSync.DevStack.Tests.Vault;

/// <summary>Tokens, logins and policies, pinned to reference vault.md §3.</summary>
public sealed class VaultAuthTests
{
    // vault.md §3 "lookup-self returns data (not auth)" with the listed fields; root tokens have ttl 0.
    [Fact]
    public async Task LookupSelf_OfTheRootToken_ReportsTheDocumentedFields()
    {
        await using var c = await VaultTestClient.StartAsync();

        var self = await c.GetAsync("v1/auth/token/lookup-self");
        Assert.Equal(HttpStatusCode.OK, self.Status);
        AssertEnvelope(self.Json);
        foreach (var field in new[] { "accessor", "creation_time", "creation_ttl", "display_name", "entity_id", "expire_time", "explicit_max_ttl", "id",
            "issue_time", "meta", "num_uses", "orphan", "path", "policies", "renewable", "ttl" })
        {
            Assert.True(self.Data.TryGetProperty(field, out _), field);
        }

        Assert.Equal("root", self.Data.GetProperty("id").GetString());
        Assert.Equal(["root"], self.Data.GetProperty("policies").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(0, self.Data.GetProperty("ttl").GetInt64());
        Assert.Equal(JsonValueKind.Null, self.Data.GetProperty("expire_time").ValueKind);
    }

    // vault.md §3 lookup-self `ttl` (remaining seconds) and "A revoked/expired token on a normal request → 403 permission denied".
    [Fact]
    public async Task LookupSelf_TtlCountsDownOnTheClock_AndAnExpiredTokenIs403()
    {
        var clock = new ManualTimeProvider();
        await using var c = await VaultTestClient.StartAsync(new VaultEmulatorOptions { Time = clock });
        var token = c.Vault.CreateToken(["reader"], TimeSpan.FromMinutes(10), renewable: true);

        var fresh = await c.GetAsync("v1/auth/token/lookup-self", token);
        Assert.Equal(600, fresh.Data.GetProperty("ttl").GetInt64());
        Assert.Equal(600, fresh.Data.GetProperty("creation_ttl").GetInt64());
        Assert.Equal(["default", "reader"], fresh.Data.GetProperty("policies").EnumerateArray().Select(p => p.GetString()));
        Assert.True(fresh.Data.GetProperty("renewable").GetBoolean());

        clock.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(360, (await c.GetAsync("v1/auth/token/lookup-self", token)).Data.GetProperty("ttl").GetInt64());

        clock.Advance(TimeSpan.FromMinutes(6));
        AssertErrors(await c.GetAsync("v1/auth/token/lookup-self", token), HttpStatusCode.Forbidden, "permission denied");
    }

    // vault.md §3 "renew-self returns auth ... lease_duration" and "Renewal is only possible if the token has a lease".
    [Fact]
    public async Task RenewSelf_ExtendsTheTtlUpToTheMaxTtl_AndRefusesNonRenewableTokens()
    {
        var clock = new ManualTimeProvider();
        await using var c = await VaultTestClient.StartAsync(new VaultEmulatorOptions { Time = clock, MaxTokenTtl = TimeSpan.FromHours(1) });
        var token = c.Vault.CreateToken(["reader"], TimeSpan.FromMinutes(10), renewable: true);
        clock.Advance(TimeSpan.FromMinutes(8));

        var renewed = await c.PostAsync("v1/auth/token/renew-self", new { }, token);
        Assert.Equal(HttpStatusCode.OK, renewed.Status);
        AssertEnvelope(renewed.Json, hasAuth: true);
        var auth = renewed.Json.GetProperty("auth");
        Assert.Equal(token, auth.GetProperty("client_token").GetString());
        Assert.Equal(600, auth.GetProperty("lease_duration").GetInt64());
        Assert.True(auth.GetProperty("renewable").GetBoolean());
        Assert.Equal(600, (await c.GetAsync("v1/auth/token/lookup-self", token)).Data.GetProperty("ttl").GetInt64());

        var capped = await c.PostAsync("v1/auth/token/renew-self", new { increment = "2h" }, token);
        Assert.Equal(52 * 60, capped.Json.GetProperty("auth").GetProperty("lease_duration").GetInt64());
        Assert.Single(capped.Json.GetProperty("warnings").EnumerateArray());

        var fixedToken = c.Vault.CreateToken(["reader"], TimeSpan.FromMinutes(10), renewable: false);
        AssertErrors(await c.PostAsync("v1/auth/token/renew-self", new { }, fixedToken), HttpStatusCode.BadRequest, "lease is not renewable");
    }

    // vault.md §3 "AppRole login" and the auth block ("All login endpoints ... return the token under auth (with data: null)").
    [Fact]
    public async Task AppRoleLogin_ReturnsTheAuthBlock_AndTheTokenCarriesTheRolePolicies()
    {
        await using var c = await VaultTestClient.StartAsync();
        c.Vault.SetPolicy("app-read", ("secret/data/app/", ["read"]));
        c.Vault.WriteSecret("secret", "app/db", new Dictionary<string, object?> { ["pw"] = "x" });
        var (roleId, secretId) = c.Vault.AddAppRole("app", ["app-read"], TimeSpan.FromHours(1));

        var login = await c.PostAsync("v1/auth/approle/login", new { role_id = roleId, secret_id = secretId }, token: null);
        Assert.Equal(HttpStatusCode.OK, login.Status);
        AssertEnvelope(login.Json, hasAuth: true);
        Assert.Equal(JsonValueKind.Null, login.Json.GetProperty("data").ValueKind);
        var auth = login.Json.GetProperty("auth");
        foreach (var field in new[] { "client_token", "accessor", "policies", "token_policies", "metadata", "lease_duration", "renewable", "entity_id", "token_type", "orphan" })
        {
            Assert.True(auth.TryGetProperty(field, out _), field);
        }

        Assert.Equal(3600, auth.GetProperty("lease_duration").GetInt64());
        Assert.True(auth.GetProperty("renewable").GetBoolean());
        Assert.Equal(["app-read", "default"], auth.GetProperty("policies").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal("app", auth.GetProperty("metadata").GetProperty("role_name").GetString());
        var token = auth.GetProperty("client_token").GetString();
        Assert.Equal(HttpStatusCode.OK, (await c.GetAsync("v1/secret/data/app/db", token)).Status);

        var bad = await c.PostAsync("v1/auth/approle/login", new { role_id = roleId, secret_id = "wrong" }, token: null);
        AssertErrors(bad, HttpStatusCode.BadRequest, "invalid role or secret ID");
    }

    // vault.md §3 "Kubernetes login" with auth.metadata role, service_account_name/namespace/uid/secret_name.
    [Fact]
    public async Task KubernetesLogin_AcceptsTheBoundServiceAccountOnly()
    {
        await using var c = await VaultTestClient.StartAsync();
        var jwt = c.Vault.AddKubernetesRole("secretsync", "secretsync", "platform", ["app-read"], TimeSpan.FromMinutes(30));
        Assert.Equal(3, jwt.Split('.').Length);

        var login = await c.PostAsync("v1/auth/kubernetes/login", new { role = "secretsync", jwt }, token: null);
        Assert.Equal(HttpStatusCode.OK, login.Status);
        var auth = login.Json.GetProperty("auth");
        Assert.Equal(1800, auth.GetProperty("lease_duration").GetInt64());
        var metadata = auth.GetProperty("metadata");
        Assert.Equal(["role", "service_account_name", "service_account_namespace", "service_account_secret_name", "service_account_uid"], Names(metadata));
        Assert.Equal("secretsync", metadata.GetProperty("service_account_name").GetString());
        Assert.Equal("platform", metadata.GetProperty("service_account_namespace").GetString());
        Assert.Equal(HttpStatusCode.OK, (await c.GetAsync("v1/auth/token/lookup-self", auth.GetProperty("client_token").GetString())).Status);

        var stranger = c.Vault.IssueServiceAccountJwt("intruder", "platform");
        AssertErrors(await c.PostAsync("v1/auth/kubernetes/login", new { role = "secretsync", jwt = stranger }, token: null),
            HttpStatusCode.Forbidden, "service account name not authorized");
        var elsewhere = c.Vault.IssueServiceAccountJwt("secretsync", "default");
        AssertErrors(await c.PostAsync("v1/auth/kubernetes/login", new { role = "secretsync", jwt = elsewhere }, token: null),
            HttpStatusCode.Forbidden, "namespace not authorized");
        var forged = jwt[..jwt.LastIndexOf('.')] + ".AAAA";
        AssertErrors(await c.PostAsync("v1/auth/kubernetes/login", new { role = "secretsync", jwt = forged }, token: null),
            HttpStatusCode.Forbidden, "permission denied");
        Assert.Equal(HttpStatusCode.BadRequest, (await c.PostAsync("v1/auth/kubernetes/login", new { role = "nope", jwt }, token: null)).Status);
    }

    // vault.md §1 status 403 "permission denied"; policies use the secret/data/... and secret/metadata/... forms.
    [Fact]
    public async Task Policies_GrantCapabilitiesByPathPrefix_AndEverythingElseIs403()
    {
        await using var c = await VaultTestClient.StartAsync();
        c.Vault.SetPolicy("app",
            ("secret/data/app/", ["read", "create"]),
            ("secret/metadata/app/", ["list", "read"]),
            ("secret/data/app/locked", ["deny"]));
        var token = c.Vault.CreateToken(["app"], TimeSpan.FromHours(1), renewable: true);
        c.Vault.WriteSecret("secret", "app/db", new Dictionary<string, object?> { ["pw"] = "x" });
        c.Vault.WriteSecret("secret", "app/locked", new Dictionary<string, object?> { ["pw"] = "x" });
        c.Vault.WriteSecret("secret", "ops/db", new Dictionary<string, object?> { ["pw"] = "x" });

        Assert.Equal(HttpStatusCode.OK, (await c.GetAsync("v1/secret/data/app/db", token)).Status);
        Assert.Equal(HttpStatusCode.OK, (await c.ListAsync("v1/secret/metadata/app", token)).Status);
        Assert.Equal(HttpStatusCode.OK, (await c.GetAsync("v1/secret/metadata/app/db", token)).Status);
        Assert.Equal(HttpStatusCode.OK, (await c.PostAsync("v1/secret/data/app/new", new { data = new { v = 1 } }, token)).Status);

        // create is not update: the existing key refuses, as Vault's existence check does.
        AssertErrors(await c.PostAsync("v1/secret/data/app/db", new { data = new { v = 1 } }, token), HttpStatusCode.Forbidden, "permission denied");
        AssertErrors(await c.GetAsync("v1/secret/data/app/locked", token), HttpStatusCode.Forbidden, "permission denied");
        AssertErrors(await c.GetAsync("v1/secret/data/ops/db", token), HttpStatusCode.Forbidden, "permission denied");
        AssertErrors(await c.ListAsync("v1/secret/metadata", token), HttpStatusCode.Forbidden, "permission denied");
        AssertErrors(await c.DeleteAsync("v1/secret/data/app/db", token), HttpStatusCode.Forbidden, "permission denied");

        // The default policy lets every token look itself up (§3).
        Assert.Equal(HttpStatusCode.OK, (await c.GetAsync("v1/auth/token/lookup-self", token)).Status);
        Assert.True(c.Vault.RevokeToken(token));
        AssertErrors(await c.GetAsync("v1/secret/data/app/db", token), HttpStatusCode.Forbidden, "permission denied");
    }
}
