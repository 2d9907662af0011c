using Npgsql;
using SecretSync.Core.Audit;
using SecretSync.Testing;

namespace SecretSync.Integration.Tests.Fleet;

/// <summary>Stops and restarts its own PostgreSQL server, so it has a fixture of its own.</summary>
public sealed class FleetStoreOutageTests(PostgresFixture database) : IClassFixture<PostgresFixture>
{
    [PeerFact("postgres")]
    public async Task ADatabaseOutageWhileSyncing_LosesAndDuplicatesNothing()
    {
        await using var fleet = await Fleet.StartAsync(database.Server);
        fleet.Vault.WriteSecret("secret", "payments/db", new Dictionary<string, object?> { ["user"] = "app", ["password"] = "pw-outage-1" });
        await fleet.AddClusterAsync("eu", "payments", "billing");
        await fleet.AddClusterAsync("us", "payments", "checkout");
        await fleet.StartDaemonsAsync();
        await fleet.WaitForStoreAsync("1", 4);

        await database.Server.StopAsync();
        fleet.Vault.WriteSecret("secret", "payments/db", new Dictionary<string, object?> { ["user"] = "app", ["password"] = "pw-outage-2" });
        foreach (var member in fleet.Members)
        {
            await member.Daemon!.WaitForAuditCountAsync(e => e.Action == AuditActions.Updated && e.SourceVersion == "2", 2, $"{member.Name} updated during the outage");
        }

        await database.Server.StartAgainAsync();
        await fleet.WaitForStoreAsync("2", 4);

        foreach (var member in fleet.Members)
        {
            var printed = member.Daemon!.Audit.Select(e => e.Id).ToList();
            List<string> stored = [];
            await Eventually.TrueAsync(async () => (stored = await StoredIdsAsync(fleet.Database, member.Name)).Count >= printed.Count,
                $"{member.Name}'s {printed.Count} events in the store", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200));
            Assert.Equal(printed, stored);
        }
    }

    private static async Task<List<string>> StoredIdsAsync(string connectionString, string cluster)
    {
        await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT id FROM audit_events WHERE cluster = @cluster ORDER BY row_id", connection);
        command.Parameters.AddWithValue("cluster", cluster);
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<string>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }
}
