using Npgsql;

namespace SecretSync.Audit.Postgres;

/// <summary>The fleet store's tables, and the migrations that create them, applied once per database.</summary>
/// <remarks>
/// Many daemons (one per cluster) start against the same database at once, so migrations run in one
/// transaction under a transaction-scoped advisory lock; whoever gets the lock second finds the work done.
/// Each applied migration leaves a row in <c>schema_version</c>; migrations are append-only. A connection whose schema is
/// current runs no DDL at all, so each cluster's daemon can write through a role that may only insert its own rows
/// (<see cref="GrantWriterFunction"/>), while the schema belongs to a separate migration role.
/// </remarks>
internal static class PostgresSchema
{
    /// <summary>The newest schema version this build knows.</summary>
    public const int CurrentVersion = 2;

    /// <summary>The function (migration 2) a migration role calls to let a login role write one cluster's events: <c>SELECT secretsync_grant_writer('role', 'cluster')</c>.</summary>
    public const string GrantWriterFunction = "secretsync_grant_writer";

    /// <summary>The retention function (migration 2) the migration role runs on a schedule: <c>SELECT secretsync_prune('90 days')</c> deletes older events and returns how many.</summary>
    public const string PruneFunction = "secretsync_prune";

    /// <summary>Arbitrary key of the advisory lock serialising migrations across daemons.</summary>
    private const long MigrationLockKey = 0x5EC2_E75C_0A0D_17;

    /// <summary>The event columns in <see cref="Core.Audit.AuditEvent"/> order; their names are the snake_case JSON names.</summary>
    public const string Columns =
        "id, sequence, time, cluster, instance, action, outcome, trigger, namespace, secret, bundle, provider, " +
        "source, source_version, previous_version, content_hmac, error, detail, latency_ms";

    private static readonly string[] Migrations =
    [
        // 1: the event table. row_id records arrival order, which is each daemon's order: a daemon's sink
        // inserts its events (and later its buffered ones) strictly in sequence.
        """
        CREATE TABLE audit_events (
            id               text PRIMARY KEY,
            row_id           bigint GENERATED ALWAYS AS IDENTITY,
            sequence         bigint NOT NULL,
            time             timestamptz NOT NULL,
            cluster          text NOT NULL,
            instance         text NOT NULL,
            action           text NOT NULL,
            outcome          text NOT NULL,
            trigger          text,
            namespace        text,
            secret           text,
            bundle           text,
            provider         text,
            source           text,
            source_version   text,
            previous_version text,
            content_hmac     text,
            error            text,
            detail           text,
            latency_ms       double precision
        );
        CREATE INDEX audit_events_time ON audit_events (time, row_id);
        CREATE INDEX audit_events_cluster ON audit_events (cluster, time);
        CREATE INDEX audit_events_namespace ON audit_events (namespace, time);
        CREATE INDEX audit_events_source ON audit_events (source, provider, time);
        CREATE INDEX audit_events_action ON audit_events (action, time);
        """,
        // 2: per-cluster writer roles. A role listed in audit_writers may insert rows of its own cluster only and read only
        // them back; it gets no UPDATE, DELETE or DDL. Other roles granted SELECT (readers, e.g. for `secretsync audit`)
        // see every cluster. The table owner (the migration role) is not subject to the policies.
        """
        CREATE TABLE audit_writers (
            role    name PRIMARY KEY,
            cluster text NOT NULL
        );
        ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY;
        CREATE POLICY audit_events_insert_own_cluster ON audit_events FOR INSERT
            WITH CHECK (cluster = (SELECT w.cluster FROM audit_writers w WHERE w.role = current_user));
        CREATE POLICY audit_events_select ON audit_events FOR SELECT
            USING (NOT EXISTS (SELECT 1 FROM audit_writers w WHERE w.role = current_user)
                   OR cluster = (SELECT w.cluster FROM audit_writers w WHERE w.role = current_user));
        CREATE FUNCTION secretsync_grant_writer(writer name, writer_cluster text) RETURNS void
        LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO audit_writers (role, cluster) VALUES (writer, writer_cluster)
                ON CONFLICT (role) DO UPDATE SET cluster = EXCLUDED.cluster;
            EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', current_schema(), writer);
            EXECUTE format('GRANT SELECT, INSERT ON audit_events TO %I', writer);
            EXECUTE format('GRANT SELECT ON audit_writers, schema_version TO %I', writer);
        END
        $$;
        REVOKE ALL ON FUNCTION secretsync_grant_writer(name, text) FROM PUBLIC;
        CREATE FUNCTION secretsync_prune(keep interval) RETURNS bigint
        LANGUAGE sql AS $$
            WITH gone AS (DELETE FROM audit_events WHERE time < now() - keep RETURNING 1) SELECT count(*) FROM gone
        $$;
        REVOKE ALL ON FUNCTION secretsync_prune(interval) FROM PUBLIC;
        """,
    ];

    /// <summary>Creates or upgrades the schema; a no-op when it is current.</summary>
    /// <exception cref="NpgsqlException">The database is unreachable or refused a statement.</exception>
    /// <exception cref="InvalidOperationException">The database was migrated by a newer build.</exception>
    public static async Task EnsureAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        // A writer role may not run DDL: when the schema is current, nothing but this read happens.
        await using (var exists = new NpgsqlCommand("SELECT to_regclass('schema_version') IS NOT NULL", connection))
        {
            if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true)
            {
                await using var current = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM schema_version", connection);
                if (Convert.ToInt32(await current.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) == CurrentVersion)
                {
                    return;
                }
            }
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({MigrationLockKey})", cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, transaction,
            "CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
            cancellationToken).ConfigureAwait(false);

        int applied;
        await using (var read = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM schema_version", connection, transaction))
        {
            applied = Convert.ToInt32(await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        }

        if (applied > CurrentVersion)
        {
            throw new InvalidOperationException(
                $"The audit database has schema version {applied}, newer than this build's {CurrentVersion}; upgrade secretsync.");
        }

        for (var version = applied + 1; version <= CurrentVersion; version++)
        {
            await ExecuteAsync(connection, transaction, Migrations[version - 1], cancellationToken).ConfigureAwait(false);
            await using var record = new NpgsqlCommand("INSERT INTO schema_version (version) VALUES (@version)", connection, transaction);
            record.Parameters.AddWithValue("version", version);
            await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The connection string with any password replaced, for logs and messages.</summary>
    public static string Redact(string connectionString)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString);
            if (!string.IsNullOrEmpty(builder.Password))
            {
                builder.Password = "***";
            }

            return builder.ToString();
        }
        catch (ArgumentException)
        {
            // An unparsable string may still hold a password somewhere; show nothing of it.
            return "(unparsable connection string)";
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
