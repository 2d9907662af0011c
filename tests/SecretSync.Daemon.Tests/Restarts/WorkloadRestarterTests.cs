using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using SecretSync.Audit;
using SecretSync.Core.Audit;
using SecretSync.Core.Configuration;
using SecretSync.Core.Model;
using SecretSync.Daemon.Restarts;
using SecretSync.DevStack;
using SecretSync.Kubernetes.Client;
using SecretSync.Kubernetes.Config;
using SecretSync.Testing;

namespace SecretSync.Daemon.Tests.Restarts;

/// <summary>The restarter against the Kubernetes emulator, with the debounce on a manual clock.</summary>
public sealed class WorkloadRestarterTests : IAsyncLifetime
{
    private static readonly NamespacedName Db = new("app", "db");
    private static readonly RestartSettings Settings = new() { Debounce = TimeSpan.FromSeconds(30) };

    private readonly ManualTimeProvider _time = new();
    private readonly ConcurrentDictionary<NamespacedName, IReadOnlyDictionary<string, string>> _digests = new();
    private readonly Collecting _sink = new();
    private readonly List<(WorkloadRestarter Restarter, CancellationTokenSource Term, Task Run)> _terms = [];
    private KubernetesEmulator _emulator = null!;
    private KubernetesClient _client = null!;
    private AuditTrail _audit = null!;
    private RestartMetrics _metrics = null!;

    public async Task InitializeAsync()
    {
        _emulator = await KubernetesEmulator.StartAsync();
        _client = new KubernetesClient(new KubernetesClientConfig { Server = _emulator.BaseAddress }, new KubernetesClientOptions { DisableRateLimiter = true });
        _audit = new AuditTrail(new AuditIdentity("test", "replica-a"), [_sink], _time, NullLogger<AuditTrail>.Instance);
        _metrics = new RestartMetrics(() => 0, () => 0);
        _emulator.SeedNamespace("app");
        _digests[Db] = new Dictionary<string, string> { ["password"] = "p1", ["user"] = "u1" };
        Apply("deployments", "Deployment", "web", "true", EnvFrom("db", "password"));
        Apply("deployments", "Deployment", "reporter", "true", EnvFrom("db", "user"));
        Apply("deployments", "Deployment", "bystander", null, EnvFrom("db", "password"));
        Apply("statefulsets", "StatefulSet", "store", "db", new JsonObject());
    }

    public async Task DisposeAsync()
    {
        foreach (var (_, term, run) in _terms)
        {
            await term.CancelAsync();
            await run;
            term.Dispose();
        }

        _metrics.Dispose();
        await _audit.DisposeAsync();
        _client.Dispose();
        await _emulator.DisposeAsync();
    }

