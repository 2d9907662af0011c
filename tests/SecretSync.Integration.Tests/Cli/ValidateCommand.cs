using SecretSync.Testing;
using SecretSync.Testing.Cluster;

namespace SecretSync.Integration.Tests.Cli;

/// <summary>Runs <c>secretsync validate</c> as a user on a machine with nothing set up would: no provider variables, no kubeconfig.</summary>
internal static class ValidateCommand
{
    public static Task<ToolResult> RunAsync(string configFile, params string[] extra) =>
        Tool.RunAsync("dotnet", [DaemonProcess.Executable, "validate", "--config", configFile, .. extra], EmptyEnvironment(), timeout: TimeSpan.FromSeconds(60));

    /// <summary>The test runner's environment without anything a provider or the daemon reads.</summary>
    private static Dictionary<string, string?> EmptyEnvironment()
    {
        var environment = new Dictionary<string, string?> { ["DOTNET_NOLOGO"] = "1", ["HOME"] = Path.GetTempPath() };
        foreach (var name in Environment.GetEnvironmentVariables().Keys.Cast<string>())
        {
            if (name.StartsWith("VAULT_", StringComparison.Ordinal) || name.StartsWith("AWS_", StringComparison.Ordinal) || name.StartsWith("AZURE_", StringComparison.Ordinal)
                || name.StartsWith("GOOGLE_", StringComparison.Ordinal) || name.StartsWith("SECRETSYNC_", StringComparison.Ordinal) || name == "KUBECONFIG")
            {
                environment[name] = null;
            }
        }

        return environment;
    }
}
