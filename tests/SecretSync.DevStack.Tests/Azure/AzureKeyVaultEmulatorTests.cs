using System.Text.Json;
using SecretSync.DevStack.Hosting;
using SecretSync.Testing;

namespace SecretSync.DevStack.Tests.Azure;

/// <summary>The Key Vault emulator's wire behaviour against azure-key-vault.md §1–§4.</summary>
public sealed class AzureKeyVaultEmulatorTests : IAsyncLifetime
{
    private AzureKeyVaultEmulator _vault = null!;
    private AzureTestClient _client = null!;

    public async Task InitializeAsync()
    {
        _vault = await AzureKeyVaultEmulator.StartAsync();
        _client = new AzureTestClient(_vault);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _vault.DisposeAsync();
    }

    [Fact]
    public async Task ServesHttps_WithACertificateSignedByItsOwnCa()
    {
        Assert.Equal("https", _vault.BaseAddress.Scheme);
        Assert.Contains("BEGIN CERTIFICATE", _vault.CaPem, StringComparison.Ordinal);

        var (status, _, _) = await _client.SendAsync(HttpMethod.Get, "/secrets?api-version=7.6");

        Assert.Equal(200, status);
    }

    [Fact]
    public async Task ARequestWithoutAToken_GetsTheChallenge()
    {
        var (status, body, response) = await _client.SendAsync(HttpMethod.Get, "/secrets/db/?api-version=7.6", authenticated: false);

        Assert.Equal(401, status);
        Assert.Equal("Unauthorized", body.GetProperty("error").GetProperty("code").GetString());
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Equal($"authorization=\"https://login.microsoftonline.com/{_vault.TenantId}\", resource=\"https://vault.azure.net\"", challenge.Parameter);
    }

    [Fact]
    public async Task AnotherToken_IsRefusedWithTheChallenge()
    {
        var (status, _, response) = await _client.SendAsync(HttpMethod.Get, "/secrets?api-version=7.6", token: "someone-else");

        Assert.Equal(401, status);
        Assert.Single(response.Headers.WwwAuthenticate);
    }

