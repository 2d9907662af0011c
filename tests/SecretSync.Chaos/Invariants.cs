using System.Globalization;
using System.Text.Json.Nodes;
using SecretSync.Audit.FileChain;
using SecretSync.Audit.Postgres;
using SecretSync.Audit.Query;
using SecretSync.Core.Audit;
using SecretSync.Core.Model;
using SecretSync.DevStack;
using SecretSync.Testing.Cluster;

namespace SecretSync.Chaos;

/// <summary>One invariant and every violation of it found, each described without secret values.</summary>
internal sealed record InvariantResult(string Name, IReadOnlyList<string> Violations, string? Note = null);

/// <summary>The checks made once the faults have stopped, from the emulator's full write history, the audit sinks and every output.</summary>
internal static class Invariants
{
    /// <summary>A deletion is the schedule's doing when the target was not desired at some moment this long before it (the daemon acts on what it last saw).</summary>
    public static readonly TimeSpan IntentGrace = TimeSpan.FromSeconds(15);

    /// <summary>How far an audit event's time may lie before the write it records (clock reads race) and after it (queues, buffers, restarts).</summary>
    private static readonly TimeSpan MatchBefore = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan MatchAfter = TimeSpan.FromSeconds(10);

    public static async Task<IReadOnlyList<InvariantResult>> CheckAsync(ChaosRun run)
    {
        var changes = ResilienceHistory.SecretChangesSince(run.Cluster.Kubernetes, run.HistoryMark, ns => ns.StartsWith("chaos-", StringComparison.Ordinal));
        var managed = changes.Where(c => ChaosRun.IsManaged(c.ParseObject())).ToList();
        var fileEvents = new List<AuditEvent>();
        foreach (var replica in run.Replicas)
        {
            fileEvents.AddRange(await ReadAsync(new ChainedFileReader(replica.AuditFolder)));
        }

        IReadOnlyList<AuditEvent> storeEvents;
        await using (var store = new PostgresAuditStore(run.Database))
        {
            storeEvents = await ReadAsync(store);
        }

        var kills = run.Replicas.SelectMany(r => r.Kills).Order().ToList();
        run.SaveAuditComparison(fileEvents, storeEvents);
        return
        [
            new("every desired Secret converges within " + ChaosRun.ConvergenceBound.TotalSeconds.ToString(CultureInfo.InvariantCulture) + " s", run.NotConverged),
            new("no managed Secret deleted or blanked while desired", DeletedOrBlanked(run.World, managed)),
            new("no unmanaged Secret modified", UnmanagedTouched(run, changes)),
            new("no replica exited on its own", [.. run.Replicas.SelectMany(r => r.Crashes.Select(c =>
                string.Create(CultureInfo.InvariantCulture, $"{r.Instance} exited with {c.ExitCode} at {c.At:HH:mm:ss.fff} ({(c.WasReady ? "after" : "before")} it was ready)")))]),
            new("audit chain verifies across restarts", await ChainsVerifyAsync(run)),
            Coverage("every write has its audit event in the file chain", managed, fileEvents, kills),
            Coverage("every write has its audit event in PostgreSQL", managed, storeEvents, kills),
            new("no seeded value in any output, audit sink, Event or metric", Leaks(run, fileEvents, storeEvents),
                $"{run.World.Values.Count} values searched for in {run.Leaks.Scanned} texts, among them {run.Cluster.Kubernetes.List("events").Count} Kubernetes Events and {run.Tally["scrapes of /metrics"]} /metrics scrapes"),
        ];
    }

    private static async Task<List<AuditEvent>> ReadAsync(IAuditQuery query)
    {
        var events = new List<AuditEvent>();
        await foreach (var auditEvent in query.QueryAsync(new AuditFilter(), CancellationToken.None))
        {
            events.Add(auditEvent);
        }

        return events;
    }

    private static List<string> DeletedOrBlanked(ChaosWorld world, IEnumerable<KubernetesChange> managed)
    {
        var problems = new List<string>();
        foreach (var change in managed)
        {
            var ns = change.Namespace!;
            if (change.Type == "DELETED")
            {
                if (!world.UndesiredSometimeIn(ns, change.Name, change.Time - IntentGrace, change.Time))
                {
                    problems.Add($"{change} at {change.Time:HH:mm:ss.fff}: deleted while its source existed, its namespace asked for it and its bundle was configured");
                }

                continue;
            }

            var secret = change.ParseObject();
            var data = ResilienceHistory.DataOf(secret);
            var source = Annotation(secret, Annotations.Source);
            var version = Annotation(secret, Annotations.SourceVersion);
            if (data.Count == 0 || data.Values.Any(v => v.Length == 0))
            {
                problems.Add($"{change}: written blank (keys {string.Join(",", data.Keys)})");
            }
            else if (source is null || source != ChaosWorld.SourceOf(change.Name) || !world.WroteAs(source, version, data))
            {
                problems.Add($"{change}: content is not version {version} of source {source}");
            }
        }

        return problems;
    }

    private static List<string> UnmanagedTouched(ChaosRun run, IEnumerable<KubernetesChange> changes) =>
        [.. changes.Where(c => run.Unmanaged.TryGetValue($"{c.Namespace}/{c.Name}", out var created) && c.ResourceVersion != created)
            .Select(c => $"{c}: an unmanaged Secret was changed")];

