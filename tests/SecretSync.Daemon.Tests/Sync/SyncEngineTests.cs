using SecretSync.Core.Audit;
using SecretSync.Core.Model;
using SecretSync.Daemon.Sync;

namespace SecretSync.Daemon.Tests.Sync;

public sealed class SyncEngineTests
{
    private const string Yaml = """
        cluster: bed
        providers:
          main: { type: scripted }
        bundles:
          platform:
            provider: main
            namespaces: all
            secrets:
              - source: shared/db
                target: db
              - source: shared/api
                target: api
        sync:
          onSourceDeleted: delete
        """;

    [Fact]
    public async Task SharedSource_IsReadOnce_AndWrittenToEveryNamespaceThatAsks()
    {
        await using var bed = await StartedAsync("team-a", "team-b", "team-c");

        await bed.DrainAsync();

        Assert.Equal(2, bed.Provider.Reads);
        foreach (var ns in new[] { "team-a", "team-b", "team-c" })
        {
            Assert.Equal("p1", System.Text.Encoding.UTF8.GetString(bed.Store[ns, "db"]!.Data!["password"]));
        }

        Assert.Equal(6, (await bed.EventsAsync()).Count(e => e.Action == AuditActions.Created));
    }

    [Fact]
    public async Task SecondPass_WithNothingChanged_WritesNothing()
    {
        await using var bed = await StartedAsync("team-a");
        await bed.DrainAsync();
        var writes = bed.Store.Writes;

        bed.Get<SyncEngine>().ScheduleFullSync(AuditTriggers.Poll);
        await bed.DrainAsync();

        Assert.Equal(writes, bed.Store.Writes);
    }

    [Fact]
    public async Task AuthorityDown_KeepsTheLastGoodSecret_AndAuditsTheFailureOnce()
    {
        await using var bed = await StartedAsync("team-a");
        await bed.DrainAsync();
        var written = bed.Store["team-a", "db"]!.Metadata.ResourceVersion;

        bed.Provider.Fail("shared/db");
        bed.Provider.Fail("shared/api");
        for (var i = 0; i < 3; i++)
        {
            bed.Get<SyncEngine>().ScheduleFullSync(AuditTriggers.Poll);
            await bed.DrainAsync();
        }

        Assert.Equal(written, bed.Store["team-a", "db"]!.Metadata.ResourceVersion);
        Assert.Equal(2, (await bed.EventsAsync()).Count(e => e.Action == AuditActions.Failed));
        Assert.False(bed.Get<SyncHealth>().IsProviderUp("main"));
    }

    [Fact]
    public async Task Rotation_UpdatesEveryCopy_AndNamesOnlyTheKeysThatChanged()
    {
        await using var bed = await StartedAsync("team-a", "team-b");
        await bed.DrainAsync();

        bed.Provider.Set("shared/db", "v2", ("user", "app"), ("password", "p2"));
        bed.Get<SyncEngine>().ScheduleFullSync(AuditTriggers.Poll);
        await bed.DrainAsync();

        Assert.Equal("p2", System.Text.Encoding.UTF8.GetString(bed.Store["team-b", "db"]!.Data!["password"]));
        Assert.Equal(2, bed.Rotations.Seen.Count);
        Assert.All(bed.Rotations.Seen, r => Assert.Equal(["password"], r.ChangedKeys));
        Assert.Equal(2, (await bed.EventsAsync()).Count(e => e is { Action: AuditActions.Updated, SourceVersion: "v2", PreviousVersion: "v1" }));
    }

    [Fact]
    public async Task UnmanagedSecretOfTheSameName_IsLeftUntouched_AndReportedAsAConflict()
    {
        await using var bed = new EngineBed(Yaml);
        var tenants = bed.Store.Put(new Kubernetes.Models.Secret
        {
            Metadata = new Kubernetes.Models.ObjectMeta { Name = "db", Namespace = "team-a" },
            Data = new Dictionary<string, byte[]> { ["password"] = "tenant's own"u8.ToArray() },
        });
        bed.Get<ClusterState>().Observe(tenants);
        Seed(bed);
        await bed.StartAsync(EngineBed.Namespace("team-a", "platform"));

        await bed.DrainAsync();

        Assert.Equal("tenant's own", System.Text.Encoding.UTF8.GetString(bed.Store["team-a", "db"]!.Data!["password"]));
        Assert.Contains(await bed.EventsAsync(), e => e is { Action: AuditActions.Conflict, Secret: "db" });
        Assert.Equal(0, bed.Get<SyncHealth>().Failing);
    }

