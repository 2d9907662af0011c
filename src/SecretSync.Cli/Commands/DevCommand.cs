using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using SecretSync.Cli.Dev;
using SecretSync.Core.Configuration;
using SecretSync.Core.Providers;
using SecretSync.Daemon.Hosting;
using SecretSync.DevStack;
using Spectre.Console;

namespace SecretSync.Cli.Commands;

/// <summary><c>secretsync dev</c>: the embedded default — emulators seeded from samples/dev with the daemon running against them.</summary>
internal static class DevCommand
{
    public static Command Create()
    {
        var config = CliOptions.Config(required: false);
        config.Description = "A configuration to run instead of samples/dev/config.yaml; providers without an address use the embedded emulators.";
        var stateDir = new Option<DirectoryInfo>("--state-dir")
        {
            Description = "Where the kubeconfig, vault.env, install key and configuration copy are written.",
            DefaultValueFactory = _ => new DirectoryInfo(".secretsync-dev"),
        };
        var seed = new Option<DirectoryInfo?>("--seed") { Description = "A folder with namespaces.yaml, vault.yaml and config.yaml to seed from instead of the built-in samples/dev." };
        var once = new Option<bool>("--once") { Description = "Do one full sync, print a summary table and exit." };
        var port = CliOptions.Port();
        var command = new Command("dev", "Start the embedded Kubernetes API and Vault emulators, seed them, and run the daemon against them.")
        {
            config, stateDir, seed, once, port,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(
            parse.GetValue(config), parse.GetValue(stateDir)!, parse.GetValue(seed), parse.GetValue(once), parse.GetValue(port), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(FileInfo? configFile, DirectoryInfo stateDirInfo, DirectoryInfo? seedDir, bool once, int? port, CancellationToken cancellationToken)
    {
        var console = Terminal.Stdout();
        using var stateDir = DevStateDir.TryAcquire(stateDirInfo, out var holder);
        if (stateDir is null)
        {
            await Console.Error.WriteLineAsync(
                $"error: {stateDirInfo.FullName} is in use by a running secretsync dev ({holder}); stop it or pass another --state-dir.");
            return ExitCodes.Usage;
        }

        var seed = DevSeed.Load(seedDir);
        var configPath = configFile?.ToString() ?? stateDir.PathOf("config.yaml");
        if (configFile is null)
        {
            if (File.Exists(configPath))
            {
                DevStateDir.Protect(configPath);
            }
            else
            {
                stateDir.Write("config.yaml", seed.ConfigText);
            }
        }

        await using var kubernetes = await KubernetesEmulator.StartAsync(cancellationToken: cancellationToken);
        await using var vault = await VaultEmulator.StartAsync(cancellationToken: cancellationToken);
        var vaultAim = new VaultAim(vault, stateDir);
        await using var clouds = await CloudEmulators.StartAsync(
            CloudEmulators.ProvidersIn(File.Exists(configPath) ? await File.ReadAllTextAsync(configPath, cancellationToken) : ""), stateDir, cancellationToken);
        Func<ProviderSettings, ProviderSettings> aim = settings => clouds.Aim(vaultAim.Aim(settings));
        var file = new ConfigFile(configPath, ProviderCatalog.Registry().WithAdjustedSettings(aim), TimeProvider.System);
        if (file.Load() is not ConfigResult.Valid valid)
        {
            return RunCommand.Fail(file);
        }

        clouds.Seed(valid.Config);
        if (valid.Config.LeaderElection.Namespace is { } leaseNamespace)
        {
            kubernetes.SeedNamespace(leaseNamespace);
        }

        Seed(kubernetes, vault, seed);
        var kubeconfig = stateDir.Write("kubeconfig", kubernetes.CreateKubeconfig());
        var vaultEnv = stateDir.Write("vault.env", $"export VAULT_ADDR={vaultAim.Address}\nexport VAULT_TOKEN={vault.RootToken}\n");

        var progress = new DevConsoleSink(console);
        var installKey = stateDir.PathOf("install.key");
        var options = new DaemonOptions
        {
            ConfigPath = configPath,
            Kubeconfig = kubeconfig,
            ListenAddress = "127.0.0.1",
            Port = port ?? 0,
            InstallKeyFile = installKey,
            Instance = "dev",
            ProviderOverrides = aim,
        };
        // The console shows events as readable lines instead of JSON; the chained file under <state-dir>/audit is what `secretsync audit` reads.
        var audit = valid.Config.Audit;
        var devConfig = valid.Config with
        {
            Audit = audit with
            {
                Sinks = [.. audit.Sinks.Where(s => s != AuditSinkKind.Stdout).Append(AuditSinkKind.File).Distinct()],
                File = audit.File ?? new AuditFileSettings { Path = stateDir.PathOf("audit") },
            },
        };
        await using var app = DaemonHost.Build(options, devConfig, file, ProviderCatalog.AddAll, [progress]);
        var runtime = app.Services.GetRequiredService<DaemonRuntime>();
        await app.StartAsync(cancellationToken);
        stateDir.Announce($"Kubernetes API {kubernetes.BaseAddress}, Vault {vaultAim.Address}");

        PrintBanner(console, kubernetes, vaultAim.Address, vault.RootToken, clouds, stateDir.Directory, configPath, seed.Origin);
        if (!once)
        {
            PrintHints(console, kubeconfig, vaultEnv);
        }

        // SIGTERM reaches the host's lifetime, Ctrl-C the command's token: either one ends the dev stack.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, app.Lifetime.ApplicationStopping);
        try
        {
            while (!runtime.FirstSyncDone)
            {
                await Task.Delay(50, stop.Token);
            }

            // The daemon creates its key file with the default mode; inside the 0700 dir no one else could open it meanwhile.
            DevStateDir.Protect(installKey);
            PrintEndpoints(console, runtime);
            if (once)
            {
                return PrintSummary(console, runtime) ? ExitCodes.Done : ExitCodes.Failed;
            }

            console.MarkupLine("[grey]Running; Ctrl-C to stop.[/]");
            await Task.Delay(Timeout.Infinite, stop.Token);
            return ExitCodes.Done;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return ExitCodes.Done;
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
        }
    }

    private static void Seed(KubernetesEmulator kubernetes, VaultEmulator vault, DevSeed seed)
    {
        kubernetes.SeedNamespace("default");
        kubernetes.SeedNamespace("kube-system");
        foreach (var (name, labels, annotations) in seed.Namespaces())
        {
            kubernetes.SeedNamespace(name, labels, annotations);
        }

        foreach (var (mount, path, data) in seed.VaultSecrets())
        {
            vault.WriteSecret(mount, path, data);
        }
    }

    private static void PrintBanner(
        IAnsiConsole console, KubernetesEmulator kubernetes, string vaultAddress, string token, CloudEmulators clouds, DirectoryInfo stateDir,
        string configPath, string seedOrigin)
    {
        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow("[bold]Kubernetes API[/]", Markup.Escape(kubernetes.BaseAddress.ToString()));
        grid.AddRow("[bold]Vault[/]", Markup.Escape($"{vaultAddress} (token {token})"));
        foreach (var (name, address) in clouds.Running)
        {
            grid.AddRow($"[bold]{Markup.Escape(name)}[/]", Markup.Escape(address));
        }

        grid.AddRow("[bold]State[/]", Markup.Escape(stateDir.FullName));
        grid.AddRow("[bold]Config[/]", Markup.Escape($"{configPath} (edit it: changes are reloaded)"));
        grid.AddRow("[bold]Seed[/]", Markup.Escape(seedOrigin));
        console.Write(new Panel(grid).Header("secretsync dev").RoundedBorder());
    }

    // Only for a stack that keeps running: after --once nothing is left for kubectl or curl to reach.
    private static void PrintHints(IAnsiConsole console, string kubeconfig, string vaultEnv)
    {
        console.MarkupLine("[bold]Try, in another shell:[/]");
        console.WriteLine($"  export KUBECONFIG={kubeconfig}");
        console.WriteLine("  kubectl get secrets -n payments");
        console.WriteLine("  kubectl annotate ns analytics secretsync.io/bundles=observability");
        console.WriteLine($"  source {vaultEnv}");
        console.WriteLine("  curl -s -H \"X-Vault-Token: $VAULT_TOKEN\" -X POST -d '{\"data\":{\"user\":\"payments_app\",\"password\":\"rotated\"}}' $VAULT_ADDR/v1/secret/data/payments/db");
        console.WriteLine();
    }

    private static void PrintEndpoints(IAnsiConsole console, DaemonRuntime runtime)
    {
        if (runtime.Endpoint is { } endpoint)
        {
            console.MarkupLine($"[grey]Daemon endpoints: {Markup.Escape(endpoint.ToString())}healthz, readyz, metrics, status[/]");
        }
    }

    /// <returns>Whether every target converged.</returns>
    private static bool PrintSummary(IAnsiConsole console, DaemonRuntime runtime)
    {
        var status = runtime.Snapshot();
        var table = new Table().RoundedBorder().Title("Synced Secrets")
            .AddColumn("Namespace").AddColumn("Secret").AddColumn("Bundle").AddColumn("Source").AddColumn("Version").AddColumn("Status");
        foreach (var target in status.Targets)
        {
            table.AddRow(
                Markup.Escape(target.Namespace), Markup.Escape(target.Secret), Markup.Escape(target.Bundle),
                Markup.Escape($"{target.Provider}:{target.Source}"), Markup.Escape(target.SourceVersion ?? "-"),
                target.LastError is null ? "[green]synced[/]" : $"[red]{Markup.Escape(target.LastError)}[/]");
        }

        console.Write(table);
        foreach (var denial in status.Denied)
        {
            console.MarkupLine($"[yellow]denied[/] {Markup.Escape(denial)}: the namespace's labels do not allow it");
        }

        if (status.NotConverged == 0)
        {
            return true;
        }

        console.MarkupLine($"[red]{status.NotConverged} target(s) did not sync[/]: {Markup.Escape(status.Readiness)}");
        return false;
    }
}
