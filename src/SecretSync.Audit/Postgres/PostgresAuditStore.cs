using System.Runtime.CompilerServices;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using SecretSync.Audit.Query;
using SecretSync.Core.Audit;

namespace SecretSync.Audit.Postgres;

/// <summary>One target's newest applied state of a source, as the fleet store last heard it.</summary>
/// <param name="Cluster">The cluster the target lives in.</param>
/// <param name="Namespace">The target namespace.</param>
/// <param name="Secret">The target Secret name.</param>
/// <param name="Action">The newest of <c>created</c>, <c>updated</c>, <c>restored</c>, <c>revoked</c> or <c>pruned</c> for this target.</param>
/// <param name="Version">The source version that action wrote (null for a revocation or prune).</param>
/// <param name="Time">When the action happened.</param>
public sealed record AppliedVersion(string Cluster, string Namespace, string Secret, string Action, string? Version, DateTimeOffset Time)
{
    /// <summary>True when the target still holds the source: its newest action wrote it rather than deleting it.</summary>
    public bool Holds => Action is AuditActions.Created or AuditActions.Updated or AuditActions.Restored;

    /// <summary>The error of the newest failed attempt on this target since that action, if any: why it is behind.</summary>
    public string? LastError { get; init; }
}

/// <summary>Reads the PostgreSQL fleet store that every cluster's <see cref="PostgresSink"/> writes to.</summary>
/// <remarks>
/// Backs <c>secretsync audit --database CONN</c> (filters run in SQL, oldest first) and
/// <c>secretsync rotate --wait</c> (<see cref="AppliedVersionsAsync"/>). A database no sink has written to yet
/// reads as empty. Messages and exceptions name the database only through its redacted connection string.
/// </remarks>
public sealed class PostgresAuditStore : IAuditQuery, IAsyncDisposable
{
    private static readonly string[] AppliedActions =
        [AuditActions.Created, AuditActions.Updated, AuditActions.Restored, AuditActions.Revoked, AuditActions.Pruned];

    private readonly NpgsqlDataSource _dataSource;

    /// <summary>Creates a store reading from the database named by <paramref name="connectionString"/>.</summary>
    /// <param name="connectionString">An Npgsql connection string; it may hold a password and is never printed unredacted.</param>
    /// <exception cref="ArgumentException">The connection string cannot be parsed (the message does not repeat it).</exception>
    public PostgresAuditStore(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        try
        {
            _dataSource = NpgsqlDataSource.Create(connectionString);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"The PostgreSQL connection string is not valid: {ex.Message.Split('(')[0].Trim()}", nameof(connectionString));
        }

