using System.Text.Json;
using SecretSync.DevStack.Hosting;
using SecretSync.Testing;

namespace SecretSync.DevStack.Tests.Azure;

/// <summary>
/// The emulator driven by npm's official <c>@azure/keyvault-secrets</c> 4.11.2 (reference peers.md §5), in a private
/// network namespace reaching the emulator over HTTPS through a relayed Unix socket.
/// </summary>
public sealed class AzurePeerFidelityTests
{
    private static readonly string PeersDirectory = Path.Combine(Repository.Root, "tests", "peers");

    [PeerFact("node")]
    public async Task OfficialNodeSdk_SetGetListVersionsDelete_SeeTheDocumentedBehaviour()
    {
        var socket = Path.Combine(Path.GetTempPath(), $"azure-kv-{Guid.NewGuid():N}.sock");
        var caFile = Path.Combine(Path.GetTempPath(), $"azure-kv-ca-{Guid.NewGuid():N}.pem");
        try
        {
            await using var vault = await AzureKeyVaultEmulator.StartAsync(new AzureKeyVaultEmulatorOptions { UnixSocketPath = socket, PageSize = 25 });
            vault.Tls.WriteCaPem(caFile);
            var port = vault.BaseAddress.Port;
            var environment = new Dictionary<string, string?>
            {
                ["AZURE_KEYVAULT_URL"] = $"https://localhost:{port}",
                ["AZURE_TEST_TOKEN"] = vault.AccessToken,
                ["NODE_EXTRA_CA_CERTS"] = caFile,
                ["NO_PROXY"] = "127.0.0.1,localhost",
                ["HTTP_PROXY"] = null,
                ["HTTPS_PROXY"] = null,
                ["http_proxy"] = null,
                ["https_proxy"] = null,
                ["ALL_PROXY"] = null,
                ["all_proxy"] = null,
            };
            var run = await Tool.RunIsolatedAsync("node", [Path.Combine(PeersDirectory, "azure_keyvault.js")], [(port, socket)], environment,
                workingDirectory: PeersDirectory, timeout: TimeSpan.FromSeconds(90));
            Assert.True(run.ExitCode == 0, run.ToString());
            var requests = vault.Requests.Snapshot();
            Assert.True(requests.Count > 0, "the peer never reached the emulator");
            Assert.True(requests.All(r => r.Status < 500), string.Join('\n', requests.Where(r => r.Status >= 500)));
            var result = JsonDocument.Parse(run.StandardOutput).RootElement;

            AssertWire(requests);
            AssertResults(result, port);
        }
        finally
        {
            File.Delete(socket);
            File.Delete(caFile);
        }
    }

    // peers.md §5: one challenge, then the token on every request; the api-version name percent-encoded; trailing-slash GETs.
    private static void AssertWire(IReadOnlyList<RecordedRequest> requests)
    {
        var first = requests[0];
        Assert.Equal(("PUT", "/secrets/db", 401), (first.Method, first.Path, first.Status));
        Assert.Equal(("PUT", "/secrets/db", 200), (requests[1].Method, requests[1].Path, requests[1].Status));
        Assert.Single(requests, r => r.Status == 401);
        Assert.All(requests, r => Assert.StartsWith("azsdk-js-keyvault-secrets/4.11.2", r.UserAgent, StringComparison.Ordinal));
        Assert.Contains(requests, r => r is { Method: "GET", Path: "/secrets/db/", Status: 200 });
        Assert.Contains(requests, r => r.Query.Contains("api%2Dversion=", StringComparison.Ordinal) || r.Query.Contains("api-version=", StringComparison.Ordinal));
        Assert.Contains(requests, r => r is { Verb: "list", Status: 200 } && r.Query.Contains("maxresults=2", StringComparison.Ordinal));
        Assert.Contains(requests, r => r is { Verb: "list", Status: 200 } && r.Query.Contains("$skiptoken=", StringComparison.Ordinal));
        Assert.Contains(requests, r => r is { Verb: "list-versions", Status: 200 });
        Assert.Contains(requests, r => r is { Method: "PATCH", Verb: "update", Status: 200 });
        Assert.Contains(requests, r => r is { Verb: "delete", Status: 200 });
        Assert.Contains(requests, r => r is { Verb: "get-deleted", Status: 200 });
        Assert.Contains(requests, r => r is { Verb: "purge", Status: 204 });
    }

