using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Npgsql;
using SecretSync.Audit.Postgres;
using SecretSync.Core.Configuration;
using SecretSync.Core.Providers;
using SecretSync.Daemon.Hosting;
using Spectre.Console;

namespace SecretSync.Cli.Commands;

/// <summary>
/// <c>secretsync rotate PROVIDER:PATH</c>: writes a new version with check-and-set, and with <c>--wait</c> follows it
/// through the fleet store until every known target has applied it.
/// </summary>
/// <remarks>
/// Exit codes: 0 written (and, with <c>--wait</c>, applied everywhere); 1 not written (check-and-set mismatch,
/// provider failure, invalid configuration); 2 usage error; 3 written but <c>--wait</c> timed out, stragglers listed.
/// No value, old or new, is ever printed: only key names and versions.
/// </remarks>
internal static partial class RotateCommand
{
    private const int DefaultLength = 32;
    private const int MaxLength = 4096;
    private const string UrlSafeAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    public static Command Create()
    {
        var target = new Argument<string>("source") { Description = "The source to rotate, as PROVIDER:PATH (a provider name from the configuration)." };
        var config = CliOptions.Config(required: true);
        var set = new Option<string[]>("--set")
        {
            Description = "Set KEY to VALUE in the new version (repeatable). Keys not mentioned keep their current values.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var setFile = new Option<string[]>("--set-file")
        {
            Description = "Set KEY to the content of FILE, without its trailing newline (KEY=FILE, '-' for standard input; repeatable), so that no value sits in argv or shell history.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var create = new Option<bool>("--create") { Description = "Create the source when it does not exist; without it a missing source (a mistyped path) is refused." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Show which keys would change, and write nothing." };
        var generate = new Option<string[]>("--generate")
        {
            Description = $"Set KEY to a cryptographically random URL-safe value of LENGTH characters (KEY[:LENGTH], default {DefaultLength}; repeatable).",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var wait = new Option<bool>("--wait") { Description = "After writing, follow the fleet store until every known target has applied the new version." };
        var database = new Option<string?>("--database") { Description = "The fleet store's PostgreSQL connection string (required with --wait)." };
        var timeout = new Option<string>("--timeout")
        {
            Description = "How long --wait waits, e.g. 90s, 5m, 1h.",
            DefaultValueFactory = _ => "5m",
        };
        var command = new Command("rotate", "Write a new version of a source (check-and-set), optionally waiting for the fleet to apply it.")
        {
            target, config, set, setFile, generate, create, dryRun, wait, database, timeout,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(new Request(
            parse.GetValue(target)!,
            parse.GetValue(config)!,
            parse.GetValue(set) ?? [],
            parse.GetValue(generate) ?? [],
            parse.GetValue(wait),
            parse.GetValue(database),
            parse.GetValue(timeout)!)
        {
            SetFiles = parse.GetValue(setFile) ?? [],
            Create = parse.GetValue(create),
            DryRun = parse.GetValue(dryRun),
        }, cancellationToken));
        return command;
    }

    private sealed record Request(string Source, FileInfo Config, string[] Sets, string[] Generates, bool Wait, string? Database, string Timeout)
    {
        public string[] SetFiles { get; init; } = [];

        public bool Create { get; init; }

        public bool DryRun { get; init; }

        // The sets hold values and the database string may hold a password.
        public override string ToString() => $"rotate {Source}";
    }

    private static async Task<int> RunAsync(Request request, CancellationToken cancellationToken)
    {
        var console = AnsiConsole.Console;
        if (!TryParseRequest(request, out var provider, out var path, out var changes, out var timeout, out var problem))
        {
            await Console.Error.WriteLineAsync($"error: {problem}");
            return 2;
        }

        var file = new ConfigFile(request.Config.ToString(), ProviderCatalog.Registry(), TimeProvider.System);
        if (file.Load() is not ConfigResult.Valid valid)
        {
            return RunCommand.Fail(file);
        }

        if (!valid.Config.Providers.TryGetValue(provider, out var settings))
        {
            await Console.Error.WriteLineAsync(
                $"error: {request.Config} has no provider named '{provider}'. Providers: {string.Join(", ", valid.Config.Providers.Keys.Order(StringComparer.Ordinal))}.");
            return 2;
        }

        settings = AsTheVaultCliWould(settings);
        string newVersion;
        await using (var source = ProviderCatalog.Registry().Get(settings.Type).Connect(settings))
        {
            if (source is not ISourceWriter writer)
            {
                await Console.Error.WriteLineAsync($"error: provider '{provider}' (type {settings.Type}) cannot write new versions.");
                return 2;
            }

            var written = await WriteAsync(source, writer, provider, path, changes, request, cancellationToken);
            if (written is null)
            {
                return 1;
            }

            if (request.DryRun)
            {
                return 0;
            }

            newVersion = written;
        }

        if (!request.Wait)
        {
            return 0;
        }

        await using var store = new PostgresAuditStore(request.Database!);
        return await WaitAsync(console, store, provider, path, newVersion, timeout, request.Timeout, cancellationToken);
    }

    /// <summary>For a Vault provider, the Vault CLI's habits: <c>VAULT_ADDR</c> is the address and <c>VAULT_TOKEN</c> the
    /// credential (token auth), over what the daemon's configuration says; an operator rotates as themselves.</summary>
    private static ProviderSettings AsTheVaultCliWould(ProviderSettings settings)
    {
        var address = Environment.GetEnvironmentVariable("VAULT_ADDR");
        var token = Environment.GetEnvironmentVariable("VAULT_TOKEN");
        if (settings.Type != "vault" || (string.IsNullOrWhiteSpace(address) && string.IsNullOrWhiteSpace(token)))
        {
            return settings;
        }

        var values = settings.Keys.ToDictionary(k => k, k => new SettingValue(settings.Get(k)!, settings.LocationOf(k)), StringComparer.Ordinal);
        if (!string.IsNullOrWhiteSpace(address))
        {
            values["address"] = new SettingValue(address.Trim(), null);
        }

        if (!string.IsNullOrWhiteSpace(token))
        {
            foreach (var key in values.Keys.Where(k => k.StartsWith("auth.", StringComparison.Ordinal)).ToList())
            {
                values.Remove(key);
            }

            values["auth.method"] = new SettingValue("token", null);
        }

        return new ProviderSettings(settings.Name, settings.Type, values, settings.Location);
    }

    /// <summary>Reads the current version, merges the changes and writes with check-and-set on that version.</summary>
    /// <returns>The new version (with --dry-run, the current one, or "absent"), or null after reporting why nothing was written.</returns>
    private static async Task<string?> WriteAsync(
        ISecretSource source, ISourceWriter writer, string provider, string path, IReadOnlyDictionary<string, string> changes, Request request, CancellationToken cancellationToken)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        string? expected;
        switch (await source.ReadAsync(path, null, cancellationToken))
        {
            case ReadResult.Found found:
                expected = found.Payload.Version.Id;
                foreach (var (key, bytes) in found.Payload.Values)
                {
                    values[key] = Encoding.UTF8.GetString(bytes);
                }

                break;
            case ReadResult.Absent { Absence.IsWholeSource: true } absent when absent.Absence.Kind == AbsenceKind.NotFound:
                if (!request.Create)
                {
                    await Console.Error.WriteLineAsync(
                        $"error: {provider}:{path} does not exist, so nothing was written; check the path, or pass --create to create it.");
                    return null;
                }

                expected = null;
                break;
            case ReadResult.Absent absent:
                await Console.Error.WriteLineAsync(
                    $"error: {provider}:{path} cannot be rotated: {absent.Absence.Kind} ({absent.Absence.Detail}). Restore it at the authority first.");
                return null;
            case ReadResult.Failed failed:
                await Console.Error.WriteLineAsync($"error: cannot read {provider}:{path}: {failed.Failure}");
                return null;
            default:
                return null;
        }

        var kept = values.Keys.Where(k => !changes.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        if (request.DryRun)
        {
            var changing = changes.Where(c => !values.TryGetValue(c.Key, out var old) || old != c.Value).Select(c => c.Key).Order(StringComparer.Ordinal).ToList();
            Console.WriteLine(
                $"{provider}:{path} (version {expected ?? "absent"}): would change {(changing.Count > 0 ? string.Join(", ", changing) : "nothing")}" +
                (kept.Count > 0 ? $"; would keep {string.Join(", ", kept)}" : "") + "; nothing written (--dry-run).");
            return expected ?? "absent";
        }

        foreach (var (key, value) in changes)
        {
            values[key] = value;
        }

        switch (await writer.WriteAsync(path, values, expected, cancellationToken))
        {
            case WriteResult.Written written:
                Console.WriteLine(
                    $"{provider}:{path}: wrote version {written.Version.Id} (was {expected ?? "absent"}); " +
                    $"changed {string.Join(", ", changes.Keys.Order(StringComparer.Ordinal))}" +
                    (kept.Count > 0 ? $"; kept {string.Join(", ", kept)}" : ""));
                return written.Version.Id;
            case WriteResult.VersionMismatch mismatch:
                await Console.Error.WriteLineAsync(
                    $"error: check-and-set failed: {provider}:{path} is at version {mismatch.CurrentVersion ?? "unknown"}, not {expected ?? "absent"} as read; " +
                    "someone else wrote it meanwhile. Nothing was written; run rotate again.");
                return null;
            case WriteResult.Failed failed:
                await Console.Error.WriteLineAsync($"error: cannot write {provider}:{path}: {failed.Failure}");
                return null;
            default:
                return null;
        }
    }

    /// <summary>Polls the fleet store until every (cluster, namespace) holding the source has the new version.</summary>
    private static async Task<int> WaitAsync(
        IAnsiConsole console, PostgresAuditStore store, string provider, string path, string version, TimeSpan timeout, string timeoutText, CancellationToken cancellationToken)
    {
        var started = TimeProvider.System.GetTimestamp();
        IReadOnlyList<AppliedVersion> targets = [];
        string? lastError = null;
        var done = false;
        await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask($"{provider}:{path} v{version}: waiting for the fleet store", maxValue: 1);
                while (true)
                {
                    try
                    {
                        targets = [.. (await store.AppliedVersionsAsync(provider, path, cancellationToken)).Where(t => t.Holds)];
                        lastError = null;
                    }
                    catch (NpgsqlException ex)
                    {
                        lastError = ex.Message;
                    }

                    var groups = Groups(targets, version);
                    var complete = groups.Count(g => g.Done);
                    task.MaxValue = Math.Max(1, groups.Count);
                    task.Value = groups.Count == 0 ? 0 : complete;
                    task.Description = lastError is null
                        ? $"{provider}:{path} v{version}: {complete}/{groups.Count} cluster/namespace targets"
                        : $"{provider}:{path} v{version}: fleet store unreachable, retrying";
                    if (lastError is null && complete == groups.Count)
                    {
                        task.Value = task.MaxValue;
                        done = true;
                        return;
                    }

                    if (TimeProvider.System.GetElapsedTime(started) >= timeout)
                    {
                        return;
                    }

                    await Task.Delay(PollInterval, TimeProvider.System, cancellationToken);
                }
            });

        if (done)
        {
            console.WriteLine(targets.Count == 0
                ? $"No target in the fleet store holds {provider}:{path}; nothing to wait for."
                : $"All {Groups(targets, version).Count} cluster/namespace targets have applied version {version}.");
            return 0;
        }

        var stderr = Console.Error;
        await stderr.WriteLineAsync($"error: timed out after {timeoutText} waiting for version {version} of {provider}:{path}.");
        if (lastError is not null)
        {
            await stderr.WriteLineAsync($"The fleet store ({store.Target}) could not be read: {lastError}");
        }

        var stragglers = targets.Where(t => !Reached(t.Version, version)).ToList();
        await stderr.WriteLineAsync($"{stragglers.Count} straggler(s) (cluster/namespace/secret: version applied):");
        foreach (var straggler in stragglers)
        {
            await stderr.WriteLineAsync($"  {straggler.Cluster}/{straggler.Namespace}/{straggler.Secret}: {straggler.Version ?? "none"}"
                + (straggler.LastError is { } error ? $" (last error: {error})" : ""));
        }

        return 3;
    }

