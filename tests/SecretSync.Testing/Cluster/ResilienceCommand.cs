
namespace SecretSync.Testing.Cluster;

/// <summary>Runs one <c>secretsync</c> command to completion, as a user at a shell would, with a time bound.</summary>
public static class ResilienceCommand
{
    /// <summary>The dev stack's seeded secret values (samples/dev/vault.yaml); none may ever be printed.</summary>
    public static IReadOnlyList<string> SeededValues { get; } = ["dev-pw-7f3a9c1e", "dev-cert-4b8e2d70", "dev-key-91c5a3f6", "dev-dd-2e6f8b14"];

    public static Task<ToolResult> RunAsync(IEnumerable<string> arguments, TimeSpan? timeout = null, string? workingDirectory = null) =>
        Tool.RunAsync(
            "dotnet",
            [DaemonProcess.Executable, .. arguments],
            new Dictionary<string, string?> { ["DOTNET_NOLOGO"] = "1", ["NO_COLOR"] = "1" },
            workingDirectory: workingDirectory,
            timeout: timeout ?? TimeSpan.FromSeconds(90));
}