    [Fact]
    public async Task ApiVersion_IsRequired_AndMayArrivePercentEncoded()
    {
        var missing = await _client.SendAsync(HttpMethod.Get, "/secrets");
        var unknown = await _client.SendAsync(HttpMethod.Get, "/secrets?api-version=1.0");
        var encoded = await _client.SendAsync(HttpMethod.Get, "/secrets?api%2Dversion=2025-07-01");

        Assert.Equal(400, missing.Status);
        Assert.Equal("BadParameter", missing.Body.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(400, unknown.Status);
        Assert.Equal(200, encoded.Status);
    }

    [Fact]
    public async Task Set_ThenGet_ReturnsTheBundleWithAnIdNamingTheVersion_AndEpochSecondTimes()
    {
        var (status, set, _) = await _client.SendAsync(HttpMethod.Put, "/secrets/db?api-version=7.6",
            new { value = "p1", contentType = "text/plain", tags = new { owner = "team-a" }, attributes = new { } });
        var version = set.GetProperty("id").GetString()!.Split('/')[^1];

        var latest = await _client.SendAsync(HttpMethod.Get, "/secrets/db/?api-version=7.6");
        var byVersion = await _client.SendAsync(HttpMethod.Get, $"/secrets/DB/{version}?api-version=7.6");

        Assert.Equal(200, status);
        Assert.Matches("^[0-9a-f]{32}$", version);
        Assert.Equal($"https://127.0.0.1:{_vault.BaseAddress.Port}/secrets/db/{version}", latest.Body.GetProperty("id").GetString());
        Assert.Equal("p1", latest.Body.GetProperty("value").GetString());
        Assert.Equal("text/plain", latest.Body.GetProperty("contentType").GetString());
        Assert.Equal("team-a", latest.Body.GetProperty("tags").GetProperty("owner").GetString());
        var attributes = latest.Body.GetProperty("attributes");
        Assert.True(attributes.GetProperty("enabled").GetBoolean());
        Assert.Equal(JsonValueKind.Number, attributes.GetProperty("created").ValueKind);
        Assert.InRange(attributes.GetProperty("created").GetInt64(), TimeProvider.System.GetUtcNow().ToUnixTimeSeconds() - 60, TimeProvider.System.GetUtcNow().ToUnixTimeSeconds() + 60);
        Assert.Equal("Recoverable+Purgeable", attributes.GetProperty("recoveryLevel").GetString());
        Assert.Equal("p1", byVersion.Body.GetProperty("value").GetString());
    }

    [Fact]
    public async Task Get_OfAMissingSecretOrVersion_IsSecretNotFound()
    {
        _vault.SetSecret("db", "p1");

        var missing = await _client.SendAsync(HttpMethod.Get, "/secrets/nope?api-version=7.6");
        var missingVersion = await _client.SendAsync(HttpMethod.Get, "/secrets/db/0123456789abcdef0123456789abcdef?api-version=7.6");

        Assert.Equal(404, missing.Status);
        Assert.Equal("SecretNotFound", missing.Body.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains("nope", missing.Body.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(404, missingVersion.Status);
        Assert.Equal("SecretNotFound", missingVersion.Body.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Get_OfADisabledVersion_IsForbiddenWithInnerSecretDisabled()
    {
        var v1 = _vault.SetSecret("db", "p1");
        _vault.SetSecret("db", "p2");
        _vault.DisableSecret("db");

        var latest = await _client.SendAsync(HttpMethod.Get, "/secrets/db?api-version=7.6");
        var older = await _client.SendAsync(HttpMethod.Get, $"/secrets/db/{v1}?api-version=7.6");

        Assert.Equal(403, latest.Status);
        var error = latest.Body.GetProperty("error");
        Assert.Equal("Forbidden", error.GetProperty("code").GetString());
        Assert.Equal("Operation get is not allowed on a disabled secret.", error.GetProperty("message").GetString());
        Assert.Equal("SecretDisabled", error.GetProperty("innererror").GetProperty("code").GetString());
        Assert.Equal(200, older.Status);
    }

    [Fact]
    public async Task Patch_UpdatesAttributesAndTags_WithoutReturningTheValue()
    {
        var v1 = _vault.SetSecret("db", "p1");

        var (status, body, _) = await _client.SendAsync(HttpMethod.Patch, $"/secrets/db/{v1}?api-version=7.6",
            new { attributes = new { enabled = false }, tags = new { owner = "team-b" } });
        var current = await _client.SendAsync(HttpMethod.Patch, "/secrets/db/?api-version=7.6", new { attributes = new { enabled = true } });

        Assert.Equal(200, status);
        Assert.False(body.TryGetProperty("value", out _));
        Assert.False(body.GetProperty("attributes").GetProperty("enabled").GetBoolean());
        Assert.Equal("team-b", body.GetProperty("tags").GetProperty("owner").GetString());
        Assert.Equal(200, current.Status);
        Assert.True(_vault.ReadSecret("db")!.Enabled);
    }

    [Fact]
    public async Task List_PagesThroughAbsoluteNextLinks_AndItemsHaveNoVersionOrValue()
    {
        for (var i = 0; i < 5; i++)
        {
            _vault.SetSecret($"s{i}", "v");
        }

        _vault.DisableSecret("s3");
        var names = new List<string>();
        var pages = 0;
        string? next = "/secrets?api-version=7.6&maxresults=2";
        while (next is not null)
        {
            var (status, body, _) = await _client.SendAsync(HttpMethod.Get, next);
            Assert.Equal(200, status);
            pages++;
            foreach (var item in body.GetProperty("value").EnumerateArray())
            {
                Assert.False(item.TryGetProperty("value", out _));
                names.Add(item.GetProperty("id").GetString()!.Split('/')[^1]);
                Assert.Equal(item.GetProperty("id").GetString()!.Split('/')[^1] != "s3", item.GetProperty("attributes").GetProperty("enabled").GetBoolean());
            }

            next = body.GetProperty("nextLink").ValueKind == JsonValueKind.Null ? null : body.GetProperty("nextLink").GetString();
            if (next is not null)
            {
                Assert.StartsWith(_vault.BaseAddress.ToString().TrimEnd('/') + "/secrets?api-version=7.6&$skiptoken=", next, StringComparison.Ordinal);
            }
        }

        Assert.Equal(3, pages);
        Assert.Equal(["s0", "s1", "s2", "s3", "s4"], names);
        Assert.Equal(400, (await _client.SendAsync(HttpMethod.Get, "/secrets?api-version=7.6&maxresults=26")).Status);
    }

    [Fact]
    public async Task ListVersions_GivesIdsWithTheVersion()
    {
        var v1 = _vault.SetSecret("db", "p1");
        var v2 = _vault.SetSecret("db", "p2");

        var (status, body, _) = await _client.SendAsync(HttpMethod.Get, "/secrets/db/versions?api-version=7.6");
        var missing = await _client.SendAsync(HttpMethod.Get, "/secrets/nope/versions?api-version=7.6");

        Assert.Equal(200, status);
        Assert.Equal([v1, v2], body.GetProperty("value").EnumerateArray().Select(i => i.GetProperty("id").GetString()!.Split('/')[^1]));
        Assert.Equal(404, missing.Status);
    }

    [Fact]
    public async Task Delete_SoftDeletes_ThenDeletedSecretsServeIt_UntilPurged()
    {
        _vault.SetSecret("db", "p1");

        var (status, deleted, _) = await _client.SendAsync(HttpMethod.Delete, "/secrets/db?api-version=7.6");
        var get = await _client.SendAsync(HttpMethod.Get, "/secrets/db?api-version=7.6");
        var reuse = await _client.SendAsync(HttpMethod.Put, "/secrets/db?api-version=7.6", new { value = "p2" });
        var gotDeleted = await _client.SendAsync(HttpMethod.Get, "/deletedsecrets/db?api-version=7.6");
        var listDeleted = await _client.SendAsync(HttpMethod.Get, "/deletedsecrets?api-version=7.6");
        var purge = await _client.SendAsync(HttpMethod.Delete, "/deletedsecrets/db?api-version=7.6");
        var afterPurge = await _client.SendAsync(HttpMethod.Get, "/deletedsecrets/db?api-version=7.6");
        var recreate = await _client.SendAsync(HttpMethod.Put, "/secrets/db?api-version=7.6", new { value = "p3" });

        Assert.Equal(200, status);
        Assert.Equal($"https://127.0.0.1:{_vault.BaseAddress.Port}/deletedsecrets/db", deleted.GetProperty("recoveryId").GetString());
        Assert.True(deleted.GetProperty("scheduledPurgeDate").GetInt64() - deleted.GetProperty("deletedDate").GetInt64() == 90 * 86_400);
        Assert.Equal(404, get.Status);
        Assert.Equal("SecretNotFound", get.Body.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(409, reuse.Status);
        Assert.Equal("ObjectIsDeletedButRecoverable", reuse.Body.GetProperty("error").GetProperty("innererror").GetProperty("code").GetString());
        Assert.Equal(200, gotDeleted.Status);
        Assert.Single(listDeleted.Body.GetProperty("value").EnumerateArray());
        Assert.Equal(204, purge.Status);
        Assert.Equal(404, afterPurge.Status);
        Assert.Equal(200, recreate.Status);
    }

    [Fact]
    public async Task Recover_BringsADeletedSecretBack()
    {
        _vault.SetSecret("db", "p1");
        _vault.DeleteSecret("db");

        var (status, _, _) = await _client.SendAsync(HttpMethod.Post, "/deletedsecrets/db/recover?api-version=7.6");

        Assert.Equal(200, status);
        Assert.Equal("p1", _vault.ReadSecret("db")!.Value);
    }

    [Fact]
    public async Task InvalidNamesAndBodies_AreBadParameter()
    {
        var name = await _client.SendAsync(HttpMethod.Put, "/secrets/bad_name?api-version=7.6", new { value = "x" });
        var noValue = await _client.SendAsync(HttpMethod.Put, "/secrets/db?api-version=7.6", new { contentType = "x" });
        var notJson = await _client.SendRawAsync(HttpMethod.Put, "/secrets/db?api-version=7.6", "{nope");

        Assert.All(new[] { name, noValue, notJson }, r =>
        {
            Assert.Equal(400, r.Status);
            Assert.Equal("BadParameter", r.Body.GetProperty("error").GetProperty("code").GetString());
        });
        Assert.Throws<ArgumentException>(() => _vault.SetSecret("bad/name", "x"));
    }

    [Fact]
    public async Task Faults_AnswerInKeyVaultsErrorShape_AndTheRequestLogNamesOperations()
    {
        _vault.SetSecret("db", "p1");
        using (_vault.Faults.Add(new FaultRule { StatusCode = 429, RetryAfter = TimeSpan.FromSeconds(7), Times = 1 }))
        {
            var (status, body, response) = await _client.SendAsync(HttpMethod.Get, "/secrets/db?api-version=7.6");
            Assert.Equal(429, status);
            Assert.Equal("Throttled", body.GetProperty("error").GetProperty("code").GetString());
            Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter!.Delta);
        }

        await _client.SendAsync(HttpMethod.Get, "/secrets/db?api-version=7.6");
        await _client.SendAsync(HttpMethod.Get, "/secrets?api-version=7.6");

        Assert.Equal(
            [("get", 429), ("get", 200), ("list", 200)],
            _vault.Requests.Snapshot().Select(r => (r.Verb, r.Status)));
    }

    [Fact]
    public async Task TheDateHeader_ComesFromTheEmulatorsClock()
    {
        var start = TimeProvider.System.GetUtcNow();
        var clock = new ManualTimeProvider(start.AddHours(3));
        await using var vault = await AzureKeyVaultEmulator.StartAsync(new AzureKeyVaultEmulatorOptions
        {
            Time = clock,
            Tls = _vault.Tls,
        });
        using var client = new AzureTestClient(vault);

        var (_, _, response) = await client.SendAsync(HttpMethod.Get, "/secrets?api-version=7.6");

        Assert.Equal(start.AddHours(3).ToUnixTimeSeconds(), response.Headers.Date!.Value.ToUnixTimeSeconds());
    }
}
