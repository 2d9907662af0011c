using Npgsql;
using SecretSync.Audit.Postgres;
using SecretSync.Testing;

namespace SecretSync.Audit.Tests.Postgres;

/// <summary>The fleet store's roles: the schema belongs to a migration role; each cluster writes through a role that can only add its own rows.</summary>
public sealed class PostgresWriterRoleTests(PostgresFixture fixture) : IClassFixture<PostgresFixture>
{
    [PeerFact("postgres")]
    public async Task AClustersWriterRole_InsertsItsOwnRows_AndCannotUpdateDeleteOrWriteAnotherClusters()
    {
        var admin = await fixture.Server.CreateDatabaseAsync("roles");
        var suffix = $"{Environment.ProcessId}_{Guid.NewGuid():N}"[..20];
        string migrator = $"ss_migrate_{suffix}", writer = $"ss_prod_eu_{suffix}";
        await ExecuteAsync(admin, $"CREATE ROLE {migrator} LOGIN; CREATE ROLE {writer} LOGIN; GRANT CREATE ON SCHEMA public TO {migrator}");
        var asMigrator = As(admin, migrator);
        var asWriter = As(admin, writer);
        await using (var source = NpgsqlDataSource.Create(asMigrator))
        {
            await PostgresSchema.EnsureAsync(source, CancellationToken.None);
        }

        await ExecuteAsync(asMigrator, $"SELECT {PostgresSchema.GrantWriterFunction}('{writer}', 'prod-eu')");
        var theirs = PgSome.Event(cluster: "prod-us");
        await using (var other = new PostgresSink(PostgresSinkTests.Options(asMigrator), TimeProvider.System))
        {
            await other.WriteAsync(theirs, default);
            await PostgresSinkTests.FlushAsync(other);
        }

        // The daemon's own sink, through the writer role: no DDL needed, its rows stored.
        var ours = PgSome.Event(cluster: "prod-eu");
        await using (var sink = new PostgresSink(PostgresSinkTests.Options(asWriter), TimeProvider.System))
        {
            await sink.WriteAsync(ours, default);
            await PostgresSinkTests.FlushAsync(sink);
        }

        Assert.Contains(ours.Id, await PgSome.StoredIdsAsync(admin));
        var forged = await Assert.ThrowsAsync<PostgresException>(() =>
            ExecuteAsync(asWriter, $"INSERT INTO audit_events (id, sequence, time, cluster, instance, action, outcome) VALUES ('forged', 1, now(), 'prod-us', 'x', 'revoked', 'success')"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, forged.SqlState);
        foreach (var sql in new[] { $"UPDATE audit_events SET detail = 'rewritten' WHERE id = '{ours.Id}'", $"DELETE FROM audit_events WHERE id = '{ours.Id}'", "TRUNCATE audit_events", "DROP TABLE audit_events" })
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(asWriter, sql));
            Assert.True(refused.SqlState is PostgresErrorCodes.InsufficientPrivilege, $"{sql}: {refused.SqlState} {refused.MessageText}");
        }

        Assert.Equal(0L, await PgSome.ScalarAsync<long>(asWriter, "SELECT count(*) FROM audit_events WHERE cluster = 'prod-us'"));
        Assert.Equal(1L, await PgSome.ScalarAsync<long>(asWriter, "SELECT count(*) FROM audit_events"));
        Assert.Equal(2L, await PgSome.ScalarAsync<long>(admin, "SELECT count(*) FROM audit_events"));
        Assert.Equal(1L, await PgSome.ScalarAsync<long>(admin, $"SELECT count(*) FROM audit_events WHERE id = '{theirs.Id}' AND detail = 'content changed'"));

        // Retention is the migration role's: a writer cannot prune, and pruning removes only what is older than asked.
        var prune = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(asWriter, $"SELECT {PostgresSchema.PruneFunction}('1 day')"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, prune.SqlState);
        Assert.Equal(0L, await PgSome.ScalarAsync<long>(asMigrator, $"SELECT {PostgresSchema.PruneFunction}('100 years')"));
        Assert.Equal(2L, await PgSome.ScalarAsync<long>(asMigrator, $"SELECT {PostgresSchema.PruneFunction}('1 day')"));
    }

    private static string As(string connectionString, string role) => new NpgsqlConnectionStringBuilder(connectionString) { Username = role }.ToString();

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
