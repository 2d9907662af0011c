using SecretSync.Audit.Postgres;
using SecretSync.Audit.Query;
using SecretSync.Core.Audit;
using SecretSync.Testing;

namespace SecretSync.Audit.Tests.Postgres;

public sealed class PostgresAuditStoreTests(PostgresFixture fixture) : IClassFixture<PostgresFixture>
{
    private static readonly DateTimeOffset T0 = new(2026, 2, 1, 0, 0, 0, TimeSpan.Zero);

    public static TheoryData<string> Filters => new()
    {
        "all", "since", "until", "window", "cluster", "namespace", "secret-name", "secret-qualified", "source-path",
        "source-qualified", "action", "outcome", "combined", "nothing",
    };

    [PostgresTheory]
    [MemberData(nameof(Filters))]
    public async Task EachFilter_ReturnsWhatAuditFilterMatches_OldestFirst(string name)
    {
        var (store, events) = await SeededAsync();
        await using var _ = store;
        var filter = FilterNamed(name);

        var found = await PostgresSinkTests.ReadAllAsync(store, filter);

        var expected = events.Where(filter.Matches).OrderBy(e => e.Time).Select(e => e.Id).ToList();
        Assert.Equal(expected, found.Select(e => e.Id));
        Assert.True(name is "nothing" || expected.Count > 0, $"filter {name} should match something in the seed");
    }

    [PeerFact("postgres")]
    public async Task AppliedVersions_GiveEachTargetsNewestSuccessfulAction_ForOneSourceOnly()
    {
        var database = await fixture.Server.CreateDatabaseAsync("applied");
        var t = T0;
        AuditEvent At(string action, string cluster, string ns, string? version, string outcome = AuditOutcomes.Success, string source = "payments/db", string provider = "vault-main")
        {
            t = t.AddSeconds(1);
            return PgSome.Event(action, cluster, ns, "db-credentials", provider, source, version, t, outcome);
        }

        await SeedAsync(database,
        [
            At(AuditActions.Created, "eu", "payments", "1"),
            At(AuditActions.Created, "us", "payments", "1"),
            At(AuditActions.Created, "us", "billing", "1"),
            At(AuditActions.Updated, "eu", "payments", "2"),
            At(AuditActions.Failed, "us", "payments", "2", AuditOutcomes.Failure),
            At(AuditActions.Pruned, "us", "billing", null),
            At(AuditActions.Revoked, "eu", "payments", null, AuditOutcomes.Skipped),
            At(AuditActions.Updated, "eu", "payments", "9", source: "other/db"),
            At(AuditActions.Updated, "eu", "payments", "9", provider: "vault-dr"),
        ]);
        await using var store = new PostgresAuditStore(database);

        var applied = await store.AppliedVersionsAsync("vault-main", "payments/db", default);

        Assert.Equal(
            [("eu", "payments", "updated", "2", true), ("us", "billing", "pruned", (string?)null, false), ("us", "payments", "created", "1", true)],
            applied.Select(a => (a.Cluster, a.Namespace, a.Action, a.Version, a.Holds)));
    }

    [PeerFact("postgres")]
    public async Task ADatabaseNoSinkHasWrittenTo_ReadsAsEmpty()
    {
        await using var store = new PostgresAuditStore(await fixture.Server.CreateDatabaseAsync("empty"));

        Assert.Empty(await PostgresSinkTests.ReadAllAsync(store));
        Assert.Empty(await store.AppliedVersionsAsync("vault-main", "payments/db", default));
    }

    private async Task<(PostgresAuditStore Store, List<AuditEvent> Events)> SeededAsync()
    {
        var database = await fixture.Server.CreateDatabaseAsync("filters");
        var events = new List<AuditEvent>();
        string[] clusters = ["eu", "us"];
        string[] namespaces = ["payments", "billing", "web"];
        string[] actions = [AuditActions.Created, AuditActions.Updated, AuditActions.Failed, AuditActions.Pruned];
        for (var i = 0; i < 48; i++)
        {
            // Inserted out of time order, so "oldest first" is the query's doing.
            var time = T0.AddMinutes((i * 17) % 48);
            events.Add(PgSome.Event(
                actions[i % actions.Length], clusters[i % 2], namespaces[i % 3], i % 4 == 0 ? "api-key" : "db-credentials",
                i % 5 == 0 ? "vault-dr" : "vault-main", i % 3 == 0 ? "web/api" : "payments/db", (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
                time, i % 6 == 0 ? AuditOutcomes.Failure : AuditOutcomes.Success));
        }

        await SeedAsync(database, events);
        return (new PostgresAuditStore(database), events);
    }

    private static async Task SeedAsync(string database, IReadOnlyList<AuditEvent> events)
    {
        await using var sink = new PostgresSink(PostgresSinkTests.Options(database), TimeProvider.System);
        foreach (var auditEvent in events)
        {
            await sink.WriteAsync(auditEvent, default);
        }

        await PostgresSinkTests.FlushAsync(sink);
    }

    private static AuditFilter FilterNamed(string name) => name switch
    {
        "all" => new AuditFilter(),
        "since" => new AuditFilter { Since = T0.AddMinutes(30) },
        "until" => new AuditFilter { Until = T0.AddMinutes(10) },
        "window" => new AuditFilter { Since = T0.AddMinutes(5), Until = T0.AddMinutes(20) },
        "cluster" => new AuditFilter { Cluster = "us" },
        "namespace" => new AuditFilter { Namespace = "billing" },
        "secret-name" => new AuditFilter { Secret = "api-key" },
        "secret-qualified" => new AuditFilter { Secret = "web/db-credentials" },
        "source-path" => new AuditFilter { Source = "web/api" },
        "source-qualified" => new AuditFilter { Source = "vault-dr:payments/db" },
        "action" => new AuditFilter { Action = AuditActions.Pruned },
        "outcome" => new AuditFilter { Outcome = AuditOutcomes.Failure },
        "combined" => new AuditFilter { Cluster = "eu", Source = "vault-main:payments/db", Since = T0.AddMinutes(10) },
        "nothing" => new AuditFilter { Cluster = "eu", Namespace = "nowhere" },
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };
}
