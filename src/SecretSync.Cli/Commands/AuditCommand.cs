using System.CommandLine;
using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using SecretSync.Audit.FileChain;
using SecretSync.Audit.Postgres;
using SecretSync.Audit.Query;
using SecretSync.Core.Audit;
using SecretSync.Core.Configuration;
using Spectre.Console;

namespace SecretSync.Cli.Commands;

/// <summary><c>secretsync audit</c>: queries, tails or verifies the audit log, from the hash-chained files or PostgreSQL.</summary>
/// <remarks>Exit codes: 0 done (or verified and authenticated), 1 the chain does not verify or holds an unreadable record, 2 bad input or
/// unreadable path, 3 (<c>--verify</c>) links and sequence intact but nothing authenticated: no key given, or only legacy unkeyed records.</remarks>
internal static class AuditCommand
{
    /// <summary>Where <c>secretsync dev</c> keeps its chain with the default <c>--state-dir</c>.</summary>
    public const string DevDefaultPath = ".secretsync-dev/audit";

    /// <summary>How often <c>--follow --database</c> asks the fleet store for new events.</summary>
    private static readonly TimeSpan DatabasePollInterval = TimeSpan.FromSeconds(1);

    /// <summary>How late an event may reach the fleet store and still be shown by <c>--follow --database</c>.</summary>
    private static readonly TimeSpan DatabaseLateness = TimeSpan.FromMinutes(10);

    private const int Done = 0;
    private const int ChainBroken = 1;
    private const int BadInput = 2;
    private const int NotAuthenticated = 3;

    /// <summary>Where <c>secretsync dev</c> keeps its install key with the default <c>--state-dir</c>; <c>--verify</c> of <see cref="DevDefaultPath"/> uses it.</summary>
    private const string DevDefaultKeyFile = ".secretsync-dev/install.key";

    public static Command Create()
    {
        var path = new Option<string?>("--path") { Description = $"The audit file chain: a folder of audit-*.jsonl segments or one segment. Default: {DevDefaultPath} when it exists.", HelpName = "FILE_OR_DIR" };
        var database = new Option<string?>("--database") { Description = "Read the PostgreSQL fleet store with this Npgsql connection string instead.", HelpName = "CONN" };
        var since = new Option<string?>("--since") { Description = "Events at or after this: a duration ago (24h, 30m, 90s, 7d, 1h30m) or an RFC 3339 time.", HelpName = "WHEN" };
        var until = new Option<string?>("--until") { Description = "Events before this: a duration ago or an RFC 3339 time.", HelpName = "WHEN" };
        var cluster = new Option<string?>("--cluster") { Description = "Events from this cluster." };
        var ns = new Option<string?>("--namespace", "-n") { Description = "Events in this namespace." };
        var secret = new Option<string?>("--secret") { Description = "Events about this Secret: NAME or NAMESPACE/NAME." };
        var source = new Option<string?>("--source") { Description = "Events about this source path: PATH or PROVIDER:PATH." };
        var action = new Option<string?>("--action") { Description = $"Events with this action: {string.Join(", ", AuditActions.All)}." };
        var outcome = new Option<string?>("--outcome") { Description = $"Events with this outcome: {string.Join(", ", AuditOutcomes.All)}." };
        var format = new Option<string>("--format") { Description = "table, or json (one event per line).", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json");
        var follow = new Option<bool>("--follow", "-f")
        {
            Description = "Keep printing new events as they are written, until Ctrl-C. With --database, events reaching the store more than 10 minutes after they happened are not shown.",
        };
        var verify = new Option<bool>("--verify")
        {
            Description = "Check the chain instead: MACs (with --key-file), links and sequence; exits 1 naming the first record that does not match, 3 when nothing could be authenticated.",
        };
        var keyFile = new Option<string?>("--key-file")
        {
            Description = $"With --verify: the chain key from 'secretsync audit chain-key', or the daemon's install key (base64 or raw; e.g. the 'key' of Secret secretsync-install-key, as kubectl prints it). Default: {DevDefaultKeyFile} when verifying {DevDefaultPath}.",
            HelpName = "FILE",
        };
        var command = new Command(
            "audit",
            "Query the audit log (hash-chained files or PostgreSQL), or verify the file chain. Exit codes: 0 done, 1 chain broken or unreadable record, 2 bad input, 3 chain not authenticated (no key).")
        {
            path, database, since, until, cluster, ns, secret, source, action, outcome, format, follow, verify, keyFile, CreateChainKey(),
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var request = new Request(
                parse.GetValue(path), parse.GetValue(database), parse.GetValue(since), parse.GetValue(until), parse.GetValue(cluster),
                parse.GetValue(ns), parse.GetValue(secret), parse.GetValue(source), parse.GetValue(action), parse.GetValue(outcome),
                parse.GetValue(format)!, parse.GetValue(follow), parse.GetValue(verify), parse.GetValue(keyFile));
            return RunAsync(request, cancellationToken);
        });
        return command;
    }

