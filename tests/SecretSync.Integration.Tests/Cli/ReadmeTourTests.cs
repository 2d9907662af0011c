using System.Text.RegularExpressions;
using SecretSync.Testing;
using SecretSync.Testing.Cluster;

namespace SecretSync.Integration.Tests.Cli;

/// <summary>Runs the README's tour, verbatim, against <c>secretsync dev</c>, as a new user would.</summary>
public sealed partial class ReadmeTourTests
{
    [PeerFact("kubectl")]
    public async Task TheTourInTheReadme_RunsAsWritten_AgainstTheDevStack()
    {
        var tour = TourBlock();
        var folder = Directory.CreateTempSubdirectory("secretsync-tour-").FullName;
        try
        {
            // The alias line builds and runs from the repository; here the already-built executable stands in for it.
            var commands = tour.Replace("alias secretsync='dotnet run --project src/SecretSync.Cli --'",
                $"secretsync() {{ dotnet '{DaemonProcess.Executable}' \"$@\"; }}", StringComparison.Ordinal);
            Assert.NotEqual(tour, commands);
            var script = $"""
                set -euo pipefail
                export KUBECACHEDIR="$PWD/.kube-cache"
                dotnet '{DaemonProcess.Executable}' dev > dev.log 2>&1 &
                dev=$!
                trap 'kill $dev 2>/dev/null; wait $dev 2>/dev/null || true' EXIT
                for _ in $(seq 600); do
                  [ -f .secretsync-dev/kubeconfig ] && grep -q 'First full sync done\|Daemon endpoints' dev.log && break
                  sleep 0.1
                done
                {commands}
                echo '::tour-complete'
                """;

            var result = await Tool.RunIsolatedAsync("bash", ["-c", script], [], workingDirectory: folder, timeout: TimeSpan.FromMinutes(4));
            var devLog = File.Exists(Path.Combine(folder, "dev.log")) ? await File.ReadAllTextAsync(Path.Combine(folder, "dev.log")) : "";

            Assert.True(result.ExitCode == 0, $"{result}\n--- dev.log ---\n{devLog}");
            Assert.Contains("::tour-complete", result.StandardOutput, StringComparison.Ordinal);
            Assert.Contains("db-credentials", result.StandardOutput, StringComparison.Ordinal);
            Assert.Contains("\"action\":\"restored\"", result.StandardOutput, StringComparison.Ordinal);
            Assert.Contains("\"trigger\":\"drift\"", result.StandardOutput, StringComparison.Ordinal);
            Assert.Matches(VerifiedLine(), result.StandardOutput);
            foreach (var seeded in new[] { "dev-pw-7f3a9c1e", "dev-cert-4b8e2d70", "dev-key-91c5a3f6", "dev-dd-2e6f8b14" })
            {
                Assert.DoesNotContain(seeded, devLog, StringComparison.Ordinal);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The shell block of the README's tour section.</summary>
    private static string TourBlock()
    {
        var readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));
        var section = readme[readme.IndexOf("## A five-minute tour", StringComparison.Ordinal)..];
        var match = ShellBlock().Match(section);
        Assert.True(match.Success, "README tour has no ```sh block");
        return match.Groups[1].Value;
    }

    [GeneratedRegex(@"```sh\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex ShellBlock();

    [GeneratedRegex(@"verified \d+ records in \d+ files")]
    private static partial Regex VerifiedLine();
}
