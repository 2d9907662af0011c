using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using SecretSync.Core.Model;
using SecretSync.DevStack.Hosting;
using SecretSync.Testing;
using SecretSync.Testing.Cluster;

namespace SecretSync.Chaos;

/// <summary>
/// Two <c>secretsync run</c> replicas against the Kubernetes and Vault emulators and a real PostgreSQL audit store, driven by a
/// seeded random schedule of faults, SIGKILLs, rotations, deletions, annotation flaps and configuration reloads for a bounded time.
/// </summary>
/// <remarks>
/// The seed fixes the sequence of decisions (what to do next, to what, for how long); the interleaving with the daemons'
/// own timing is real, so a replay repeats the schedule, not every race.
/// </remarks>
internal sealed class ChaosRun : IAsyncDisposable
{
    /// <summary>How long after faults stop every desired Secret must be current.</summary>
    public static readonly TimeSpan ConvergenceBound = TimeSpan.FromSeconds(120);

    private static readonly TimeSpan ScrapeEvery = TimeSpan.FromSeconds(10);

    private readonly TimeProvider _time = TimeProvider.System;
    private readonly Random _random;
    private readonly List<(DateTimeOffset Due, string What, Func<Task> Act)> _pending = [];
    private readonly TextWriter _log;
    private bool _extraConfigured = true;
    private int _reloads;
    private DateTimeOffset _nextScrape;

    private ChaosRun(int seed, TestCluster cluster, PostgresServer postgres, string database, TextWriter log)
    {
        Seed = seed;
        _random = new Random(seed);
        Cluster = cluster;
        Postgres = postgres;
        Database = database;
        _log = log;
        World = new ChaosWorld(seed);
        Replicas = [new Replica("replica-a", cluster.Folder), new Replica("replica-b", cluster.Folder)];
        Leaks = new LeakScanner(seed);
    }

    public int Seed { get; }

    public TestCluster Cluster { get; }

    public PostgresServer Postgres { get; }

    /// <summary>The audit database's connection string.</summary>
    public string Database { get; }

    public ChaosWorld World { get; }

    public ChaosTally Tally { get; } = new();

    public IReadOnlyList<Replica> Replicas { get; }

    public LeakScanner Leaks { get; }

    /// <summary>History length before the daemons started; everything after it is checked.</summary>
    public int HistoryMark { get; private set; }

    /// <summary>The resourceVersion of each unmanaged Secret as the harness created it.</summary>
    public Dictionary<string, string> Unmanaged { get; } = new(StringComparer.Ordinal);

    /// <summary>Time from the end of faults until every desired Secret was current; null when that did not happen within the bound.</summary>
    public TimeSpan? Convergence { get; private set; }

    /// <summary>What was still wrong when the convergence bound passed.</summary>
    public IReadOnlyList<string> NotConverged { get; private set; } = [];

    public DateTimeOffset FaultsStopped { get; private set; }

    public static async Task<ChaosRun> StartAsync(int seed, TextWriter log)
    {
        var cluster = await TestCluster.StartAsync(vaultEvents: true);
        var postgres = await PostgresServer.StartAsync();
        var database = await postgres.CreateDatabaseAsync("chaos");
        return new ChaosRun(seed, cluster, postgres, database, log);
    }