    /// <summary><c>secretsync audit chain-key</c>: the key auditors verify the chain with, so they need not hold the install key.</summary>
    private static Command CreateChainKey()
    {
        var installKey = new Option<string>("--key-file")
        {
            Description = "The daemon's install key (base64 or raw; e.g. the 'key' of Secret secretsync-install-key).",
            HelpName = "FILE",
            Required = true,
        };
        var command = new Command(
            "chain-key",
            "Print the audit chain key derived from the install key. Give it to auditors for --verify: it authenticates the chain but cannot confirm a guessed Secret value, as the install key can.")
        {
            installKey,
        };
        command.SetAction(async (parse, _) =>
        {
            var path = parse.GetValue(installKey)!;
            try
            {
                await Console.Out.WriteLineAsync(ChainKey.FromInstallKeyFile(path).Export());
                return Done;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                return await FailAsync(BadInput, $"cannot read the install key from --key-file {path}: {ex.Message}");
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(Request request, CancellationToken cancellationToken)
    {
        if (Check(request, TimeProvider.System.GetUtcNow()) is { } problem)
        {
            return await FailAsync(BadInput, problem);
        }

        if (request.Database is not null)
        {
            return await QueryDatabaseAsync(request, cancellationToken);
        }

        var location = request.Path ?? (Directory.Exists(DevDefaultPath) ? DevDefaultPath : null);
        if (location is null)
        {
            return await FailAsync(BadInput, $"no audit log given: pass --path FILE_OR_DIR (a folder of audit-*.jsonl segments) or --database CONN; the default {DevDefaultPath} does not exist here.");
        }

        if (!Directory.Exists(location) && !File.Exists(location))
        {
            return await FailAsync(BadInput, $"cannot read the audit log at {Path.GetFullPath(location)}: no such file or folder.");
        }

        var reader = new ChainedFileReader(location);
        try
        {
            if (!request.Verify)
            {
                return await PrintAsync(reader, request, cancellationToken);
            }

            var keyFile = request.KeyFile ?? (request.Path is null && File.Exists(DevDefaultKeyFile) ? DevDefaultKeyFile : null);
            ChainKey? key;
            try
            {
                key = keyFile is null ? null : ChainKey.FromKeyFile(keyFile);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                return await FailAsync(BadInput, $"cannot read the key from --key-file {keyFile}: {ex.Message}");
            }

            return await VerifyAsync(reader, key, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Done;
        }
        catch (InvalidDataException ex)
        {
            return await FailAsync(ChainBroken, ex.Message);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return await FailAsync(BadInput, $"cannot read the audit log at {reader.Path}: {ex.Message}");
        }
    }

    private static async Task<int> QueryDatabaseAsync(Request request, CancellationToken cancellationToken)
    {
        PostgresAuditStore store;
        try
        {
            store = new PostgresAuditStore(request.Database!);
        }
        catch (ArgumentException ex)
        {
            return await FailAsync(BadInput, ex.Message);
        }

        await using (store)
        {
            try
            {
                return await PrintAsync(store, request, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return Done;
            }
            catch (DbException ex)
            {
                return await FailAsync(BadInput, $"cannot read the fleet store at {store.Target}: {ex.Message}");
            }
        }
    }

    private static string? Check(Request request, DateTimeOffset now)
    {
        if (request.Path is not null && request.Database is not null)
        {
            return "--path and --database name two different audit logs; pass one.";
        }

        if (request.Verify && (request.Database is not null || request.Follow || request.HasFilters))
        {
            return "--verify checks the whole file chain: it takes neither filters, --follow nor --database.";
        }

        if (request.KeyFile is not null && !request.Verify)
        {
            return "--key-file is the key --verify authenticates the chain with; it needs --verify.";
        }

        if (request.Action is { } action && !AuditActions.All.Contains(action))
        {
            return $"unknown action '{action}'; valid actions: {string.Join(", ", AuditActions.All)}.";
        }

        if (request.Outcome is { } outcome && !AuditOutcomes.All.Contains(outcome))
        {
            return $"unknown outcome '{outcome}'; valid outcomes: {string.Join(", ", AuditOutcomes.All)}.";
        }

        foreach (var (name, text) in new[] { ("--since", request.Since), ("--until", request.Until) })
        {
            if (text is not null && ParseWhen(text, now) is null)
            {
                return $"{name} '{text}' is neither a duration ago (24h, 30m, 90s, 7d, 1h30m) nor an RFC 3339 time (2026-03-01T12:00:00Z).";
            }
        }

        return null;
    }

    /// <summary>A time from <c>--since</c>/<c>--until</c>: a duration meaning that long before <paramref name="now"/>, or an RFC 3339 time.</summary>
    internal static DateTimeOffset? ParseWhen(string text, DateTimeOffset now)
    {
        if (Duration.TryParse(text, out var ago))
        {
            return ago < now - DateTimeOffset.MinValue ? now - ago : null;
        }

        // RFC 3339 always starts with a full date, which keeps bare numbers and locale-dependent forms out.
        return text.Length >= 10 && text[4] == '-' && text[7] == '-'
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
            ? time
            : null;
    }

    private static async Task<int> VerifyAsync(ChainedFileReader reader, ChainKey? key, CancellationToken cancellationToken)
    {
        var verification = await Task.Run(() => reader.Verify(key, cancellationToken), cancellationToken);
        foreach (var torn in verification.TornWrites)
        {
            await Console.Error.WriteLineAsync($"note: {torn}");
        }

        if (verification.Files == 0)
        {
            await Console.Error.WriteLineAsync($"note: {reader.Path} holds no audit-*.jsonl segments.");
        }

        if (verification.UncheckedStart is { } uncheckedStart)
        {
            await Console.Error.WriteLineAsync($"note: {uncheckedStart}");
        }

        if (verification.FirstBreak is { } found)
        {
            await Console.Error.WriteLineAsync($"verification failed at {found}");
            await Console.Error.WriteLineAsync($"{verification.Records} record(s) before it verified.");
            return ChainBroken;
        }

        var keyed = verification.Records - verification.LegacyRecords;
        if (verification.LegacyRecords > 0)
        {
            await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"note: the first {verification.LegacyRecords} record(s) are legacy (plain SHA-256, written before chains were keyed): their links are intact, but anyone can recompute them, so they are not authenticated."));
        }

        if (!verification.IsAuthenticated)
        {
            var why = keyed == 0
                ? "the chain holds no keyed record"
                : "no key was given: pass --key-file with the daemon's install key";
            await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"not authenticated: {verification.Records} records in {verification.Files} files have intact links and sequence, but {why}; a chain rewritten without the key would look the same."));
            return NotAuthenticated;
        }

        await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"verified {verification.Records} records in {verification.Files} files: {keyed} authenticated under the install key"));
        return Done;
    }