    private static async Task<List<string>> ChainsVerifyAsync(ChaosRun run)
    {
        var problems = new List<string>();
        foreach (var replica in run.Replicas)
        {
            var result = await ResilienceCommand.RunAsync(["audit", "--path", replica.AuditFolder, "--verify", "--key-file", run.Cluster.WriteInstallKeyFile(Path.GetDirectoryName(replica.AuditFolder)!)]);
            if (result.ExitCode != 0)
            {
                problems.Add($"{replica.Instance}: `secretsync audit --verify` exited {result.ExitCode}: {run.Leaks.Redact(result.StandardOutput + result.StandardError).Trim()}");
            }
        }

        return problems;
    }

    /// <summary>
    /// Matches every committed write of a managed Secret to one distinct audit event of the same namespace and Secret, with an
    /// action of its kind (ADDED: created or restored; MODIFIED: updated or restored; DELETED: revoked or pruned), the source
    /// version and content HMAC the write carried (not for deletions), outcome success, and a time (stamped when the daemon
    /// recorded it, kept by buffers and recovery) from <see cref="MatchBefore"/> before the write to <see cref="MatchAfter"/>
    /// after it. Writes are taken oldest first and each takes the earliest event that fits.
    /// </summary>
    private static InvariantResult Coverage(string name, IEnumerable<KubernetesChange> managed, IReadOnlyList<AuditEvent> events, IReadOnlyList<DateTimeOffset> kills)
    {
        var byTarget = events
            .Where(e => e.Outcome == AuditOutcomes.Success && e.Namespace is not null && e.Secret is not null)
            .GroupBy(e => $"{e.Namespace}/{e.Secret}")
            .ToDictionary(g => g.Key, g => g.OrderBy(e => e.Time).ToList(), StringComparer.Ordinal);
        var used = new HashSet<string>(StringComparer.Ordinal);
        var problems = new List<string>();
        var nearKill = 0;
        var total = 0;
        foreach (var change in managed.OrderBy(c => c.Time))
        {
            total++;
            string[] actions = change.Type switch
            {
                "ADDED" => [AuditActions.Created, AuditActions.Restored],
                "MODIFIED" => [AuditActions.Updated, AuditActions.Restored],
                _ => [AuditActions.Revoked, AuditActions.Pruned],
            };
            var written = change.ParseObject();
            var version = change.Type == "DELETED" ? null : Annotation(written, Annotations.SourceVersion);
            var hash = change.Type == "DELETED" ? null : Annotation(written, Annotations.ContentHash);
            var match = byTarget.GetValueOrDefault($"{change.Namespace}/{change.Name}")?.FirstOrDefault(e =>
                !used.Contains(e.Id) && actions.Contains(e.Action)
                && (version is null || e.SourceVersion == version) && (hash is null || e.ContentHmac == hash)
                && e.Time >= change.Time - MatchBefore && e.Time <= change.Time + MatchAfter);
            if (match is not null)
            {
                used.Add(match.Id);
                continue;
            }

            var killed = kills.Any(k => k >= change.Time - TimeSpan.FromSeconds(1) && k <= change.Time + TimeSpan.FromSeconds(3));
            nearKill += killed ? 1 : 0;
            problems.Add($"{change} at {change.Time:HH:mm:ss.fff}: no audit event{(killed ? " (a SIGKILL followed within 3 s)" : "")}");
        }

        return new(name, problems, string.Create(CultureInfo.InvariantCulture, $"{total} writes checked, {events.Count} events read; {nearKill} of the missing ones had a SIGKILL within 3 s after them"));
    }

    private static List<string> Leaks(ChaosRun run, IEnumerable<AuditEvent> fileEvents, IEnumerable<AuditEvent> storeEvents)
    {
        var scanner = run.Leaks;
        foreach (var replica in run.Replicas)
        {
            for (var i = 0; i < replica.Incarnations.Count; i++)
            {
                scanner.Scan($"stdout of {replica.Instance} #{i + 1}", replica.Incarnations[i].StandardOutput);
                scanner.Scan($"stderr of {replica.Instance} #{i + 1}", replica.Incarnations[i].StandardError);
            }

            foreach (var folder in new[] { replica.AuditFolder, replica.BufferFolder }.Where(Directory.Exists))
            {
                foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
                {
                    scanner.Scan(file, File.ReadAllText(file));
                }
            }
        }

        scanner.Scan("file chain events", string.Join('\n', fileEvents.Select(AuditJson.Serialize)));
        scanner.Scan("PostgreSQL audit_events", string.Join('\n', storeEvents.Select(AuditJson.Serialize)));
        scanner.Scan("Kubernetes Events", string.Join('\n', run.Cluster.Kubernetes.List("events").Select(e => e.ToJsonString())));
        var findings = scanner.Findings.ToList();

        // Positive control: the Secrets themselves hold the values base64-encoded, so a scanner that misses them there proves nothing.
        var control = new LeakScanner(run.Seed);
        control.Scan("control", string.Join('\n', ChaosWorld.Namespaces.SelectMany(ns => run.Cluster.Kubernetes.List("secrets", ns)).Select(s => s.ToJsonString())));
        if (control.Findings.Count == 0)
        {
            findings.Add("control: the scanner found no value in the synced Secrets themselves, so the scan proves nothing");
        }

        return findings;
    }

    private static string? Annotation(JsonObject secret, string key) => secret["metadata"]?["annotations"]?[key]?.GetValue<string>();
}
