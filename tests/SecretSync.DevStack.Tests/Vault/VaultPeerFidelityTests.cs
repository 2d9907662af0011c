using System.Text.Json;
using SecretSync.DevStack.Hosting;
using SecretSync.Testing;

namespace SecretSync.DevStack.Tests.Vault;

/// <summary>
/// The emulator driven by clients no one here wrote (reference peers.md §2): Debian's python3-hvac and npm's
/// node-vault 0.12.0, each in a private network namespace reaching the emulator through a relayed Unix socket.
/// </summary>
public sealed class VaultPeerFidelityTests
{
    private static readonly string PeersDirectory = Path.Combine(Repository.Root, "tests", "peers");

    // peers.md §2b (hvac's KV v2 helpers) against vault.md §2 shapes: CAS, versions, list, metadata, delete, destroy, purge.
    [PeerFact("hvac")]
    public async Task Hvac_KvV2Helpers_SeeTheDocumentedBehaviour()
    {
        var (result, requests) = await RunPeerAsync("/usr/bin/python3", Path.Combine(PeersDirectory, "vault_hvac.py"));

        // The wire as peers.md §2b observed it: requests' UA, the LIST verb on a folder named without its slash.
        Assert.All(requests, r => Assert.StartsWith("python-requests/", r.UserAgent));
        Assert.Contains(requests, r => r is { Method: "LIST", Path: "/v1/secret/metadata/app", Status: 200 });
        Assert.Contains(requests, r => r is { Method: "GET", Path: "/v1/auth/token/lookup-self", Status: 403 });

        Assert.True(result.GetProperty("authenticated").GetBoolean());
        Assert.False(result.GetProperty("bad_token_authenticated").GetBoolean());
        Assert.Equal(1, result.GetProperty("v1").GetInt32());
        Assert.Equal(2, result.GetProperty("v2").GetInt32());
        AssertFailure(result.GetProperty("cas_mismatch"), "InvalidRequest", "check-and-set parameter did not match the current version");

        Assert.Equal("p2", result.GetProperty("latest").GetProperty("data").GetProperty("pw").GetString());
        Assert.Equal(2, result.GetProperty("latest").GetProperty("version").GetInt32());
        Assert.Equal("", result.GetProperty("latest").GetProperty("deletion_time").GetString());
        Assert.Equal("p1", result.GetProperty("first").GetProperty("pw").GetString());
        Assert.Equal(3, result.GetProperty("patched_version").GetInt32());
        Assert.Equal("p3", result.GetProperty("patched").GetProperty("pw").GetString());
        Assert.Equal("bob", result.GetProperty("patched").GetProperty("user").GetString());

        Assert.Equal(["api/", "db"], Strings(result.GetProperty("list_app")));
        Assert.Equal(["app/", "other"], Strings(result.GetProperty("list_root")));
        AssertFailure(result.GetProperty("list_missing"), "InvalidPath", null);

        Assert.Equal(3, result.GetProperty("metadata").GetProperty("current_version").GetInt32());
        Assert.Equal(["1", "2", "3"], Strings(result.GetProperty("metadata").GetProperty("versions")));

        AssertFailure(result.GetProperty("read_after_delete"), "InvalidPath", null);
        Assert.Equal("p2", result.GetProperty("v2_after_delete").GetProperty("pw").GetString());
        AssertFailure(result.GetProperty("read_destroyed"), "InvalidPath", null);
        Assert.True(result.GetProperty("destroyed_flag").GetBoolean());
        Assert.Equal("p3", result.GetProperty("undeleted").GetProperty("pw").GetString());

        AssertFailure(result.GetProperty("metadata_after_purge"), "InvalidPath", null);
        Assert.Equal(["api/"], Strings(result.GetProperty("list_app_after_purge")));
        Assert.Equal(5, result.GetProperty("config").GetProperty("max_versions").GetInt32());
    }

