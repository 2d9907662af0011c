using System.Text.Json;
using SecretSync.Testing;

namespace SecretSync.DevStack.Tests.Aws;

/// <summary>
/// The emulator driven by clients no one here wrote (reference peers.md §3): the official npm SDK
/// <c>@aws-sdk/client-secrets-manager</c> 3.1162.0 and, when installed, Debian's awscli, each in a private network
/// namespace reaching the emulator through a relayed Unix socket. Both sign with SigV4; the emulator verifies it.
/// </summary>
public sealed class AwsPeerFidelityTests
{
    private const string DebianAws = "/usr/bin/aws";
    private static readonly string PeersDirectory = Path.Combine(Repository.Root, "tests", "peers");

    [PeerFact("node")]
    public async Task NpmSdk_CreateGetPutListGetByVersionAndDelete_SeeTheDocumentedJson()
    {
        await using var peer = await Peer.StartAsync();
        var run = await peer.RunAsync("node", [Path.Combine(PeersDirectory, "aws_secrets_manager.js")]);
        var result = JsonDocument.Parse(run.StandardOutput).RootElement;
        var requests = peer.Aws.Requests.Snapshot();

        // The wire as peers.md §3a observed it: the SDK's UA, every call POST / with its operation in X-Amz-Target.
        Assert.All(requests, r => Assert.Contains("aws-sdk-js/", r.UserAgent, StringComparison.Ordinal));
        Assert.All(requests, r => Assert.Equal(("POST", "/"), (r.Method, r.Path)));
        Assert.Contains(requests, r => r is { Verb: "GetSecretValue", Status: 403 });

        var created = result.GetProperty("created");
        Assert.Equal("app/db", created.GetProperty("name").GetString());
        Assert.StartsWith("arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-", created.GetProperty("arn").GetString(), StringComparison.Ordinal);
        AssertFailure(result.GetProperty("duplicate"), "ResourceExistsException", "client", 400);

        var first = result.GetProperty("first");
        Assert.Equal("{\"user\":\"u\",\"pw\":\"p1\"}", first.GetProperty("string").GetString());
        Assert.Equal(created.GetProperty("versionId").GetString(), first.GetProperty("versionId").GetString());
        Assert.Equal(["AWSCURRENT"], Strings(first.GetProperty("stages")));
        Assert.True(first.GetProperty("createdIsDate").GetBoolean());

        var put = result.GetProperty("put");
        Assert.Equal(put.GetProperty("versionId").GetString(), result.GetProperty("current").GetProperty("versionId").GetString());
        Assert.Equal("{\"user\":\"u\",\"pw\":\"p2\"}", result.GetProperty("current").GetProperty("string").GetString());
        Assert.Equal("{\"user\":\"u\",\"pw\":\"p1\"}", result.GetProperty("byVersion").GetString());
        Assert.Equal(first.GetProperty("versionId").GetString(), result.GetProperty("previous").GetString());
        Assert.Equal([0, 1, 2, 250], result.GetProperty("binary").EnumerateArray().Select(e => e.GetInt32()));

        var list = result.GetProperty("list").EnumerateArray().ToDictionary(e => e.GetProperty("name").GetString()!);
        Assert.Equal(["app/cert", "app/db"], list.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(put.GetProperty("versionId").GetString(), list["app/db"].GetProperty("current").GetString());
        Assert.True(list["app/db"].GetProperty("changedIsDate").GetBoolean());
        Assert.Equal("fidelity", result.GetProperty("describe").GetProperty("description").GetString());
        Assert.Equal(2, result.GetProperty("describe").GetProperty("versions").GetInt32());
        Assert.Equal(["app/db"], Strings(result.GetProperty("batch").GetProperty("values")));
        Assert.Equal(["ResourceNotFoundException"], Strings(result.GetProperty("batch").GetProperty("errors")));
        Assert.Equal(2, result.GetProperty("versions").GetInt32());

        AssertFailure(result.GetProperty("missing"), "ResourceNotFoundException", "client", 400);
        AssertFailure(result.GetProperty("badSignature"), "InvalidSignatureException", "client", 403);
        Assert.True(result.GetProperty("deletionIsDate").GetBoolean());
        AssertFailure(result.GetProperty("afterDelete"), "InvalidRequestException", "client", 400);
        Assert.Contains("marked for deletion", result.GetProperty("afterDelete").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(put.GetProperty("versionId").GetString(), result.GetProperty("restored").GetString());
        AssertFailure(result.GetProperty("afterForce"), "ResourceNotFoundException", "client", 400);
    }

    [PeerFact("awscli")]
    public async Task DebianAwscli_GetListAndAVersionChange_SeeTheDocumentedJson()
    {
        await using var peer = await Peer.StartAsync();
        var first = peer.Aws.PutSecret("app/db", "{\"pw\":\"p1\"}");

        var get = await peer.CliAsync("get-value", "secretsmanager", "get-secret-value", "--secret-id", "app/db");
        var second = peer.Aws.PutSecret("app/db", "{\"pw\":\"p2\"}");
        var list = await peer.CliAsync("list", "secretsmanager", "list-secrets");
        var previous = await peer.CliAsync("previous", "secretsmanager", "get-secret-value", "--secret-id", "app/db", "--version-stage", "AWSPREVIOUS");
        var missing = await peer.RunAsync(DebianAws, [.. peer.CliArguments("secretsmanager", "get-secret-value", "--secret-id", "nope")], allowFailure: true);

        Assert.Equal(first, get.GetProperty("VersionId").GetString());
        Assert.Equal("{\"pw\":\"p1\"}", get.GetProperty("SecretString").GetString());
        var entry = Assert.Single(list.GetProperty("SecretList").EnumerateArray());
        Assert.Equal(["AWSCURRENT"], Strings(entry.GetProperty("SecretVersionsToStages").GetProperty(second)));
        Assert.Equal(first, previous.GetProperty("VersionId").GetString());
        Assert.Equal(254, missing.ExitCode);
        Assert.Contains("ResourceNotFoundException", missing.StandardError, StringComparison.Ordinal);
    }

    private static void AssertFailure(JsonElement failure, string name, string fault, int status)
    {
        Assert.Equal(JsonValueKind.Object, failure.ValueKind);
        Assert.Equal(name, failure.GetProperty("name").GetString());
        Assert.Equal(fault, failure.GetProperty("fault").GetString());
        Assert.Equal(status, failure.GetProperty("status").GetInt32());
    }

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];

    /// <summary>An emulator on a Unix socket plus the environment a peer needs to reach it, and nothing else.</summary>
    private sealed class Peer : IAsyncDisposable
    {
        private readonly string _socket;

        private Peer(AwsSecretsManagerEmulator aws, string socket)
        {
            Aws = aws;
            _socket = socket;
        }

        public AwsSecretsManagerEmulator Aws { get; }

        private string Endpoint => $"http://127.0.0.1:{Aws.BaseAddress.Port}";

        public static async Task<Peer> StartAsync()
        {
            var socket = Path.Combine(Path.GetTempPath(), $"aws-{Guid.NewGuid():N}.sock");
            return new Peer(await AwsSecretsManagerEmulator.StartAsync(new AwsSecretsManagerEmulatorOptions { UnixSocketPath = socket }), socket);
        }

        public IEnumerable<string> CliArguments(params string[] arguments) => ["--endpoint-url", Endpoint, "--output", "json", .. arguments];

        public async Task<JsonElement> CliAsync(string what, params string[] arguments)
        {
            var run = await RunAsync(DebianAws, [.. CliArguments(arguments)]);
            Assert.True(run.StandardOutput.Length > 0, $"{what}: {run}");
            return JsonDocument.Parse(run.StandardOutput).RootElement.Clone();
        }

        public async Task<ToolResult> RunAsync(string program, IReadOnlyList<string> arguments, bool allowFailure = false)
        {
            var environment = new Dictionary<string, string?>
            {
                ["SM_ENDPOINT"] = Endpoint,
                ["AWS_REGION"] = Aws.Region,
                ["AWS_DEFAULT_REGION"] = Aws.Region,
                ["AWS_ACCESS_KEY_ID"] = Aws.AccessKeyId,
                ["AWS_SECRET_ACCESS_KEY"] = Aws.SecretAccessKey,
                ["AWS_SESSION_TOKEN"] = null,
                ["AWS_PROFILE"] = null,
                ["AWS_EC2_METADATA_DISABLED"] = "true",
                ["AWS_CONFIG_FILE"] = "/dev/null",
                ["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null",
                ["AWS_PAGER"] = "",
                ["NO_PROXY"] = "127.0.0.1,localhost",
                ["HTTP_PROXY"] = null,
                ["HTTPS_PROXY"] = null,
                ["http_proxy"] = null,
                ["https_proxy"] = null,
                ["ALL_PROXY"] = null,
                ["all_proxy"] = null,
            };
            var run = await Tool.RunIsolatedAsync(program, arguments, [(Aws.BaseAddress.Port, _socket)], environment,
                workingDirectory: PeersDirectory, timeout: TimeSpan.FromSeconds(90));
            if (!allowFailure)
            {
                Assert.True(run.ExitCode == 0, run.ToString());
                Assert.True(Aws.Requests.Count > 0, "the peer never reached the emulator");
                var unanswered = Aws.Requests.Snapshot().Where(r => r.Status >= 500).ToList();
                Assert.True(unanswered.Count == 0, string.Join('\n', unanswered));
            }

            return run;
        }

        public async ValueTask DisposeAsync()
        {
            await Aws.DisposeAsync();
            File.Delete(_socket);
        }
    }
}