    private static void AssertResults(JsonElement result, int port)
    {
        var set1 = result.GetProperty("set1");
        var v1 = set1.GetProperty("version").GetString()!;
        Assert.Matches("^[0-9a-f]{32}$", v1);
        Assert.Equal("p1", set1.GetProperty("value").GetString());
        Assert.Equal("db", set1.GetProperty("name").GetString());
        Assert.Equal("text/plain", set1.GetProperty("contentType").GetString());
        Assert.Equal("team-a", set1.GetProperty("tags").GetProperty("owner").GetString());
        Assert.True(set1.GetProperty("enabled").GetBoolean());
        Assert.Equal($"https://localhost:{port}/secrets/db/{v1}", set1.GetProperty("id").GetString());
        // Epoch seconds decoded to a Date near now, not 1970 or 50,000 AD.
        var created = DateTimeOffset.Parse(set1.GetProperty("createdOn").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(created, TimeProvider.System.GetUtcNow().AddMinutes(-5), TimeProvider.System.GetUtcNow().AddMinutes(5));

        var v2 = result.GetProperty("set2").GetProperty("version").GetString()!;
        Assert.NotEqual(v1, v2);
        Assert.Equal("{\"user\":\"app\",\"password\":\"p2\"}", result.GetProperty("latest").GetProperty("value").GetString());
        Assert.Equal(v2, result.GetProperty("latest").GetProperty("version").GetString());
        Assert.Equal("p1", result.GetProperty("first").GetProperty("value").GetString());
        Assert.Equal(v1, result.GetProperty("first").GetProperty("version").GetString());
        AssertRestError(result.GetProperty("missingVersion"), 404, "SecretNotFound");

        var list = result.GetProperty("list").EnumerateArray().ToList();
        Assert.Equal(["api-key", "cache", "db"], list.Select(p => p.GetProperty("name").GetString()));
        Assert.All(list, p => Assert.Equal(JsonValueKind.Null, p.GetProperty("version").ValueKind));
        Assert.Equal([["api-key", "cache"], ["db"]], result.GetProperty("pages").EnumerateArray().Select(page => page.EnumerateArray().Select(n => n.GetString()!).ToArray()));
        Assert.Equal([v1, v2], result.GetProperty("versions").EnumerateArray().Select(p => p.GetProperty("version").GetString()));

        Assert.Equal("team-b", result.GetProperty("updated").GetProperty("tags").GetProperty("owner").GetString());
        Assert.Equal(v2, result.GetProperty("updated").GetProperty("version").GetString());
        var disabled = result.GetProperty("disabled");
        AssertRestError(disabled, 403, "Forbidden");
        Assert.Contains("Operation get is not allowed on a disabled secret.", disabled.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("p1", result.GetProperty("olderStillReadable").GetString());
        AssertRestError(result.GetProperty("missing"), 404, "SecretNotFound");

        var deleted = result.GetProperty("deleted");
        Assert.Equal("api-key", deleted.GetProperty("name").GetString());
        Assert.Equal($"https://localhost:{port}/deletedsecrets/api-key", deleted.GetProperty("recoveryId").GetString());
        Assert.NotEqual(JsonValueKind.Null, deleted.GetProperty("deletedOn").ValueKind);
        Assert.NotEqual(JsonValueKind.Null, deleted.GetProperty("scheduledPurgeDate").ValueKind);
        AssertRestError(result.GetProperty("afterDelete"), 404, "SecretNotFound");
        AssertRestError(result.GetProperty("reuseDeletedName"), 409, "Conflict");
        Assert.Equal("api-key", result.GetProperty("gotDeleted").GetString());
        AssertRestError(result.GetProperty("afterPurge"), 404, "SecretNotFound");
        Assert.Equal("k3", result.GetProperty("recreated").GetString());

        // The credential was asked once, for the vault scope and the tenant named in the challenge.
        var token = Assert.Single(result.GetProperty("tokenRequests").EnumerateArray());
        Assert.Equal(["https://vault.azure.net/.default"], token.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal("6f3c1e2a-5b4d-4c8e-9a7f-0d1e2f3a4b5c", token.GetProperty("tenantId").GetString());
    }

    private static void AssertRestError(JsonElement failure, int status, string code)
    {
        Assert.Equal(JsonValueKind.Object, failure.ValueKind);
        Assert.Equal("RestError", failure.GetProperty("name").GetString());
        Assert.Equal(status, failure.GetProperty("statusCode").GetInt32());
        Assert.Equal(code, failure.GetProperty("code").GetString());
    }
}