    /// <summary>Seeds sources, namespaces and unmanaged Secrets, starts both replicas and waits for the first full sync.</summary>
    public async Task SetUpAsync()
    {
        var state = new WorldState(
            [.. ChaosWorld.Bundles.Keys],
            ChaosWorld.Namespaces.ToImmutableDictionary(ns => ns, _ => ImmutableHashSet.Create(StringComparer.Ordinal, [.. ChaosWorld.Bundles.Keys]), StringComparer.Ordinal),
            ImmutableDictionary<string, int>.Empty.WithComparers(StringComparer.Ordinal));
        foreach (var source in ChaosWorld.Keys.Keys)
        {
            state = World.Rotate(Cluster, state, source);
        }

        World.Begin(_time.GetUtcNow(), state);
        foreach (var ns in ChaosWorld.Namespaces)
        {
            Cluster.Namespace(ns, new Dictionary<string, string> { ["team"] = "chaos" }, Annotation(state.Requests[ns]));
            AddUnmanaged(ns, ChaosWorld.Bystander);
        }

        AddUnmanaged(ChaosWorld.Conflict.Namespace, ChaosWorld.Conflict.Name);
        WriteConfigs("start");
        HistoryMark = ResilienceHistory.Mark(Cluster.Kubernetes);
        foreach (var replica in Replicas)
        {
            replica.Start(Cluster.Kubeconfig);
        }

        foreach (var replica in Replicas)
        {
            await replica.Current!.WaitReadyAsync(TimeSpan.FromSeconds(120));
            replica.CurrentWasReady = true;
        }

        var clock = Stopwatch.StartNew();
        await Eventually.TrueAsync(async () => (await ConvergedAsync()).Count == 0, "the first full sync", ConvergenceBound, TimeSpan.FromMilliseconds(250));
        _log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"setup: both replicas ready, first sync converged after {clock.Elapsed.TotalSeconds:0.0} s"));
    }

    /// <summary>Runs the schedule until <paramref name="duration"/> has passed.</summary>
    /// <remarks><paramref name="stop"/> ends the schedule early (Ctrl-C); the run then stops the faults and checks as usual.</remarks>
    public async Task RunScheduleAsync(TimeSpan duration, CancellationToken stop)
    {
        var end = _time.GetUtcNow() + duration;
        _nextScrape = _time.GetUtcNow();
        var lastProgress = _time.GetUtcNow();
        while (_time.GetUtcNow() < end && !stop.IsCancellationRequested)
        {
            await RunDueAsync(all: false);
            await TendReplicasAsync();
            await ScrapeIfDueAsync();
            await NextActionAsync();
            if (_time.GetUtcNow() - lastProgress > TimeSpan.FromMinutes(1))
            {
                lastProgress = _time.GetUtcNow();
                _log.WriteLine($"  ... {Progress()}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(_random.Next(300, 2000)));
        }
    }

    /// <summary>Ends every fault, restarts dead replicas and waits (within <see cref="ConvergenceBound"/>) for convergence.</summary>
    public async Task StopFaultsAndConvergeAsync()
    {
        await RunDueAsync(all: true);
        Cluster.Kubernetes.Faults.Clear();
        Cluster.Vault.Faults.Clear();
        Cluster.Vault.Sealed = false;
        await TendReplicasAsync();
        FaultsStopped = _time.GetUtcNow();
        var clock = Stopwatch.StartNew();
        IReadOnlyList<string> problems = [];
        while (clock.Elapsed < ConvergenceBound)
        {
            await TendReplicasAsync();
            problems = await ConvergedAsync();
            if (problems.Count == 0)
            {
                Convergence = clock.Elapsed;
                break;
            }

            await Task.Delay(250);
        }

        NotConverged = problems;
        _log.WriteLine(Convergence is { } took
            ? string.Create(CultureInfo.InvariantCulture, $"faults stopped: converged after {took.TotalSeconds:0.0} s")
            : $"faults stopped: NOT converged within {ConvergenceBound.TotalSeconds} s");

        // Let audit pumps and the PostgreSQL sink catch up, then read the endpoints one last time and stop gracefully.
        await Task.Delay(TimeSpan.FromSeconds(5));
        _nextScrape = _time.GetUtcNow();
        await ScrapeIfDueAsync();
        foreach (var replica in Replicas.Where(r => r.Running))
        {
            await replica.Current!.StopAsync(TimeSpan.FromSeconds(30));
        }
    }

    /// <summary>Describes every desired Secret that is missing or not at the current source version, and every managed Secret not desired.</summary>
    public async Task<IReadOnlyList<string>> ConvergedAsync()
    {
        var problems = new List<string>();
        if (!await AnyLeaderAsync())
        {
            problems.Add("no replica leads");
        }

        problems.AddRange(Replicas.Where(r => !r.CurrentWasReady).Select(r => $"{r.Instance} not ready since its last start"));

        var state = World.Current;
        var desired = state.Desired().ToList();
        foreach (var (ns, target, source) in desired)
        {
            var secret = Cluster.Secret(ns, target);
            var version = secret?["metadata"]?["annotations"]?[Annotations.SourceVersion]?.GetValue<string>();
            if (secret is null)
            {
                problems.Add($"{ns}/{target}: missing");
            }
            else if (version != state.Sources[source].ToString(CultureInfo.InvariantCulture))
            {
                problems.Add($"{ns}/{target}: at version {version}, source {source} is at {state.Sources[source]}");
            }
            else if (!Same(ResilienceHistory.DataOf(secret), World.Latest(source)))
            {
                problems.Add($"{ns}/{target}: data differs from version {version} of {source}");
            }
        }

        foreach (var ns in ChaosWorld.Namespaces)
        {
            foreach (var secret in Cluster.Kubernetes.List("secrets", ns).Where(IsManaged))
            {
                var name = secret["metadata"]!["name"]!.GetValue<string>();
                if (!desired.Any(d => d.Namespace == ns && d.Target == name))
                {
                    problems.Add($"{ns}/{name}: managed but no longer desired, still present");
                }
            }
        }

        return problems;
    }

    public static bool IsManaged(System.Text.Json.Nodes.JsonObject? secret) =>
        secret?["metadata"]?["labels"]?[Annotations.ManagedByLabel]?.GetValue<string>() == Annotations.ManagedByValue;

    public string Progress() =>
        $"faults {Tally.Faults.Values.Sum()}, kills {Replicas.Sum(r => r.Kills.Count)}, rotations {Tally["rotations"]}, " +
        $"deletions {Tally["source deletions"]}, flaps {Tally["annotation flaps"]}, reloads {Tally["config reloads"]}";

    /// <summary>Every file-chain event absent from PostgreSQL, as <c>time instance#sequence action namespace/secret id</c> (kept for <see cref="SaveArtefacts"/>).</summary>
    public IReadOnlyList<string> OnlyInFileChain { get; private set; } = [];

    public void SaveAuditComparison(IEnumerable<Core.Audit.AuditEvent> fileEvents, IEnumerable<Core.Audit.AuditEvent> storeEvents)
    {
        var stored = storeEvents.Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
        OnlyInFileChain = [.. fileEvents.Where(e => !stored.Contains(e.Id)).OrderBy(e => e.Time)
            .Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.Time:HH:mm:ss.fff} {e.Instance}#{e.Sequence} {e.Action} {e.Namespace}/{e.Secret} {e.Id}"))];
    }

    /// <summary>Keeps what a failure needs to be understood: configurations, audit chains and buffers, every process's output
    /// (redacted) and the Secret write history (without data), in <paramref name="folder"/>.</summary>
    public void SaveArtefacts(string folder)
    {
        Directory.CreateDirectory(folder);
        foreach (var file in Directory.EnumerateFiles(Cluster.Folder, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".lock", StringComparison.Ordinal)))
        {
            var copy = Path.Combine(folder, Path.GetRelativePath(Cluster.Folder, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.WriteAllText(copy, Leaks.Redact(File.ReadAllText(file)));
        }

        foreach (var replica in Replicas)
        {
            for (var i = 0; i < replica.Incarnations.Count; i++)
            {
                File.WriteAllText(Path.Combine(folder, $"{replica.Instance}-{i + 1}.stderr.log"), Leaks.Redact(replica.Incarnations[i].StandardError));
                File.WriteAllText(Path.Combine(folder, $"{replica.Instance}-{i + 1}.stdout.log"), Leaks.Redact(replica.Incarnations[i].StandardOutput));
            }
        }

        var history = ResilienceHistory.SecretChangesSince(Cluster.Kubernetes, HistoryMark).Select(c =>
        {
            var annotations = c.ParseObject()["metadata"]?["annotations"];
            return string.Create(CultureInfo.InvariantCulture,
                $"{c.Time:HH:mm:ss.fff} {c} source={annotations?[Annotations.Source]} version={annotations?[Annotations.SourceVersion]}");
        });
        var kills = Replicas.SelectMany(r => r.Kills.Select(k => string.Create(CultureInfo.InvariantCulture, $"{k:HH:mm:ss.fff} SIGKILL {r.Instance}")));
        File.WriteAllLines(Path.Combine(folder, "history.txt"), history.Concat(kills).Order(StringComparer.Ordinal));
        File.WriteAllLines(Path.Combine(folder, "only-in-file-chain.txt"), OnlyInFileChain);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in Replicas.SelectMany(r => r.Incarnations))
        {
            await process.DisposeAsync();
        }

        await Cluster.DisposeAsync();
        await Postgres.DisposeAsync();
    }

    private async Task NextActionAsync()
    {
        var roll = _random.Next(100);
        switch (roll)
        {
            case < 30:
                await RotateAsync();
                break;
            case < 60:
                InjectFault();
                break;
            case < 72:
                FlapAnnotation();
                break;
            case < 77:
                DeleteSource();
                break;
            case < 84:
                ReloadConfig();
                break;
            default:
                if (roll < 92)
                {
                    await KillAsync();
                }

                break;
        }
    }

    private async Task RotateAsync()
    {
        if (Cluster.Vault.Sealed)
        {
            return;
        }

        var existing = World.Current.Sources.Keys.Order(StringComparer.Ordinal).ToList();
        var chosen = existing.OrderBy(_ => _random.Next()).Take(_random.Next(1, 4)).ToList();
        await Task.WhenAll(chosen.Select(source => Task.Run(() =>
        {
            // Each rotation is its own change: concurrent writers of different sources, serialized only at the moment of the write.
            World.Change(_time, state => (World.Rotate(Cluster, state, source), 0));
        })));
        Tally.Change("rotations", chosen.Count);
    }

    private void InjectFault()
    {
        string[] kinds =
        [
            "k8s latency", "k8s 429", "k8s 5xx", "k8s watch drop", "k8s 410 gone",
            "vault latency", "vault 429", "vault 5xx", "vault sealed", "vault event socket drop",
        ];
        var kind = kinds[_random.Next(kinds.Length)];
        var window = TimeSpan.FromSeconds(_random.Next(3, 13));
        var probability = 0.2 + (_random.NextDouble() * 0.4);
        switch (kind)
        {
            case "k8s watch drop":
                Cluster.Kubernetes.Faults.DropStreams();
                break;
            case "k8s 410 gone":
                Cluster.Kubernetes.ExpireWatches();
                break;
            case "vault event socket drop":
                Cluster.Vault.Faults.DropStreams();
                break;
            case "vault sealed":
                if (Cluster.Vault.Sealed)
                {
                    return;
                }

                Cluster.Vault.Sealed = true;
                Later(window, "unseal vault", () =>
                {
                    Cluster.Vault.Sealed = false;
                    return Task.CompletedTask;
                });
                break;
            default:
                var faults = kind.StartsWith("k8s", StringComparison.Ordinal) ? Cluster.Kubernetes.Faults : Cluster.Vault.Faults;
                if (faults.ActiveRules >= 2)
                {
                    return;
                }

                var rule = kind[(kind.IndexOf(' ', StringComparison.Ordinal) + 1)..] switch
                {
                    "latency" => new FaultRule { Latency = TimeSpan.FromMilliseconds(_random.Next(100, 1500)), Probability = probability },
                    "429" => new FaultRule { StatusCode = 429, RetryAfter = TimeSpan.FromSeconds(1), Probability = probability },
                    _ => new FaultRule { StatusCode = _random.Next(2) == 0 ? 500 : 503, Probability = probability },
                };
                var added = faults.Add(rule);
                Later(window, $"end {kind}", () =>
                {
                    added.Dispose();
                    return Task.CompletedTask;
                });
                break;
        }

        Tally.Fault(kind);
    }

    private void FlapAnnotation()
    {
        var state = World.Current;
        var full = ChaosWorld.Bundles.Keys.ToImmutableHashSet(StringComparer.Ordinal);
        var steady = ChaosWorld.Namespaces.Where(ns => state.Requests[ns].SetEquals(full)).ToList();
        if (steady.Count == 0)
        {
            return;
        }

        var ns = steady[_random.Next(steady.Count)];
        ImmutableHashSet<string>[] reduced = [[], ImmutableHashSet.Create(StringComparer.Ordinal, "core"), ImmutableHashSet.Create(StringComparer.Ordinal, "extra")];
        var request = reduced[_random.Next(reduced.Length)];
        SetRequest(ns, request);
        Tally.Change("annotation flaps");
        Later(TimeSpan.FromSeconds(_random.Next(8, 21)), $"restore annotation of {ns}", () =>
        {
            SetRequest(ns, full);
            Tally.Change("annotation flaps");
            return Task.CompletedTask;
        });
    }

    private void SetRequest(string ns, ImmutableHashSet<string> request) =>
        World.Change(_time, state =>
        {
            Cluster.Annotate(ns, Annotation(request));
            return (state with { Requests = state.Requests.SetItem(ns, request) }, 0);
        });

    private void DeleteSource()
    {
        var state = World.Current;
        if (state.Sources.Count < ChaosWorld.Keys.Count)
        {
            return; // one deleted source at a time keeps the revocation brake out of the way
        }

        var source = state.Sources.Keys.Order(StringComparer.Ordinal).ElementAt(_random.Next(state.Sources.Count));
        World.Change(_time, current =>
        {
            Cluster.Vault.DeleteMetadata(SyncScenario.Mount, source);
            return (current with { Sources = current.Sources.Remove(source) }, 0);
        });
        Tally.Change("source deletions");
        Later(TimeSpan.FromSeconds(_random.Next(8, 21)), $"recreate {source}", () =>
        {
            World.Change(_time, current => (World.Rotate(Cluster, current, source), 0));
            Tally.Change("source recreations");
            return Task.CompletedTask;
        });
    }

    private void ReloadConfig()
    {
        var comment = $"reload {++_reloads}";
        if (!_extraConfigured || _random.Next(2) == 0)
        {
            _extraConfigured = !_extraConfigured;
        }

        World.Change(_time, state =>
        {
            WriteConfigs(comment);
            return (state with { ConfiguredBundles = _extraConfigured ? [.. ChaosWorld.Bundles.Keys] : ["core"] }, 0);
        });
        Tally.Change("config reloads");
    }

    private async Task KillAsync()
    {
        var running = Replicas.Where(r => r.Running).ToList();
        // Mostly one replica down at a time; now and then both, a full outage.
        if (running.Count == 0 || (running.Count < Replicas.Count && _random.Next(5) != 0))
        {
            return;
        }

        var leader = await LeaderAsync();
        var victim = leader is not null && _random.Next(10) < 7 ? leader : running[_random.Next(running.Count)];
        if (victim == leader && _random.Next(2) == 0)
        {
            // Aim at the moment between a Secret write and its audit record: rotate, then kill the leader while it writes.
            await RotateAsync();
            await Task.Delay(_random.Next(0, 400));
            Tally.Change("kills right after a rotation");
        }

        victim.Kill(_time.GetUtcNow());
        Tally.Change("kills");
        Later(TimeSpan.FromSeconds(_random.Next(1, 7)), $"restart {victim.Instance}", () => RestartAsync(victim));
    }

    private Task RestartAsync(Replica replica)
    {
        if (!replica.Running)
        {
            replica.Start(Cluster.Kubeconfig);
            replica.Restarts++;
        }

        return Task.CompletedTask;
    }

    /// <summary>Notes readiness of restarted processes and restarts any that exited on their own, as a kubelet would.</summary>
    private async Task TendReplicasAsync()
    {
        foreach (var replica in Replicas)
        {
            if (replica.Current is not { } process)
            {
                continue;
            }

            if (process.HasExited)
            {
                if (!replica.CurrentKilled)
                {
                    replica.Crashes.Add((_time.GetUtcNow(), process.ExitCode, replica.CurrentWasReady));
                    _log.WriteLine($"  {replica.Instance} exited on its own (exit code {process.ExitCode}); restarting. Its last log lines:\n{Leaks.Redact(Tail(process.StandardError, 1500))}");
                    await RestartAsync(replica);
                }
                else if (_pending.All(p => p.What != $"restart {replica.Instance}"))
                {
                    await RestartAsync(replica);
                }

                continue;
            }

            if (!replica.CurrentWasReady)
            {
                try
                {
                    if (await IsReadyAsync(process))
                    {
                        replica.CurrentWasReady = true;
                        if (replica.Incarnations.Count > 1)
                        {
                            replica.RestartsReady++;
                        }
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                }
            }
        }
    }

    private static async Task<bool> IsReadyAsync(DaemonProcess process)
    {
        await using var probe = new ResilienceProbe(process);
        return (await probe.GetAsync("readyz")).Status == 200;
    }

    private async Task ScrapeIfDueAsync()
    {
        if (_time.GetUtcNow() < _nextScrape)
        {
            return;
        }

        _nextScrape = _time.GetUtcNow() + ScrapeEvery;
        foreach (var replica in Replicas.Where(r => r.Running))
        {
            await using var probe = new ResilienceProbe(replica.Current!);
            foreach (var path in new[] { "metrics", "status" })
            {
                var (status, body) = await probe.GetAsync(path);
                if (status == 200)
                {
                    Leaks.Scan($"/{path} of {replica.Instance}", body);
                    Tally.Change($"scrapes of /{path}");
                }
            }
        }
    }

    private async Task<bool> AnyLeaderAsync() => await LeaderAsync() is not null;

    private async Task<Replica?> LeaderAsync()
    {
        foreach (var replica in Replicas.Where(r => r.Running))
        {
            await using var probe = new ResilienceProbe(replica.Current!);
            try
            {
                if (await probe.IsLeaderAsync() == true)
                {
                    return replica;
                }
            }
            catch (JsonException)
            {
            }
        }

        return null;
    }

    private void Later(TimeSpan after, string what, Func<Task> act) => _pending.Add((_time.GetUtcNow() + after, what, act));

    private async Task RunDueAsync(bool all)
    {
        var now = _time.GetUtcNow();
        var due = _pending.Where(p => all || p.Due <= now).OrderBy(p => p.Due).ToList();
        foreach (var item in due)
        {
            _pending.Remove(item);
            await item.Act();
        }
    }

    /// <summary>Writes each replica's configuration (the same but for its own audit folders) in one rename each, as a ConfigMap update does.</summary>
    private void WriteConfigs(string comment)
    {
        var bundles = new StringBuilder("bundles:\n");
        foreach (var (name, mappings) in ChaosWorld.Bundles.Where(b => b.Key == "core" || _extraConfigured))
        {
            bundles.Append(SyncScenario.BundleEntry(name, ("team", "chaos"), [.. mappings]));
        }

        var audit = $"""
            audit:
              sinks: [stdout, file, events, postgres]
              file:
                path: "@FILE@"
              postgres:
                connectionString: "{Database}"
                bufferDir: "@BUFFER@"
            """;
        // The chaos world deletes sources and flaps annotations on purpose, far beyond the delete guard's default
        // thresholds; the guard has its own tests, so here it only has to stay out of the way.
        Cluster.WriteSyncConfig(bundles.ToString(), sync: "revocationBrake: { count: 1000000 }", interval: "2s", events: "on", audit: audit, comment: comment);
        var template = File.ReadAllText(Cluster.ConfigPath);
        foreach (var replica in Replicas)
        {
            var staged = replica.ConfigPath + ".new";
            File.WriteAllText(staged, template.Replace("@FILE@", replica.AuditFolder, StringComparison.Ordinal).Replace("@BUFFER@", replica.BufferFolder, StringComparison.Ordinal));
            File.Move(staged, replica.ConfigPath, overwrite: true);
        }
    }

    private void AddUnmanaged(string ns, string name)
    {
        var created = Cluster.Kubernetes.Apply(SyncScenario.UnmanagedSecret(ns, name, ("setting", $"unmanaged-{ns}-{name}")));
        Unmanaged[$"{ns}/{name}"] = created["metadata"]!["resourceVersion"]!.GetValue<string>();
    }

    private static string? Annotation(ImmutableHashSet<string> request) =>
        request.Count == 0 ? null : string.Join(',', request.Order(StringComparer.Ordinal));

    private static bool Same(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var v) && v == p.Value);

    private static string Tail(string text, int length) => text.Length > length ? text[^length..] : text;
}
