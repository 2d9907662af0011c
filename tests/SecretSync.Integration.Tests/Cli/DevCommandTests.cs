using System.Text.RegularExpressions;
using SecretSync.Testing.Cluster;
using Xunit.Abstractions;

namespace SecretSync.Integration.Tests.Cli;

/// <summary><c>secretsync dev --once</c>: the embedded stack seeded from samples/dev, one full sync, a summary, and exit.</summary>
public sealed class DevCommandTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("secretsync-dev-").FullName;

    [Fact]
    public async Task DevOnce_SyncsTheSeed_PrintsTheSummaryAndTheDenial_WritesConnectionFiles_AndPrintsNoSeededValue()
    {
        var result = await ResilienceCommand.RunAsync(["dev", "--once", "--state-dir", _state], TimeSpan.FromSeconds(90), workingDirectory: _state);
        output.WriteLine(result.ToString());

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain("\u001b[", result.StandardOutput, StringComparison.Ordinal); // piped output carries no terminal escapes
        var rows = TableRows(result.StandardOutput);
        Assert.Equal(
            [
                ("checkout", "datadog-api"),
                ("monitoring", "datadog-api"),
                ("payments", "datadog-api"),
                ("payments", "db-credentials"),
                ("payments", "wildcard-tls"),
            ],
            rows.Select(r => (r[0], r[1])).Order());
        Assert.All(rows, r => Assert.Equal(("1", "synced"), (r[4], r[5])));
        Assert.Matches(new Regex(@"(?m)^denied checkout: bundle payments-db\b"), result.StandardOutput);
        Assert.DoesNotContain(rows, r => r[0] == "analytics");

        var vaultEnv = File.ReadAllLines(Path.Combine(_state, "vault.env"));
        Assert.Contains(vaultEnv, l => Regex.IsMatch(l, @"^export VAULT_ADDR=http://127\.0\.0\.1:\d+$"));
        Assert.Contains(vaultEnv, l => Regex.IsMatch(l, @"^export VAULT_TOKEN=\S+$"));
        var kubeconfig = File.ReadAllText(Path.Combine(_state, "kubeconfig"));
        Assert.Matches(new Regex(@"(?m)^\s+server: http://127\.0\.0\.1:\d+$"), kubeconfig);
        Assert.Contains("current-context:", kubeconfig, StringComparison.Ordinal);

        foreach (var value in ResilienceCommand.SeededValues)
        {
            Assert.DoesNotContain(value, result.StandardOutput, StringComparison.Ordinal);
            Assert.DoesNotContain(value, result.StandardError, StringComparison.Ordinal);
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_state, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>The cells of each body row of the "Synced Secrets" table (box-drawing or ASCII borders).</summary>
    private static List<string[]> TableRows(string stdout)
    {
        var rows = new List<string[]>();
        var inTable = false;
        foreach (var line in stdout.Split('\n'))
        {
            if (line.Contains("Synced Secrets", StringComparison.Ordinal))
            {
                inTable = true;
                continue;
            }

            if (!inTable)
            {
                continue;
            }

            var cells = line.Split('│', '|').Select(c => c.Trim()).ToArray();
            if (cells.Length < 8)
            {
                if (rows.Count > 0 && !line.Contains('─') && !line.Contains('-'))
                {
                    break;
                }

                continue;
            }

            var body = cells[1..^1];
            if (body[0] == "Namespace")
            {
                continue;
            }

            rows.Add(body);
        }

        return rows;
    }
}
