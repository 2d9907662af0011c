using System.Text.Json;
using SecretSync.DevStack.Hosting;
using SecretSync.Testing;

namespace SecretSync.DevStack.Tests.Gcp;

/// <summary>A fact that needs the preinstalled gcloud CLI (and node to drive it); skipped with a reason when either is missing.</summary>
public sealed class GcloudFactAttribute : FactAttribute
{
    public GcloudFactAttribute()
    {
        var missing = Peers.FindOnPath("gcloud") is null ? "gcloud (google-cloud-cli) is not on PATH" : PeerRequirements.WhyMissing("node");
        if (missing is not null && !Peers.Required)
        {
            Skip = $"{missing} (set SECRETSYNC_REQUIRE_PEERS=1 or run `bash .ci/run` to install it)";
        }
    }
}

/// <summary>
/// The emulator driven by clients no one here wrote (reference peers.md §4): npm's official @google-cloud/secret-manager 6.3.0
/// in REST fallback mode and the preinstalled gcloud CLI, each in a private network namespace reaching the emulator through a
/// relayed Unix socket, so a client that ignored its endpoint (or probed the metadata server) would fail instead of leaving the machine.
/// </summary>
public sealed class GcpPeerFidelityTests
{
    private static readonly string PeersDirectory = Path.Combine(Repository.Root, "tests", "peers");

    [PeerFact("node")]
    public async Task NodeClient_InRestFallback_CreatesAddsAccessesListsAndDisables()
    {
        var (result, requests, emulator) = await RunPeerAsync("node", "gcp_node.js", static (gcp, _) => new Dictionary<string, string?>
        {
            ["GCP_EMULATOR_PORT"] = gcp.BaseAddress.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["GCP_PROJECT"] = gcp.Project,
            ["GCP_ACCESS_TOKEN"] = gcp.AccessToken,
        });

        // The wire as peers.md §4a observed it: the bearer token, $alt=json;enum-encoding=int, REST paths with :verbs.
        Assert.All(requests.Where(r => r.Status != 401), r => Assert.Contains("enum-encoding=int", Uri.UnescapeDataString(r.Query), StringComparison.Ordinal));
        Assert.Contains(requests, r => r is { Method: "POST", Verb: "create-secret", Status: 200 });
        Assert.Contains(requests, r => r is { Method: "POST", Path: "/v1/projects/demo-project/secrets/db:addVersion", Status: 200 });
        Assert.Contains(requests, r => r is { Method: "GET", Path: "/v1/projects/demo-project/secrets/db/versions/latest:access", Status: 200 });
        Assert.Contains(requests, r => r is { Method: "POST", Path: "/v1/projects/demo-project/secrets/db/versions/3:disable", Status: 200 });
        Assert.Contains(requests, r => r is { Verb: "list-secrets", Status: 401 });

        Assert.Equal("projects/123456789012/secrets/db", result.GetProperty("created").GetProperty("name").GetString());
        Assert.True(result.GetProperty("created").GetProperty("createSeconds").GetInt64() > 0);
        Assert.Equal("payments", result.GetProperty("created").GetProperty("labels").GetProperty("team").GetString());
        AssertFailure(result.GetProperty("createAgain"), 409, "ALREADY_EXISTS");

        Assert.Equal([1, 2, 3], result.GetProperty("added").EnumerateArray().Select(v => v.GetProperty("number").GetInt32()));
        Assert.All(result.GetProperty("added").EnumerateArray(), v => Assert.Equal("ENABLED", v.GetProperty("state").GetString()));

        var latest = result.GetProperty("latest");
        Assert.Equal("projects/123456789012/secrets/db/versions/3", latest.GetProperty("name").GetString());
        Assert.Equal("p3", latest.GetProperty("data").GetString());
        Assert.Equal(Crc("p3"), latest.GetProperty("crc").GetString());
        Assert.Equal("p1", result.GetProperty("first").GetProperty("data").GetProperty("password").GetString());

        var versions = result.GetProperty("versions").EnumerateArray().ToList();
        Assert.Equal([3, 2, 1], versions.Select(v => v.GetProperty("number").GetInt32()));
        Assert.All(versions, v => Assert.True(v.GetProperty("createSeconds").GetInt64() > 0));

        Assert.Equal("DISABLED", result.GetProperty("disabled").GetProperty("state").GetString());
        AssertFailure(result.GetProperty("accessDisabled"), 400, "FAILED_PRECONDITION", "is in DISABLED state");
        Assert.Equal([2, 1], result.GetProperty("enabledOnly").EnumerateArray().Select(v => v.GetInt32()));
        Assert.Equal("DESTROYED", result.GetProperty("destroyed").GetProperty("state").GetString());
        Assert.True(result.GetProperty("destroyed").GetProperty("hasDestroyTime").GetBoolean());
        AssertFailure(result.GetProperty("accessDestroyed"), 400, "FAILED_PRECONDITION", "is in DESTROYED state");

        Assert.Equal(["other", "db"], Strings(result.GetProperty("secrets")));
        Assert.Equal(["other"], Strings(result.GetProperty("firstPageOfOne")));
        Assert.True(result.GetProperty("got").GetProperty("hasEtag").GetBoolean());
        AssertFailure(result.GetProperty("missing"), 404, "NOT_FOUND", "not found or has no versions");
        AssertFailure(result.GetProperty("unauthenticated"), 401, "UNAUTHENTICATED");
        Assert.Equal(["db"], Strings(result.GetProperty("afterDelete")));

        Assert.Equal(["DISABLED", "ENABLED", "DESTROYED"], emulator.Select(v => v.State));
    }

