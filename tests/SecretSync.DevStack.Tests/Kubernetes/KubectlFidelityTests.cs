using System.Text.Json.Nodes;
using SecretSync.Testing;
using Xunit.Abstractions;

namespace SecretSync.DevStack.Tests.Kubernetes;

/// <summary>The machine's kubectl (the dispatcher picks the bundled 1.27–1.33 from the emulator's /version) against the emulator.</summary>
/// <remarks>
/// kubectl runs in a private network namespace; socat relays 127.0.0.1:PORT there to the emulator's Unix socket,
/// so a kubectl that tried to reach anything else would fail. Each run gets a fresh cache dir and kubeconfig.
/// </remarks>
public sealed class KubectlFidelityTests(ITestOutputHelper output)
{
    [PeerFact("kubectl")]
    public Task Kubectl_1_27_TheOldestBundled_CreatesAnnotatesLabelsReplacesAndDeletes() => RunScenarioAsync("27");

    [PeerFact("kubectl")]
    public Task Kubectl_1_33_TheNewestBundled_CreatesAnnotatesLabelsReplacesAndDeletes() => RunScenarioAsync("33");

    [PeerFact("kubectl")]
    public Task Kubectl_1_32_TheDefault_CreatesAnnotatesLabelsReplacesAndDeletes() => RunScenarioAsync("32");

    [PeerFact("kubectl")]
    public async Task Kubectl_1_33_CreatesAndAppliesFromFiles_WithoutDisablingValidation()
    {
        await using var run = await KubectlRun.StartAsync("33", output);
        await run.OkAsync("namespace/demo created", "create", "namespace", "demo");
        var manifest = run.WriteFile("secret.json", """
            {"apiVersion":"v1","kind":"Secret","metadata":{"name":"db","namespace":"demo"},"stringData":{"password":"s3cret"}}
            """);

        await run.OkAsync("secret/db created", "create", "-f", manifest);
        await run.OkAsync("secret/db configured", "apply", "-f", manifest);
        var serverSide = run.WriteFile("ssa.json", """
            {"apiVersion":"v1","kind":"Secret","metadata":{"name":"ssa","namespace":"demo"},"stringData":{"k":"v"}}
            """);
        await run.OkAsync("secret/ssa serverside-applied", "apply", "--server-side", "-f", serverSide);

        Assert.Equal(KubeHttp.B64("s3cret"), (string?)run.Emulator.Get("secrets", "demo", "db")!["data"]!["password"]);
        Assert.Equal(KubeHttp.B64("v"), (string?)run.Emulator.Get("secrets", "demo", "ssa")!["data"]!["k"]);
        Assert.Contains(run.Emulator.Requests.Snapshot(), r => r.Path == "/openapi/v3");
    }

    private async Task RunScenarioAsync(string minor)
    {
        await using var run = await KubectlRun.StartAsync(minor, output);

        await run.OkAsync("namespace/demo created", "create", "namespace", "demo");
        await run.OkAsync("namespace/demo annotate", "annotate", "namespace", "demo", "secretsync.io/bundles=payments-db");
        await run.OkAsync("namespace/demo labeled", "label", "namespace", "demo", "team=payments");
        var ns = run.Emulator.Get("namespaces", null, "demo")!;
        Assert.Equal("payments-db", (string?)ns["metadata"]!["annotations"]!["secretsync.io/bundles"]);
        Assert.Equal("payments", (string?)ns["metadata"]!["labels"]!["team"]);
        Assert.Contains("demo", (await run.OkAsync(null, "get", "namespaces")).StandardOutput);

        await run.OkAsync("secret/app created", "create", "secret", "generic", "app", "--from-literal=user=bob", "-n", "demo");
        var json = (await run.OkAsync(null, "get", "secret", "app", "-n", "demo", "-o", "json")).StandardOutput;
        var secret = JsonNode.Parse(json)!.AsObject();
        Assert.Equal("Secret", (string?)secret["kind"]);
        Assert.Equal("Opaque", (string?)secret["type"]);
        Assert.Equal("demo", (string?)secret["metadata"]!["namespace"]);
        Assert.Equal("Ym9i", (string?)secret["data"]!["user"]);
        Assert.False(string.IsNullOrEmpty((string?)secret["metadata"]!["uid"]));
        Assert.Contains("app", (await run.OkAsync(null, "get", "secrets", "-n", "demo")).StandardOutput);

        // Someone else writes after we read: replacing from the old copy must be refused.
        await run.OkAsync("secret/app labeled", "label", "secret", "app", "-n", "demo", "tier=gold");
        secret["data"]!["user"] = KubeHttp.B64("mallory");
        var stale = run.WriteFile("stale.json", secret.ToJsonString());
        var conflict = await run.KubectlAsync(["replace", "-f", stale, .. run.ValidateFlags]);
        Assert.Equal(1, conflict.ExitCode);
        Assert.Contains(
            $"Error from server (Conflict): error when replacing \"{stale}\": Operation cannot be fulfilled on secrets \"app\": the object has been modified; please apply your changes to the latest version and try again",
            conflict.StandardError, StringComparison.Ordinal);
        Assert.Equal("Ym9i", (string?)run.Emulator.Get("secrets", "demo", "app")!["data"]!["user"]);

        await run.OkAsync("secret \"app\" deleted", "delete", "secret", "app", "-n", "demo");
        var missing = await run.KubectlAsync(["get", "secret", "app", "-n", "demo"]);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("Error from server (NotFound): secrets \"app\" not found", missing.StandardError, StringComparison.Ordinal);
        await run.OkAsync("namespace \"demo\" deleted", "delete", "namespace", "demo");
        Assert.Null(run.Emulator.Get("namespaces", null, "demo"));

        // The dispatcher must have handed over to the kubectl matching the emulator's /version.
        Assert.Contains(run.Emulator.Requests.Snapshot(), r => r.UserAgent?.StartsWith($"kubectl/v1.{minor}.", StringComparison.Ordinal) == true);
    }

