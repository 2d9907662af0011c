using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SecretSync.Core.Configuration;
using SecretSync.Daemon.Hosting;
using SecretSync.Kubernetes.Config;

namespace SecretSync.Cli.Commands;

/// <summary><c>secretsync run</c>: the daemon, with in-cluster credentials or a kubeconfig.</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var config = CliOptions.Config(required: true);
        var kubeconfig = new Option<FileInfo?>("--kubeconfig") { Description = "A kubeconfig file; in-cluster credentials when omitted." };
        var context = new Option<string?>("--context") { Description = "The kubeconfig context to use; its current context when omitted." };
        var port = CliOptions.Port();
        var command = new Command("run", "Run the sync daemon until SIGTERM or Ctrl-C.") { config, kubeconfig, context, port };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var file = new ConfigFile(parse.GetValue(config)!.ToString(), ProviderCatalog.Registry(), TimeProvider.System);
            if (file.Load() is not ConfigResult.Valid valid)
            {
                return Fail(file);
            }

            var options = new DaemonOptions
            {
                ConfigPath = file.Path,
                Kubeconfig = parse.GetValue(kubeconfig)?.FullName,
                KubeContext = parse.GetValue(context),
                Port = parse.GetValue(port),
            };
            try
            {
                await using var app = DaemonHost.Build(options, valid.Config, file, ProviderCatalog.AddAll);
                await app.StartAsync(cancellationToken);
                await app.WaitForShutdownAsync(cancellationToken);
                return app.Services.GetRequiredService<DaemonRuntime>().Failure is null ? ExitCodes.Done : ExitCodes.Failed;
            }
            catch (KubernetesConfigException ex)
            {
                await Console.Error.WriteLineAsync($"error: {ex.Message}");
                return ExitCodes.Usage;
            }
        });
        return command;
    }

    /// <summary>Reports an invalid or unreadable configuration: one line for one problem, else one line each under a heading.</summary>
    internal static int Fail(ConfigFile file)
    {
        var lines = file.Load().ToString()!.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length == 1)
        {
            Console.Error.WriteLine($"error: {file.Path} is not valid: {lines[0]}");
            return ExitCodes.Failed;
        }

        Console.Error.WriteLine($"error: {file.Path} is not valid:");
        foreach (var line in lines)
        {
            Console.Error.WriteLine($"  {line}");
        }

        return ExitCodes.Failed;
    }
}