    private static List<(string Cluster, string Namespace, bool Done)> Groups(IReadOnlyList<AppliedVersion> targets, string version) =>
        [.. targets.GroupBy(t => (t.Cluster, t.Namespace)).Select(g => (g.Key.Cluster, g.Key.Namespace, g.All(t => Reached(t.Version, version))))];

    /// <summary>True when <paramref name="applied"/> is the wanted version or, for numbered versions, a later one.</summary>
    private static bool Reached(string? applied, string wanted) =>
        applied is not null && (applied == wanted
            || (long.TryParse(applied, NumberStyles.None, CultureInfo.InvariantCulture, out var a)
                && long.TryParse(wanted, NumberStyles.None, CultureInfo.InvariantCulture, out var w) && a >= w));

    private static bool TryParseRequest(
        Request request, out string provider, out string path, out Dictionary<string, string> changes, out TimeSpan timeout, out string problem)
    {
        provider = path = problem = "";
        changes = new Dictionary<string, string>(StringComparer.Ordinal);
        timeout = TimeSpan.Zero;
        var colon = request.Source.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == request.Source.Length - 1)
        {
            problem = $"'{request.Source}' is not PROVIDER:PATH, e.g. vault-main:payments/db.";
            return false;
        }

        provider = request.Source[..colon];
        path = request.Source[(colon + 1)..];
        if (request.Sets.Length == 0 && request.SetFiles.Length == 0 && request.Generates.Length == 0)
        {
            problem = "nothing to change: give at least one --set KEY=VALUE, --set-file KEY=FILE or --generate KEY[:LENGTH].";
            return false;
        }

