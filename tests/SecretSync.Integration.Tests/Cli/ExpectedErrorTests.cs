using System.Net;
using System.Net.Sockets;
using SecretSync.Testing;
using SecretSync.Testing.Cluster;

namespace SecretSync.Integration.Tests.Cli;

/// <summary>Every command meets an expected error (bad path, port in use, unreachable endpoint, bad kubeconfig) with one line on stderr and a non-zero exit.</summary>
public sealed class ExpectedErrorTests
{
    private const string TokenConfig = """
        cluster: test
        providers:
          main: { type: vault, address: "http://127.0.0.1:1", auth: { method: token, token: t } }
        bundles:
          b: { provider: main, namespaces: all, secrets: [{ source: a/b, target: c }] }
        """;

    public static TheoryData<string, string[], int> BadInputs() => new()
    {
        { "run: missing config file", ["run", "--config", "/nonexistent/secretsync.yaml"], 1 },
        { "run: bad kubeconfig", ["run", "--config", "{config}", "--kubeconfig", "/nonexistent/kubeconfig"], 2 },
        { "dev: missing config file", ["dev", "--once", "--config", "/nonexistent/secretsync.yaml", "--state-dir", "{state}"], 1 },
        { "dev: port in use", ["dev", "--once", "--port", "{busy}", "--state-dir", "{state}"], 2 },
        { "audit: missing path", ["audit", "--path", "/nonexistent/audit"], 2 },
        { "audit: unknown format", ["audit", "--format", "xml"], 2 },
        { "audit: unreachable fleet store", ["audit", "--database", "Host=127.0.0.1;Port={closed};Username=x;Timeout=2"], 2 },
        { "rotate: missing config file", ["rotate", "vault-main:payments/db", "--generate", "password", "--config", "/nonexistent/secretsync.yaml"], 1 },
        { "rotate: unknown option", ["rotate", "vault-main:payments/db", "--bogus"], 2 },
        { "revocations: bad kubeconfig", ["revocations", "approve", "hold-0123456789ab", "--kubeconfig", "/nonexistent/kubeconfig"], 2 },
        { "revocations: missing config file", ["revocations", "approve", "hold-0123456789ab", "--config", "/nonexistent/secretsync.yaml"], 1 },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task ExpectedError_IsOneLineOnStderr_WithTheDocumentedExitCode_AndNoStackTrace(string what, string[] arguments, int exitCode)
    {
        var state = Directory.CreateTempSubdirectory("secretsync-bad-input-").FullName;
        using var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        var closed = FreeThenClosedPort();
        var config = Path.Combine(state, "config.yaml");
        await File.WriteAllTextAsync(config, TokenConfig);
        try
        {
            var args = arguments.Select(a => a
                .Replace("{state}", state, StringComparison.Ordinal)
                .Replace("{config}", config, StringComparison.Ordinal)
                .Replace("{busy}", ((IPEndPoint)busy.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
                .Replace("{closed}", closed.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
            var result = await Tool.RunAsync("dotnet", [DaemonProcess.Executable, .. args], timeout: TimeSpan.FromSeconds(90));

            Assert.True(result.ExitCode == exitCode, $"{what}: {result}");
            var errorLines = result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.True(errorLines.Length == 1, $"{what}: expected one line on stderr\n{result}");
            Assert.DoesNotContain("   at ", result.StandardError, StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", result.StandardError, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    private static int FreeThenClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