    private static async Task<int> PrintAsync(IAuditQuery query, Request request, CancellationToken cancellationToken)
    {
        var filter = request.Filter(TimeProvider.System.GetUtcNow());
        var events = !request.Follow ? query.QueryAsync(filter, cancellationToken)
            : query is ChainedFileReader reader ? reader.FollowAsync(filter, cancellationToken)
            : FollowByPollingAsync(query, filter, DatabasePollInterval, DatabaseLateness, TimeProvider.System, cancellationToken);
        if (request.Format == "json")
        {
            await foreach (var auditEvent in events)
            {
                await Console.Out.WriteLineAsync(AuditJson.Serialize(auditEvent));
                if (request.Follow)
                {
                    await Console.Out.FlushAsync(cancellationToken);
                }
            }

            return Done;
        }

        if (request.Follow)
        {
            var console = TableConsole(EventTable.FollowWidth);
            var first = true;
            await foreach (var auditEvent in events)
            {
                console.Write(EventTable.Follow([auditEvent], showHeaders: first));
                first = false;
            }

            return Done;
        }

        var all = new List<AuditEvent>();
        await foreach (var auditEvent in events)
        {
            all.Add(auditEvent);
        }

        if (all.Count == 0)
        {
            await Console.Error.WriteLineAsync("no matching audit events.");
            return Done;
        }

        var wide = TableConsole(EventTable.WidthOf(all));
        wide.Write(EventTable.Whole(all));
        wide.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"[grey]{all.Count} event(s)[/]"));
        return Done;
    }

    /// <summary>Follows a store that can only be queried: asks again every <paramref name="every"/> for events since the newest seen.</summary>
    /// <remarks>
    /// Each query reaches back <paramref name="lateness"/> before the newest event seen, and events already printed are skipped by id,
    /// so an event stored up to that late (a cluster's outage buffer draining) is still shown once; a later one is not.
    /// </remarks>
    internal static async IAsyncEnumerable<AuditEvent> FollowByPollingAsync(
        IAuditQuery query, AuditFilter filter, TimeSpan every, TimeSpan lateness, TimeProvider time, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var seen = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        DateTimeOffset? newest = null;
        while (true)
        {
            var window = filter;
            if (newest is { } latest && (filter.Since is null || filter.Since < latest - lateness))
            {
                window = filter with { Since = latest - lateness };
            }

            await foreach (var auditEvent in query.QueryAsync(window, cancellationToken))
            {
                if (seen.TryAdd(auditEvent.Id, auditEvent.Time))
                {
                    newest = newest is null || auditEvent.Time > newest ? auditEvent.Time : newest;
                    yield return auditEvent;
                }
            }

            if (newest is { } cutoff)
            {
                // Events older than the next window's start can never be returned again.
                foreach (var (id, _) in seen.Where(entry => entry.Value < cutoff - lateness).ToList())
                {
                    seen.Remove(id);
                }
            }

            await Task.Delay(every, time, cancellationToken);
        }
    }

    // A table squeezed into a narrow terminal loses whole columns; one row per line, soft-wrapped by the terminal, reads better.
    // Piped output gets neither colours nor a width limit.
    private static IAnsiConsole TableConsole(int width) => Terminal.Stdout(pipedWidth: width, minimumWidth: width);

    private static async Task<int> FailAsync(int exitCode, string message)
    {
        await Console.Error.WriteLineAsync($"error: {message}");
        return exitCode;
    }

    private sealed record Request(
        string? Path, string? Database, string? Since, string? Until, string? Cluster, string? Namespace, string? Secret, string? Source,
        string? Action, string? Outcome, string Format, bool Follow, bool Verify, string? KeyFile)
    {
        public bool HasFilters => new[] { Since, Until, Cluster, Namespace, Secret, Source, Action, Outcome }.Any(v => v is not null);

        public AuditFilter Filter(DateTimeOffset now) => new()
        {
            Since = Since is null ? null : ParseWhen(Since, now),
            Until = Until is null ? null : ParseWhen(Until, now),
            Cluster = Cluster,
            Namespace = Namespace,
            Secret = Secret,
            Source = Source,
            Action = Action,
            Outcome = Outcome,
        };
    }
}