    // peers.md §2a (node-vault: raw paths, LIST verb, merge-patch update, health) against vault.md §1, §2 and §4 shapes.
    [PeerFact("node")]
    public async Task NodeVault_ReadWritePatchListDeleteAndHealth_SeeTheDocumentedJson()
    {
        var (result, requests) = await RunPeerAsync("node", Path.Combine(PeersDirectory, "vault_node.js"));

        // The wire as peers.md §2a observed it: axios, the custom LIST verb, ?list=1 without it, PATCH for update.
        Assert.All(requests, r => Assert.StartsWith("axios/", r.UserAgent));
        Assert.Contains(requests, r => r is { Method: "LIST", Path: "/v1/secret/metadata/app", Status: 200 });
        Assert.Contains(requests, r => r is { Method: "GET", Path: "/v1/secret/metadata/app/", Query: "?list=1", Status: 200 });
        Assert.Contains(requests, r => r is { Method: "PATCH", Verb: "patch", Status: 200 });

        Assert.Equal(1, result.GetProperty("v1").GetInt32());
        var cas = result.GetProperty("casMismatch");
        Assert.Equal("check-and-set parameter did not match the current version", cas.GetProperty("message").GetString());
        Assert.Equal(400, cas.GetProperty("status").GetInt32());

        var read = result.GetProperty("read");
        Assert.Equal("p1", read.GetProperty("data").GetProperty("pw").GetString());
        Assert.Equal(1, read.GetProperty("version").GetInt32());
        Assert.Equal(["auth", "data", "lease_duration", "lease_id", "mount_type", "renewable", "request_id", "warnings", "wrap_info"],
            Strings(read.GetProperty("envelope")));
        Assert.Equal(2, result.GetProperty("v2").GetInt32());
        Assert.Equal("p2", result.GetProperty("afterPatch").GetProperty("pw").GetString());
        Assert.Equal("bob", result.GetProperty("afterPatch").GetProperty("user").GetString());
        Assert.Equal("p1", result.GetProperty("first").GetProperty("pw").GetString());

        Assert.Equal(["app/"], Strings(result.GetProperty("listRoot")));
        Assert.Equal(["api/", "db"], Strings(result.GetProperty("listApp")));
        Assert.Equal(["api/", "db"], Strings(result.GetProperty("listAppPlain")));
        Assert.Equal("Status 404", result.GetProperty("listEmpty").GetProperty("message").GetString());
        Assert.Equal(2, result.GetProperty("metadata").GetProperty("current").GetInt32());
        Assert.Equal(["1", "2"], Strings(result.GetProperty("metadata").GetProperty("versions")));

        // The soft-deleted read is a 404 carrying the envelope with data.data null and the deletion time (vault.md §2).
        var deleted = result.GetProperty("readDeleted");
        Assert.Equal(404, deleted.GetProperty("status").GetInt32());
        Assert.Equal(JsonValueKind.Null, deleted.GetProperty("body").GetProperty("data").GetProperty("data").ValueKind);
        Assert.NotEqual("", deleted.GetProperty("body").GetProperty("data").GetProperty("metadata").GetProperty("deletion_time").GetString());
        var purged = result.GetProperty("readPurged");
        Assert.Equal(404, purged.GetProperty("status").GetInt32());
        Assert.Equal("{\"errors\":[]}", purged.GetProperty("body").GetRawText());

        var forbidden = result.GetProperty("forbidden");
        Assert.Equal(403, forbidden.GetProperty("status").GetInt32());
        Assert.Equal("permission denied", forbidden.GetProperty("message").GetString());

        var health = result.GetProperty("health");
        Assert.True(health.GetProperty("initialized").GetBoolean());
        Assert.False(health.GetProperty("sealed").GetBoolean());
        Assert.False(health.GetProperty("standby").GetBoolean());
    }

    private static async Task<(JsonElement Result, IReadOnlyList<RecordedRequest> Requests)> RunPeerAsync(string program, string script)
    {
        var socket = Path.Combine(Path.GetTempPath(), $"vault-{Guid.NewGuid():N}.sock");
        try
        {
            await using var vault = await VaultEmulator.StartAsync(new VaultEmulatorOptions { UnixSocketPath = socket });
            var port = vault.BaseAddress.Port;
            var environment = new Dictionary<string, string?>
            {
                ["VAULT_ADDR"] = $"http://127.0.0.1:{port}",
                ["VAULT_TOKEN"] = vault.RootToken,
                ["NO_PROXY"] = "127.0.0.1,localhost",
                ["HTTP_PROXY"] = null,
                ["HTTPS_PROXY"] = null,
                ["http_proxy"] = null,
                ["https_proxy"] = null,
                ["ALL_PROXY"] = null,
                ["all_proxy"] = null,
            };
            var run = await Tool.RunIsolatedAsync(program, [script], [(port, socket)], environment, workingDirectory: PeersDirectory,
                timeout: TimeSpan.FromSeconds(90));
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.True(vault.Requests.Count > 0, "the peer never reached the emulator");
            var unanswered = vault.Requests.Snapshot().Where(r => r.Status >= 500).ToList();
            Assert.True(unanswered.Count == 0, string.Join('\n', unanswered));
            return (JsonDocument.Parse(run.StandardOutput).RootElement.Clone(), vault.Requests.Snapshot());
        }
        finally
        {
            File.Delete(socket);
        }
    }

    private static void AssertFailure(JsonElement failure, string type, string? message)
    {
        Assert.Equal(JsonValueKind.Object, failure.ValueKind);
        Assert.Equal(type, failure.GetProperty("type").GetString());
        if (message is not null)
        {
            Assert.Contains(message, failure.GetProperty("message").GetString());
        }
    }

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];
}
