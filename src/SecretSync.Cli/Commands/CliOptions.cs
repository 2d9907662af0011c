using System.CommandLine;

namespace SecretSync.Cli.Commands;

/// <summary>Options shared by several commands.</summary>
internal static class CliOptions
{
    public static Option<FileInfo> Config(bool required) => new("--config", "-c")
    {
        Description = "The SecretSync configuration file (YAML).",
        Required = required,
    };

    public static Option<int?> Port() => new("--port")
    {
        Description = "Port for /healthz, /readyz, /metrics and /status (overrides server.port; 0 picks a free one).",
    };
}