        Target = PostgresSchema.Redact(connectionString);
    }

    /// <summary>The connection string with its password replaced, for messages.</summary>
    public string Target { get; }

    /// <inheritdoc />
    /// <exception cref="NpgsqlException">The database is unreachable or refused the query.</exception>
    public async IAsyncEnumerable<AuditEvent> QueryAsync(AuditFilter filter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = BuildQuery(filter, connection);
        await using var reader = await ReadOrNullAsync(command, cancellationToken).ConfigureAwait(false);
        if (reader is null)
        {
            yield break;
        }

        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return ReadEvent(reader);
        }
    }

    /// <summary>Every target of one source and the newest version each has applied, as the fleet reported it.</summary>
    /// <param name="provider">The provider name from the configuration, e.g. <c>vault-main</c>.</param>
    /// <param name="source">The source path, e.g. <c>payments/db</c>.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>One entry per (cluster, namespace, Secret) that ever held the source, ordered by cluster, namespace and Secret.</returns>
    /// <remarks>Only successful actions count: a revocation held back by the brake leaves the Secret in place.</remarks>
    /// <exception cref="NpgsqlException">The database is unreachable or refused the query.</exception>
    public async Task<IReadOnlyList<AppliedVersion>> AppliedVersionsAsync(string provider, string source, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(provider);
        ArgumentException.ThrowIfNullOrEmpty(source);
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            """
            SELECT a.cluster, a.namespace, a.secret, a.action, a.source_version, a.time, f.error
            FROM (
              SELECT DISTINCT ON (cluster, namespace, secret) cluster, namespace, secret, action, source_version, time
              FROM audit_events
              WHERE source = @source AND provider = @provider AND action = ANY(@actions) AND outcome = 'success'
                AND namespace IS NOT NULL AND secret IS NOT NULL
              ORDER BY cluster, namespace, secret, time DESC, row_id DESC
            ) a
            LEFT JOIN LATERAL (
              SELECT coalesce(e.error, e.detail) AS error
              FROM audit_events e
              WHERE e.cluster = a.cluster AND e.namespace = a.namespace AND e.secret = a.secret
                AND e.source = @source AND e.provider = @provider AND e.outcome <> 'success' AND e.time >= a.time
              ORDER BY e.time DESC, e.row_id DESC
              LIMIT 1
            ) f ON true
            ORDER BY a.cluster, a.namespace, a.secret
            """, connection);
        command.Parameters.AddWithValue("source", source);
        command.Parameters.AddWithValue("provider", provider);
        command.Parameters.Add(new NpgsqlParameter<string[]>("actions", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = AppliedActions });
        await using var reader = await ReadOrNullAsync(command, cancellationToken).ConfigureAwait(false);
        var applied = new List<AppliedVersion>();
        while (reader is not null && await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            applied.Add(new AppliedVersion(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.GetFieldValue<DateTimeOffset>(5))
            {
                LastError = reader.IsDBNull(6) ? null : reader.GetString(6),
            });
        }

        return applied;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    /// <inheritdoc />
    public override string ToString() => $"PostgresAuditStore({Target})";

    internal static AuditEvent ReadEvent(NpgsqlDataReader reader) => new()
    {
        Id = reader.GetString(0),
        Sequence = reader.GetInt64(1),
        Time = reader.GetFieldValue<DateTimeOffset>(2),
        Cluster = reader.GetString(3),
        Instance = reader.GetString(4),
        Action = reader.GetString(5),
        Outcome = reader.GetString(6),
        Trigger = Text(reader, 7),
        Namespace = Text(reader, 8),
        Secret = Text(reader, 9),
        Bundle = Text(reader, 10),
        Provider = Text(reader, 11),
        Source = Text(reader, 12),
        SourceVersion = Text(reader, 13),
        PreviousVersion = Text(reader, 14),
        ContentHmac = Text(reader, 15),
        Error = Text(reader, 16),
        Detail = Text(reader, 17),
        LatencyMs = reader.IsDBNull(18) ? null : reader.GetDouble(18),
    };

    private static string? Text(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    /// <summary>The filter as one parameterised statement; semantics match <see cref="AuditFilter.Matches"/>.</summary>
    private static NpgsqlCommand BuildQuery(AuditFilter filter, NpgsqlConnection connection)
    {
        var command = new NpgsqlCommand { Connection = connection };
        var where = new List<string>();

        void Add(string condition, string name, object value)
        {
            where.Add(condition);
            command.Parameters.AddWithValue(name, value);
        }

        if (filter.Since is { } since)
        {
            Add("time >= @since", "since", since.ToUniversalTime());
        }

        if (filter.Until is { } until)
        {
            Add("time < @until", "until", until.ToUniversalTime());
        }

        if (filter.Cluster is { } cluster)
        {
            Add("cluster = @cluster", "cluster", cluster);
        }

        if (filter.Namespace is { } ns)
        {
            Add("namespace = @namespace", "namespace", ns);
        }

        if (filter.Action is { } action)
        {
            Add("action = @action", "action", action);
        }

        if (filter.Outcome is { } outcome)
        {
            Add("outcome = @outcome", "outcome", outcome);
        }

        if (filter.Secret is { } secret)
        {
            var slash = secret.IndexOf('/', StringComparison.Ordinal);
            if (slash >= 0)
            {
                // Matches compares "namespace/name" as text; a missing namespace prints as empty there too.
                Add("coalesce(namespace, '') = @secret_namespace", "secret_namespace", secret[..slash]);
                Add("coalesce(secret, '') = @secret_name", "secret_name", secret[(slash + 1)..]);
            }
            else
            {
                Add("secret = @secret_name", "secret_name", secret);
            }
        }

        if (filter.Source is { } source)
        {
            var colon = source.IndexOf(':', StringComparison.Ordinal);
            if (colon >= 0)
            {
                Add("coalesce(provider, '') = @source_provider", "source_provider", source[..colon]);
                Add("coalesce(source, '') = @source_path", "source_path", source[(colon + 1)..]);
            }
            else
            {
                Add("source = @source_path", "source_path", source);
            }
        }

        var sql = new StringBuilder($"SELECT {PostgresSchema.Columns} FROM audit_events");
        if (where.Count > 0)
        {
            sql.Append(" WHERE ").AppendJoin(" AND ", where);
        }

        sql.Append(" ORDER BY time, row_id");
        command.CommandText = sql.ToString();
        return command;
    }

    /// <summary>Runs a query, reading a database no sink has created the table in yet as empty.</summary>
    private static async Task<NpgsqlDataReader?> ReadOrNullAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        try
        {
            return await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return null;
        }
    }
}