    private sealed class KubectlRun : IAsyncDisposable
    {
        private readonly string _folder;
        private readonly string _kubeconfig;
        private readonly string _socket;
        private readonly ITestOutputHelper _output;

        private KubectlRun(KubernetesEmulator emulator, string folder, string kubeconfig, string socket, ITestOutputHelper output)
        {
            Emulator = emulator;
            _folder = folder;
            _kubeconfig = kubeconfig;
            _socket = socket;
            _output = output;
        }

        public KubernetesEmulator Emulator { get; }

        /// <summary>kubectl 1.27 and 1.28 validate against a protobuf /openapi/v2, which the emulator does not serve; 1.29+ use its OpenAPI v3.</summary>
        public string[] ValidateFlags => Emulator.Options.ServerMinorVersion is "27" or "28" ? ["--validate=false"] : [];

        public static async Task<KubectlRun> StartAsync(string minor, ITestOutputHelper output)
        {
            var folder = Directory.CreateTempSubdirectory("kubectl-fidelity-").FullName;
            var socket = Path.Combine(folder, "api.sock");
            var emulator = await KubernetesEmulator.StartAsync(new KubernetesEmulatorOptions { ServerMinorVersion = minor, UnixSocketPath = socket });
            var kubeconfig = Path.Combine(folder, "kubeconfig");
            await File.WriteAllTextAsync(kubeconfig, emulator.CreateKubeconfig());
            return new KubectlRun(emulator, folder, kubeconfig, socket, output);
        }

        public string WriteFile(string name, string content)
        {
            var path = Path.Combine(_folder, name);
            File.WriteAllText(path, content);
            return path;
        }

        public async Task<ToolResult> KubectlAsync(string[] arguments)
        {
            var result = await Tool.RunIsolatedAsync(
                "kubectl",
                ["--cache-dir", Path.Combine(_folder, "cache"), .. arguments],
                [(Emulator.BaseAddress.Port, _socket)],
                new Dictionary<string, string?> { ["KUBECONFIG"] = _kubeconfig, ["HOME"] = _folder },
                timeout: TimeSpan.FromSeconds(60));
            _output.WriteLine($"$ kubectl {string.Join(' ', arguments)}\n{result}");
            return result;
        }

        public async Task<ToolResult> OkAsync(string? expected, params string[] arguments)
        {
            var result = await KubectlAsync(arguments);
            Assert.True(result.ExitCode == 0, $"kubectl {string.Join(' ', arguments)} failed: {result}");
            if (expected is not null)
            {
                Assert.Contains(expected, result.StandardOutput, StringComparison.Ordinal);
            }

            return result;
        }

        public async ValueTask DisposeAsync()
        {
            await Emulator.DisposeAsync();
            Directory.Delete(_folder, recursive: true);
        }
    }
}