    [GcloudFact]
    public async Task Gcloud_CreatesAddsAccessesWithItsChecksumCheck_ListsAndDisables()
    {
        var configDirectory = Directory.CreateTempSubdirectory("gcloud-config-").FullName;
        var tokenFile = Path.GetTempFileName();
        try
        {
            var (result, requests, _) = await RunPeerAsync("node", "gcp_gcloud.js", (gcp, _) =>
            {
                File.WriteAllText(tokenFile, gcp.AccessToken);
                return new Dictionary<string, string?>
                {
                    ["CLOUDSDK_CONFIG"] = configDirectory,
                    ["CLOUDSDK_CORE_DISABLE_USAGE_REPORTING"] = "true",
                    ["CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK"] = "true",
                    ["CLOUDSDK_CORE_CHECK_GCE_METADATA"] = "false",
                    ["CLOUDSDK_API_ENDPOINT_OVERRIDES_SECRETMANAGER"] = $"http://127.0.0.1:{gcp.BaseAddress.Port}/",
                    ["CLOUDSDK_AUTH_ACCESS_TOKEN_FILE"] = tokenFile,
                    ["CLOUDSDK_CORE_PROJECT"] = gcp.Project,
                    ["CLOUDSDK_CORE_DISABLE_PROMPTS"] = "1",
                };
            }, timeout: TimeSpan.FromMinutes(3));

            // gcloud's wire (peers.md §4b): ?alt=json, addVersion carrying the checksum it computed, list with pageSize=100.
            Assert.All(requests, r => Assert.Contains("alt=json", r.Query, StringComparison.Ordinal));
            Assert.Contains(requests, r => r is { Verb: "list-secrets" } && r.Query.Contains("pageSize=100", StringComparison.Ordinal));
            Assert.StartsWith("google-cloud-sdk", requests.First(r => r.Verb == "access").UserAgent ?? "", StringComparison.Ordinal);

            Assert.Equal(0, result.GetProperty("create").GetProperty("code").GetInt32());
            Assert.Equal(0, result.GetProperty("add").GetProperty("code").GetInt32());
            // The CLI checked dataCrc32c on both accesses; a wrong checksum would fail them.
            Assert.Equal((0, "g2-secret"), Run(result.GetProperty("accessLatest")));
            Assert.Equal((0, "g1-secret"), Run(result.GetProperty("accessFirst")));

            var listed = Assert.Single(result.GetProperty("list").EnumerateArray());
            Assert.Equal("projects/123456789012/secrets/db", listed.GetProperty("name").GetString());
            Assert.Equal("payments", listed.GetProperty("labels").GetProperty("team").GetString());
            Assert.Equal(["projects/123456789012/secrets/db/versions/2", "projects/123456789012/secrets/db/versions/1"],
                result.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("name").GetString()));
            Assert.Equal("automatic", result.GetProperty("describe").GetProperty("replication").EnumerateObject().Single().Name);

            Assert.Equal(0, result.GetProperty("disable").GetProperty("code").GetInt32());
            var disabled = result.GetProperty("accessDisabled");
            Assert.Equal(1, disabled.GetProperty("code").GetInt32());
            Assert.Contains("FAILED_PRECONDITION", disabled.GetProperty("err").GetString(), StringComparison.Ordinal);
            var missing = result.GetProperty("accessMissing");
            Assert.Equal(1, missing.GetProperty("code").GetInt32());
            Assert.Contains("NOT_FOUND", missing.GetProperty("err").GetString(), StringComparison.Ordinal);
            Assert.Equal(0, result.GetProperty("delete").GetProperty("code").GetInt32());
            Assert.Empty(result.GetProperty("listAfterDelete").EnumerateArray());
        }
        finally
        {
            Directory.Delete(configDirectory, recursive: true);
            File.Delete(tokenFile);
        }
    }

    private static async Task<(JsonElement Result, IReadOnlyList<RecordedRequest> Requests, IReadOnlyList<GcpSecretVersion> DbVersions)> RunPeerAsync(
        string program, string script, Func<GcpSecretManagerEmulator, string, Dictionary<string, string?>> environmentFor, TimeSpan? timeout = null)
    {
        var socket = Path.Combine(Path.GetTempPath(), $"gcp-{Guid.NewGuid():N}.sock");
        try
        {
            await using var gcp = await GcpSecretManagerEmulator.StartAsync(new GcpSecretManagerEmulatorOptions { UnixSocketPath = socket });
            var environment = environmentFor(gcp, socket);
            environment["NO_PROXY"] = "127.0.0.1,localhost";
            foreach (var proxy in new[] { "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy", "GOOGLE_APPLICATION_CREDENTIALS" })
            {
                environment[proxy] = null;
            }

            var run = await Tool.RunIsolatedAsync(program, [Path.Combine(PeersDirectory, script)], [(gcp.BaseAddress.Port, socket)], environment,
                workingDirectory: PeersDirectory, timeout: timeout ?? TimeSpan.FromSeconds(90));
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.True(gcp.Requests.Count > 0, "the peer never reached the emulator");
            var unanswered = gcp.Requests.Snapshot().Where(r => r.Status >= 500 || r.Verb == "other").ToList();
            Assert.True(unanswered.Count == 0, string.Join('\n', unanswered));
            return (JsonDocument.Parse(run.StandardOutput).RootElement.Clone(), gcp.Requests.Snapshot(), gcp.GetVersions("db") ?? []);
        }
        finally
        {
            File.Delete(socket);
        }
    }

    private static void AssertFailure(JsonElement failure, int code, string status, string? message = null)
    {
        Assert.Equal(JsonValueKind.Object, failure.ValueKind);
        Assert.Equal(code, failure.GetProperty("code").GetInt32());
        var body = failure.GetProperty("message").GetString()!;
        Assert.Contains($"\"status\": \"{status}\"", body, StringComparison.Ordinal);
        if (message is not null)
        {
            Assert.Contains(message, body, StringComparison.Ordinal);
        }
    }

    private static (int Code, string Output) Run(JsonElement run) => (run.GetProperty("code").GetInt32(), run.GetProperty("out").GetString()!);

    private static string Crc(string text) => GcpTestHttp.Crc32C(System.Text.Encoding.UTF8.GetBytes(text)).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];
}
