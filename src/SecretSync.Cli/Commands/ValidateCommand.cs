using System.CommandLine;
using SecretSync.Core.Configuration;
using SecretSync.Daemon.Hosting;

namespace SecretSync.Cli.Commands;

/// <summary><c>secretsync validate --config F</c>: checks a configuration without touching anything.</summary>
internal static class ValidateCommand
{
    public static Command Create()
    {
        var config = CliOptions.Config(required: true);
        var command = new Command("validate", "Check a configuration file without touching any cluster or provider.") { config };
        command.SetAction(parse =>
        {
            var file = parse.GetValue(config)!;
            switch (new ConfigFile(file.ToString(), ProviderCatalog.Registry(), TimeProvider.System).Load())
            {
                case ConfigResult.Invalid invalid:
                    Console.Error.WriteLine($"{file} is not valid:");
                    foreach (var error in invalid.Errors)
                    {
                        Console.Error.WriteLine($"  {error}");
                    }

                    return 1;
                case ConfigResult.Valid valid:
                    var mappings = valid.Config.Bundles.Values.Sum(b => b.Secrets.Count);
                    Console.WriteLine($"{file} is valid: cluster {valid.Config.Cluster}, {valid.Config.Providers.Count} provider(s), {valid.Config.Bundles.Count} bundle(s), {mappings} mapping(s).");
                    return 0;
                default:
                    return 1;
            }
        });
        return command;
    }
}
