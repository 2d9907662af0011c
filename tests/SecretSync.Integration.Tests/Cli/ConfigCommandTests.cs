using System.Text.RegularExpressions;
using SecretSync.Testing.Cluster;

namespace SecretSync.Integration.Tests.Cli;

/// <summary><c>secretsync validate</c> and <c>secretsync run</c> on good and bad configuration files, as a user at a shell sees them.</summary>
public sealed class ConfigCommandTests : IDisposable
{
    private const string Good = """
        cluster: cli-test
        providers:
          vault-main:
            type: vault
            address: https://vault.example.com:8200
            mount: secret
            auth:
              method: token
              token: not-a-real-token
        bundles:
          app:
            provider: vault-main
            namespaces: all
            secrets:
              - source: app/db
                target: db-credentials
        sync:
          interval: 30s
        """;

    private readonly string _folder = Directory.CreateTempSubdirectory("secretsync-cli-").FullName;

    [Fact]
    public async Task Validate_OfAGoodFile_ExitsZero_AndSummarisesIt()
    {
        var path = Write("good.yaml", Good);

        var result = await ResilienceCommand.RunAsync(["validate", "--config", path]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"{path} is valid", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("1 bundle(s)", result.StandardOutput, StringComparison.Ordinal);
        Assert.Equal("", result.StandardError.Trim());
    }

    [Fact]
    public async Task Validate_OfABadFile_ExitsOne_WithFileLineColumnFieldAndMessage()
    {
        var text = Good.Replace("    target: db-credentials", "    targt: db-credentials", StringComparison.Ordinal);
        var path = Write("bad.yaml", text);

        var result = await ResilienceCommand.RunAsync(["validate", "--config", path]);

        Assert.True(result.ExitCode == 1, result.ToString());
        var line = LineOf(text, "targt:");
        Assert.Matches(new Regex($@"(?m)^\s*{Regex.Escape(path)}:{line}:\d+: bundles\.app\.secrets\[0\]\.targt: unknown key 'targt'.*target"), result.StandardError);
        // The mapping now lacks its target, which is reported too, at the mapping's own line.
        Assert.Matches(new Regex($@"(?m)^\s*{Regex.Escape(path)}:\d+:\d+: bundles\.app\.secrets\[0\]\.target: \S"), result.StandardError);
        Assert.DoesNotContain("is valid", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_OfBrokenYaml_ExitsOne_NamingTheLine()
    {
        var text = Good.Replace("  interval: 30s", "  interval: 30s: again", StringComparison.Ordinal);
        var path = Write("broken.yaml", text);

        var result = await ResilienceCommand.RunAsync(["validate", "--config", path]);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Matches(new Regex($@"(?m)^\s*{Regex.Escape(path)}:{LineOf(text, "30s: again")}:\d+: invalid YAML: \S"), result.StandardError);
    }

    [Fact]
    public async Task Run_WithABadFile_ExitsNonZero_WithTheSameMessage_AndStartsNothing()
    {
        var text = Good.Replace("  interval: 30s", "  interval: thirty", StringComparison.Ordinal);
        var path = Write("bad-run.yaml", text);
        var kubeconfig = Write("kubeconfig", "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n");

        var validate = await ResilienceCommand.RunAsync(["validate", "--config", path]);
        var run = await ResilienceCommand.RunAsync(["run", "--config", path, "--kubeconfig", kubeconfig, "--port", "0"]);

        Assert.True(run.ExitCode != 0, run.ToString());
        var message = new Regex($@"(?m){Regex.Escape(path)}:{LineOf(text, "interval: thirty")}:\d+: sync\.interval: .*thirty.*$");
        Assert.Matches(message, run.StandardError);
        Assert.Equal(message.Match(validate.StandardError).Value.Trim(), message.Match(run.StandardError).Value.Trim());
        Assert.DoesNotContain("Serving", run.StandardError, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static int LineOf(string text, string fragment) =>
        text.Split('\n').Select((line, index) => (line, index)).First(l => l.line.Contains(fragment, StringComparison.Ordinal)).index + 1;
}