    [Fact]
    public async Task SourcesDeletedAtTheAuthority_BeyondTheBrake_AreHeld_UntilAnOperatorApproves()
    {
        await using var bed = await StartedAsync("team-a", "team-b", "team-c");
        await bed.DrainAsync();

        bed.Provider.Delete("shared/db");
        bed.Provider.Delete("shared/api");
        bed.Get<SyncEngine>().ScheduleFullSync(AuditTriggers.Poll);
        await bed.DrainAsync();

        var verdict = bed.Get<SyncHealth>().Deletions!;
        Assert.True(verdict.Holds);
        Assert.Equal(6, verdict.Held.Count);
        Assert.NotNull(bed.Store["team-a", "db"]);
        Assert.Equal(6, (await bed.EventsAsync()).Count(e => e.Action == AuditActions.RevocationPaused));

        bed.Approvals.Approved = verdict.HoldId;
        bed.Work.Enqueue(WorkKey.Prune, AuditTriggers.Manual);
        await bed.DrainAsync();

        Assert.Null(bed.Store["team-a", "db"]);
        Assert.False(bed.Get<SyncHealth>().BrakeHolds);
        Assert.Equal(6, (await bed.EventsAsync()).Count(e => e is { Action: AuditActions.Revoked, Outcome: AuditOutcomes.Success }));
    }

    [Fact]
    public async Task NamespaceThatStopsAsking_LosesItsCopies_WhileOthersKeepTheirs()
    {
        await using var bed = await StartedAsync("team-a", "team-b", "team-c", "team-d", "team-e", "team-f", "team-g", "team-h", "team-i", "team-j", "team-k");
        await bed.DrainAsync();

        bed.Get<ClusterState>().UpsertNamespace(new Kubernetes.Models.Namespace { Metadata = new Kubernetes.Models.ObjectMeta { Name = "team-a" } });
        bed.Work.Enqueue(WorkKey.Desired, AuditTriggers.Namespace);
        await bed.DrainAsync();

        Assert.Null(bed.Store["team-a", "db"]);
        Assert.NotNull(bed.Store["team-b", "db"]);
        Assert.Contains(await bed.EventsAsync(), e => e is { Action: AuditActions.Pruned, Namespace: "team-a", Secret: "db" });
    }

    [Fact]
    public async Task SecretDeletedBehindTheDaemonsBack_IsRestored()
    {
        await using var bed = await StartedAsync("team-a");
        await bed.DrainAsync();
        var deleted = bed.Store["team-a", "db"]!;
        await bed.Store.DeleteAsync(new NamespacedName("team-a", "db"), null, CancellationToken.None);

        bed.Get<ClusterWatch>().OnSecretEvent(Deleted(deleted));
        await bed.DrainAsync();

        Assert.NotNull(bed.Store["team-a", "db"]);
        Assert.Contains(await bed.EventsAsync(), e => e is { Action: AuditActions.Restored, Secret: "db" });
    }

    [Fact]
    public async Task WatchEventsOnAStandby_QueueNothing_AndTheNextTermStillRestores()
    {
        await using var bed = await StartedAsync("team-a");
        await bed.DrainAsync();
        var deleted = bed.Store["team-a", "db"]!;
        await bed.Store.DeleteAsync(new NamespacedName("team-a", "db"), null, CancellationToken.None);
        var standby = new CurrentTerm();
        var watch = new ClusterWatch(bed.Get<ClusterState>(), bed.Get<DesiredPlans>(), bed.Get<SourceBook>(), bed.Get<TargetBook>(), standby);

        watch.OnSecretEvent(Deleted(deleted));

        Assert.Equal(0, standby.QueueDepth);
        Assert.Empty(bed.Work.Pending);

        bed.Get<SyncEngine>().ScheduleFullSync(AuditTriggers.Startup);
        await bed.DrainAsync();
        Assert.NotNull(bed.Store["team-a", "db"]);
    }

    [Fact]
    public async Task ASync_IsTracedAsReadRenderAndWrite_WithoutAnyValue()
    {
        var spans = new System.Collections.Concurrent.ConcurrentQueue<System.Diagnostics.Activity>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = s => s.Name == SyncTracing.SourceName,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        await using var bed = await StartedAsync("team-traced");

        await bed.DrainAsync();

        var mine = spans.Where(a => a.Tags.Any(t => t.Value == "team-traced") || a.Tags.Any(t => t.Value is "shared/db" or "shared/api")).ToList();
        Assert.Contains(mine, a => a.OperationName == "secretsync.provider.read");
        Assert.Contains(mine, a => a.OperationName == "secretsync.render");
        Assert.Contains(mine, a => a.OperationName == "secretsync.kubernetes.write");
        Assert.DoesNotContain(mine.SelectMany(a => a.Tags), t => t.Value is "p1" or "t1");
    }

    private static async Task<EngineBed> StartedAsync(params string[] namespaces)
    {
        var bed = new EngineBed(Yaml);
        Seed(bed);
        await bed.StartAsync([.. namespaces.Select(n => EngineBed.Namespace(n, "platform"))]);
        return bed;
    }

    private static void Seed(EngineBed bed)
    {
        bed.Provider.Set("shared/db", "v1", ("user", "app"), ("password", "p1"));
        bed.Provider.Set("shared/api", "v1", ("token", "t1"));
    }

    private static Kubernetes.Watch.ReflectorEvent<Kubernetes.Models.Secret> Deleted(Kubernetes.Models.Secret secret) =>
        Kubernetes.Watch.ReflectorEvent<Kubernetes.Models.Secret>.Change(new(Kubernetes.Models.WatchEventType.Deleted, secret));
}