        foreach (var assignment in request.Sets)
        {
            var equals = assignment.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                // The argument may hold a value, so it is not repeated.
                problem = "--set expects KEY=VALUE with a non-empty KEY.";
                return false;
            }

            if (!changes.TryAdd(assignment[..equals], assignment[(equals + 1)..]))
            {
                problem = $"key '{assignment[..equals]}' is given more than once.";
                return false;
            }
        }

        foreach (var assignment in request.SetFiles)
        {
            var equals = assignment.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || equals == assignment.Length - 1)
            {
                problem = $"--set-file expects KEY=FILE (or KEY=- for standard input), not '{assignment}'.";
                return false;
            }

            var (key, from) = (assignment[..equals], assignment[(equals + 1)..]);
            string value;
            try
            {
                value = from == "-" ? Console.In.ReadToEnd() : File.ReadAllText(from);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                problem = $"--set-file {key}: cannot read {from}: {ex.Message}";
                return false;
            }

            if (!changes.TryAdd(key, value.TrimEnd('\n', '\r')))
            {
                problem = $"key '{key}' is given more than once.";
                return false;
            }
        }

        foreach (var spec in request.Generates)
        {
            var parts = spec.Split(':');
            var length = DefaultLength;
            if (parts[0].Length == 0 || parts.Length > 2
                || (parts.Length == 2 && (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out length) || length is < 1 or > MaxLength)))
            {
                problem = $"--generate expects KEY or KEY:LENGTH with LENGTH from 1 to {MaxLength}, not '{spec}'.";
                return false;
            }

            if (!changes.TryAdd(parts[0], RandomNumberGenerator.GetString(UrlSafeAlphabet, length)))
            {
                problem = $"key '{parts[0]}' is given more than once.";
                return false;
            }
        }

        if (!Duration.TryParse(request.Timeout, out timeout))
        {
            problem = $"--timeout '{request.Timeout}' is not a duration; {Duration.Hint(request.Timeout)}.";
            return false;
        }

        if (timeout <= TimeSpan.Zero)
        {
            problem = $"--timeout '{request.Timeout}' must be longer than 0, e.g. 5m.";
            return false;
        }

        if (request.Wait && string.IsNullOrWhiteSpace(request.Database))
        {
            problem = "--wait reads the fleet store: give its connection string with --database.";
            return false;
        }

        return true;
    }
}