    [Fact]
    public async Task ARotation_RestartsOnlyWorkloadsUsingAChangedKey_AfterTheDebounceWindow()
    {
        var restarter = await StartTermAsync();

        Rotate("password", "p2");
        restarter.OnRotated(Rotation(["password"], "2", "1"));
        await Eventually.TrueAsync(() => restarter.PendingCount == 2, "web and store pending");
        _time.Advance(Settings.Debounce - TimeSpan.FromSeconds(1));
        await LookedAsync(restarter);
        Assert.Equal((2, 0, 0), (restarter.PendingCount, restarter.RestartingCount, Patches()));

        _time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(() => Patches() == 2, "web and store patched");

        Assert.Equal(["deployments/web", "statefulsets/store"], PatchedPaths());
        var expected = RestartDigest.Format(new Dictionary<string, string>
        {
            ["db"] = RestartDigest.ForSecret(new SecretUse(false, new HashSet<string> { "password" }), _digests[Db])!,
        });
        Assert.Equal(expected, RestartedFor("deployments", "web"));
        Assert.Equal(2L, (long)_emulator.Get("deployments", "app", "web")!["metadata"]!["generation"]!);
        Assert.Null(RestartedFor("deployments", "reporter"));
        Assert.Null(RestartedFor("deployments", "bystander"));
        await Eventually.TrueAsync(() => _sink.Events.Count(e => e.Action == AuditActions.Restarted) == 2, "two restarted events");
        var web = _sink.Events.Single(e => e.Secret == "deployment/web");
        Assert.Equal(("app", "poll", "2", "1", "app/db"), (web.Namespace, web.Trigger, web.SourceVersion, web.PreviousVersion, web.Source));
        Assert.Contains("keys password", web.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("p2", web.Detail!.Replace(expected, "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheSameValuesAgain_OrANewTerm_RestartNothing_ButAMissedRotationIsCaughtUp()
    {
        var first = await StartTermAsync();
        Rotate("password", "p2");
        first.OnRotated(Rotation(["password"], "2", "1"));
        await Eventually.TrueAsync(() => first.PendingCount == 2, "pending");
        _time.Advance(Settings.Debounce);
        await Eventually.TrueAsync(() => Patches() == 2, "first restarts");
        FinishRollout("deployments", "web");
        FinishRollout("statefulsets", "store");
        await Eventually.TrueAsync(() => first.RestartingCount == 0, "rollouts seen finished");

        // A re-sync that reports the same values: already restarted for them.
        first.OnRotated(Rotation(["password"], "2", "2"));
        _time.Advance(Settings.Debounce);
        await LookedAsync(first);
        Assert.Equal((0, 0, 2), (first.PendingCount, first.RestartingCount, Patches()));

        // Leadership moves: the new term finds every recorded digest current.
        await EndTermsAsync();
        var second = await StartTermAsync();
        _time.Advance(Settings.Debounce);
        await LookedAsync(second);
        Assert.Equal((0, 0, 2), (second.PendingCount, second.RestartingCount, Patches()));

        // A rotation the previous leader wrote but did not restart for: caught up once, after the window.
        await EndTermsAsync();
        Rotate("password", "p3");
        var third = await StartTermAsync();
        await Eventually.TrueAsync(() => third.PendingCount == 2, "owed restarts found");
        _time.Advance(Settings.Debounce);
        await Eventually.TrueAsync(() => Patches() == 4, "caught up");
        var caughtUp = await WaitForAuditAsync(e => e.Action == AuditActions.Restarted && e.Trigger == AuditTriggers.Startup && e.Secret == "deployment/web");
        Assert.Contains("changed since the last restart", caughtUp.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWorkloadMidRollout_IsRestartedOnlyOnceItsRolloutFinishes()
    {
        _emulator.SetStatus("deployments", "app", "web", new JsonObject { ["observedGeneration"] = 1, ["replicas"] = 2, ["updatedReplicas"] = 1, ["availableReplicas"] = 1 });
        var restarter = await StartTermAsync();
        Rotate("password", "p2");
        restarter.OnRotated(Rotation(["password"], "2", "1"));
        await Eventually.TrueAsync(() => restarter.PendingCount == 2, "pending");
        _time.Advance(Settings.Debounce);
        await Eventually.TrueAsync(() => Patches() == 1, "store restarted");
        await LookedAsync(restarter);
        Assert.Equal(1, restarter.PendingCount);
        Assert.Equal(["statefulsets/store"], PatchedPaths());

        FinishRollout("deployments", "web");
        await Eventually.TrueAsync(() => Patches() == 2, "web restarted after its rollout finished");
    }

    [Fact]
    public async Task APatchConflict_IsReadAgainAndRetried()
    {
        var restarter = await StartTermAsync();
        Rotate("password", "p2");
        restarter.OnRotated(Rotation(["password"], "2", "1"));
        await Eventually.TrueAsync(() => restarter.PendingCount == 2, "pending");
        _emulator.Faults.Add(new DevStack.Hosting.FaultRule { PathPrefix = "/apis/apps/v1/namespaces/app/deployments/web", Method = "PATCH", StatusCode = 409, Times = 1 });
        _time.Advance(Settings.Debounce);

        await Eventually.TrueAsync(() => RestartedFor("deployments", "web") is not null, "web restarted after the conflict");

        // The request log and the audit sink both trail the restart slightly.
        await Eventually.TrueAsync(() => _emulator.Requests.CountWhere(r => r.Path.EndsWith("/deployments/web", StringComparison.Ordinal) && r.Status == 409) == 1, "the 409 logged");
        await Eventually.TrueAsync(() => _sink.Events.Count(e => e.Action == AuditActions.Restarted && e.Secret == "deployment/web") == 1, "one restarted event");
    }

    private async Task<WorkloadRestarter> StartTermAsync()
    {
        var restarter = new WorkloadRestarter(_client, name => _digests.GetValueOrDefault(name), _audit, _metrics, () => Settings, _time, NullLogger<WorkloadRestarter>.Instance);
        var term = new CancellationTokenSource();
        _terms.Add((restarter, term, restarter.RunAsync(term.Token)));
        await Eventually.TrueAsync(() => restarter.Synced, "workload caches synced");
        return restarter;
    }

    /// <summary>Wakes the restarter and waits until it has looked at its pending restarts at the clock's current time: what it
    /// left alone then is left alone for good, so "nothing was restarted" needs no sleep.</summary>
    private async Task LookedAsync(WorkloadRestarter restarter)
    {
        var now = _time.GetUtcNow();
        restarter.Reconfigure();
        await Eventually.TrueAsync(() => restarter.LookedAt >= now, "the restarter looked at its pending restarts");
    }

    private async Task EndTermsAsync()
    {
        foreach (var (_, term, run) in _terms)
        {
            await term.CancelAsync();
            await run;
            term.Dispose();
        }

        _terms.Clear();
    }

    private async Task<AuditEvent> WaitForAuditAsync(Func<AuditEvent, bool> predicate)
    {
        await Eventually.TrueAsync(() => _sink.Events.Any(predicate), "audit event");
        return _sink.Events.First(predicate);
    }

    private void Rotate(string key, string digest) =>
        _digests[Db] = new Dictionary<string, string>(_digests[Db]) { [key] = digest };

    private SecretRotation Rotation(IReadOnlyList<string> changed, string version, string previous) =>
        new(Db, changed, "vault-main", "app/db", version, previous, AuditTriggers.Poll);

    private int Patches() => _emulator.Requests.CountWhere(r => r.Verb == "patch" && r.Path.StartsWith("/apis/apps/", StringComparison.Ordinal));

    private List<string> PatchedPaths() =>
        [.. _emulator.Requests.Snapshot().Where(r => r.Verb == "patch" && r.Path.StartsWith("/apis/apps/", StringComparison.Ordinal))
            .Select(r => string.Join('/', r.Path.Split('/')[^2..])).Order(StringComparer.Ordinal)];

    private string? RestartedFor(string resource, string name) =>
        _emulator.Get(resource, "app", name)?["spec"]?["template"]?["metadata"]?["annotations"]?[Annotations.RestartedFor]?.GetValue<string>();

    private void FinishRollout(string resource, string name)
    {
        var generation = (long)_emulator.Get(resource, "app", name)!["metadata"]!["generation"]!;
        _emulator.SetStatus(resource, "app", name, Complete(generation));
    }

    private static JsonObject Complete(long generation) => new()
    {
        ["observedGeneration"] = generation,
        ["replicas"] = 1,
        ["updatedReplicas"] = 1,
        ["readyReplicas"] = 1,
        ["availableReplicas"] = 1,
    };

    private static JsonObject EnvFrom(string secret, string key) => new()
    {
        ["containers"] = new JsonArray(new JsonObject
        {
            ["name"] = "app",
            ["image"] = "app:1",
            ["env"] = new JsonArray(new JsonObject
            {
                ["name"] = "VALUE",
                ["valueFrom"] = new JsonObject { ["secretKeyRef"] = new JsonObject { ["name"] = secret, ["key"] = key } },
            }),
        }),
    };

    private void Apply(string resource, string kind, string name, string? optIn, JsonObject podSpec)
    {
        var metadata = new JsonObject { ["name"] = name, ["namespace"] = "app" };
        if (optIn is not null)
        {
            metadata["annotations"] = new JsonObject { [Annotations.RestartOnRotate] = optIn };
        }

        if (podSpec.Count == 0)
        {
            podSpec["containers"] = new JsonArray(new JsonObject { ["name"] = "app", ["image"] = "app:1" });
        }

        _emulator.Apply(new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = kind,
            ["metadata"] = metadata,
            ["spec"] = new JsonObject
            {
                ["replicas"] = 1,
                ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } },
                ["template"] = new JsonObject
                {
                    ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = name } },
                    ["spec"] = podSpec,
                },
            },
            ["status"] = Complete(1),
        });
        _ = resource;
    }

    private sealed class Collecting : IAuditSink
    {
        private readonly ConcurrentQueue<AuditEvent> _events = new();

        public IReadOnlyList<AuditEvent> Events => [.. _events];

        public ValueTask WriteAsync(AuditEvent auditEvent, CancellationToken cancellationToken)
        {
            _events.Enqueue(auditEvent);
            return ValueTask.CompletedTask;
        }
    }
}
