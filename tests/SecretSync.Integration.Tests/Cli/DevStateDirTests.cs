using SecretSync.Testing;
using SecretSync.Testing.Cluster;

namespace SecretSync.Integration.Tests.Cli;

/// <summary>The dev state dir: one <c>secretsync dev</c> at a time, and its credential files readable by their owner only.</summary>
public sealed class DevStateDirTests : IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("secretsync-dev-lock-").FullName;

    [Fact]
    public async Task SecondDevOnTheSameStateDir_RefusesInOneLineNamingTheFirst_AndTouchesNothing()
    {
        await using var first = DaemonProcess.Start(["dev", "--state-dir", _state]);
        await first.WaitReadyAsync(TimeSpan.FromSeconds(60));
        await Eventually.TrueAsync(() => first.StandardOutput.Contains("Running; Ctrl-C to stop.", StringComparison.Ordinal), "the first dev is running", TimeSpan.FromSeconds(30));
        var files = new[] { "kubeconfig", "vault.env", "config.yaml" }.ToDictionary(f => f, f => File.ReadAllText(Path.Combine(_state, f)));

        var second = await Tool.RunAsync("dotnet", [DaemonProcess.Executable, "dev", "--once", "--state-dir", _state], timeout: TimeSpan.FromSeconds(60));

        Assert.Equal(2, second.ExitCode);
        var line = Assert.Single(second.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"pid {first.ProcessId}", line, StringComparison.Ordinal);
        Assert.Contains("Kubernetes API http://127.0.0.1:", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", second.StandardError, StringComparison.Ordinal);
        Assert.Equal("", second.StandardOutput.Trim());
        foreach (var (name, text) in files)
        {
            Assert.Equal(text, File.ReadAllText(Path.Combine(_state, name)));
        }

        // The first stack is still the one the files describe, and still answers.
        await first.WaitReadyAsync();
        Assert.False(first.HasExited);
    }

    [Fact]
    public async Task DevStateFiles_AreOwnerOnly()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var result = await Tool.RunAsync("dotnet", [DaemonProcess.Executable, "dev", "--once", "--state-dir", _state], timeout: TimeSpan.FromSeconds(90));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_state));
        foreach (var name in new[] { "kubeconfig", "vault.env", "install.key", "config.yaml", "vault-jwt", "dev.lock" })
        {
            Assert.True(File.Exists(Path.Combine(_state, name)), name);
            Assert.Equal((name, UnixFileMode.UserRead | UnixFileMode.UserWrite), (name, File.GetUnixFileMode(Path.Combine(_state, name))));
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
}
