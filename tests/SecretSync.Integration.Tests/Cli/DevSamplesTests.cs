using SecretSync.Testing;
using SecretSync.Testing.Cluster;

namespace SecretSync.Integration.Tests.Cli;

public sealed class DevSamplesTests
{
    [Theory]
    [InlineData("vault", "vault-main")]
    [InlineData("aws", "aws-main")]
    [InlineData("gcp", "gcp-main")]
    [InlineData("azure", "azure-main")]
    public async Task DevWithAProviderSample_SyncsEveryMappedSecretFromTheEmbeddedEmulator(string sample, string provider)
    {
        var state = Directory.CreateTempSubdirectory("secretsync-dev-cloud-").FullName;
        try
        {
            var result = await Tool.RunAsync("dotnet",
                [DaemonProcess.Executable, "dev", "--once", "--config", Path.Combine(Repository.Root, "samples", sample + ".yaml"), "--state-dir", state],
                timeout: TimeSpan.FromMinutes(2));

            Assert.True(result.ExitCode == 0, result.ToString());
            var rows = result.StandardOutput.Split('\n').Where(l => l.TrimStart().StartsWith('│') && l.Contains(provider + ":", StringComparison.Ordinal)).ToList();
            Assert.Contains(rows, r => r.Contains("payments", StringComparison.Ordinal) && r.Contains("db-credentials", StringComparison.Ordinal));
            Assert.Contains(rows, r => r.Contains("wildcard-tls", StringComparison.Ordinal));
            Assert.Equal(3, rows.Count(r => r.Contains("datadog-api", StringComparison.Ordinal)));
            Assert.All(rows, r => Assert.Contains("synced", r, StringComparison.Ordinal));
            Assert.Contains("denied checkout", result.StandardOutput, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }
}
