using Npgsql;
using SecretSync.Core.Audit;
using SecretSync.Testing;

namespace SecretSync.Audit.Tests.Postgres;

/// <summary>Audit events and direct reads of the table, for the PostgreSQL tests.</summary>
internal static class PgSome
{
    private static long _sequence;

    public static AuditEvent Event(
        string action = AuditActions.Updated,
        string cluster = "prod-eu",
        string ns = "payments",
        string secret = "db-credentials",
        string provider = "vault-main",
        string source = "payments/db",
        string? version = "4",
        DateTimeOffset? time = null,
        string outcome = AuditOutcomes.Success) => new()
        {
            Id = Guid.NewGuid().ToString(),
            Sequence = Interlocked.Increment(ref _sequence),
            Time = time ?? new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero).AddMilliseconds(Interlocked.Read(ref _sequence)),
            Cluster = cluster,
            Instance = "secretsync-0",
            Action = action,
            Outcome = outcome,
            Trigger = AuditTriggers.Poll,
            Namespace = ns,
            Secret = secret,
            Bundle = "payments-db",
            Provider = provider,
            Source = source,
            SourceVersion = version,
            PreviousVersion = "3",
            ContentHmac = "hmac-sha256:0f1e2d",
            Detail = "content changed",
            LatencyMs = 1.25,
        };

    public static IReadOnlyList<AuditEvent> Events(int count, string cluster = "prod-eu") =>
        [.. Enumerable.Range(0, count).Select(i => Event(cluster: cluster, ns: $"ns-{i % 7}", version: (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)))];

    /// <summary>Event ids in the table in arrival order.</summary>
    public static async Task<List<string>> StoredIdsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT id FROM audit_events ORDER BY row_id", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<string>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    public static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>A fresh folder under one per-process root that is deleted when the test process exits.</summary>
    public static string TempFolder() => Directory.CreateDirectory(Path.Combine(TempRoot.Value, Guid.NewGuid().ToString("N"))).FullName;

    private static readonly Lazy<string> TempRoot = new(() =>
    {
        var root = Directory.CreateTempSubdirectory("secretsync-pgbuf-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
            }
        };
        return root;
    });

    /// <summary>A connection string nothing listens on.</summary>
    public static string DeadConnectionString()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        return $"Host=127.0.0.1;Port={port};Username=postgres;Database=postgres;Timeout=2";
    }
}

/// <summary>A theory that needs the PostgreSQL peer; skipped as <see cref="PeerFactAttribute"/> skips.</summary>
public sealed class PostgresTheoryAttribute : TheoryAttribute
{
    public PostgresTheoryAttribute()
    {
        if (PeerRequirements.WhyMissing("postgres") is { } missing && !Peers.Required)
        {
            Skip = $"{missing} (set SECRETSYNC_REQUIRE_PEERS=1 or run `bash .ci/run` to install it)";
        }
    }
}
