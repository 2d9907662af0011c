using System.CommandLine;
using SecretSync.Core.Configuration;
using SecretSync.Daemon.Hosting;

namespace SecretSync.Cli.Commands;

/// <summary><c>secretsync validate --config F [--strict]</c>: checks a configuration without touching anything.</summary>
/// <remarks>
/// Offline: what only the runtime environment can supply (an environment variable, a file mounted in the pod) is
/// a warning, so the same file gives the same verdict on a laptop, in CI and in the pod.
/// </remarks>
internal static class ValidateCommand
{
    public static Command Create()
    {
        var config = CliOptions.Config(required: true);
        var strict = new Option<bool>("--strict") { Description = "Treat warnings as errors (exit 1 when there is any)." };
        var command = new Command("validate", "Check a configuration file without touching any cluster or provider.") { config, strict };
        command.SetAction(parse =>
        {
            var file = parse.GetValue(config)!;
            var isStrict = parse.GetValue(strict);
            switch (new ConfigFile(file.ToString(), ProviderCatalog.Registry(), TimeProvider.System, ConfigChecks.Offline).Load())
            {
                case ConfigResult.Invalid invalid:
                    Console.Error.WriteLine($"{file} is not valid:");
                    Print(invalid.Errors);
                    Print(invalid.Warnings);
                    return 1;
                case ConfigResult.Valid { Warnings.Count: > 0 } valid when isStrict:
                    Console.Error.WriteLine($"{file} is not valid under --strict: {valid.Warnings.Count} warning(s):");
                    Print(valid.Warnings);
                    return 1;
                case ConfigResult.Valid valid:
                    Print(valid.Warnings);
                    var mappings = valid.Config.Bundles.Values.Sum(b => b.Secrets.Count);
                    var warnings = valid.Warnings.Count == 0 ? "" : $", {valid.Warnings.Count} warning(s)";
                    Console.WriteLine($"{file} is valid: cluster {valid.Config.Cluster}, {valid.Config.Providers.Count} provider(s), {valid.Config.Bundles.Count} bundle(s), {mappings} mapping(s){warnings}.");
                    return 0;
                default:
                    return 1;
            }
        });
        return command;
    }

    private static void Print(IEnumerable<ConfigError> findings)
    {
        foreach (var finding in findings)
        {
            Console.Error.WriteLine($"  {finding}");
        }
    }
}