/// <summary>Audit events as a Spectre.Console table: one row per event, long cells cut short.</summary>
internal static class EventTable
{
    private static readonly (string Header, int Width)[] Columns =
    [
        ("time (UTC)", 19), ("cluster", 14), ("action", 17), ("outcome", 8), ("namespace/secret", 36), ("provider:source", 32),
        ("version", 9), ("trigger", 9), ("error/detail", 48),
    ];

    /// <summary>The width of <see cref="Follow"/>'s rows: fixed column widths plus one space either side of each cell.</summary>
    public static int FollowWidth => Columns.Sum(c => c.Width + 2);

    /// <summary>The width <see cref="Whole"/> needs to show <paramref name="events"/> without squeezing a column.</summary>
    public static int WidthOf(IReadOnlyList<AuditEvent> events) =>
        1 + Columns.Select((column, i) => Math.Max(column.Header.Length, events.Max(e => Cut(Texts(e)[i], column.Width).Length)) + 3).Sum();

    /// <summary>All events in one table with borders and headers.</summary>
    public static Table Whole(IReadOnlyList<AuditEvent> events)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var (header, _) in Columns)
        {
            table.AddColumn(new TableColumn(header).NoWrap());
        }

        foreach (var auditEvent in events)
        {
            table.AddRow(Cells(auditEvent));
        }

        return table;
    }

    /// <summary>Rows to print as they arrive: fixed widths and no border, so successive tables line up.</summary>
    public static Table Follow(IReadOnlyList<AuditEvent> events, bool showHeaders)
    {
        var table = new Table().Border(TableBorder.None);
        table.ShowHeaders = showHeaders;
        foreach (var (header, width) in Columns)
        {
            table.AddColumn(new TableColumn(header).NoWrap().Width(width));
        }

        foreach (var auditEvent in events)
        {
            table.AddRow(Cells(auditEvent));
        }

        return table;
    }

    private static Markup[] Cells(AuditEvent e)
    {
        var colour = e.Outcome switch
        {
            AuditOutcomes.Failure => "red",
            AuditOutcomes.Skipped => "yellow",
            _ => "green",
        };
        return [.. Texts(e).Select((text, i) => new Markup(
            i == 3 ? $"[{colour}]{Markup.Escape(text)}[/]" : Markup.Escape(Cut(text, Columns[i].Width))))];
    }

    private static string[] Texts(AuditEvent e)
    {
        var version = e.SourceVersion is null ? "" : e.PreviousVersion is null ? e.SourceVersion : $"{e.PreviousVersion}→{e.SourceVersion}";
        return
        [
            e.Time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
            e.Cluster,
            e.Action,
            e.Outcome,
            e.Namespace is null ? "" : $"{e.Namespace}/{e.Secret}",
            e.Source is null ? "" : $"{e.Provider}:{e.Source}",
            version,
            e.Trigger ?? "",
            e.Error ?? e.Detail ?? "",
        ];
    }

    private static string Cut(string text, int width) => text.Length <= width ? text : string.Concat(text.AsSpan(0, width - 1), "…");
}
