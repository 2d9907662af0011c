using Microsoft.Extensions.Logging;
using SecretSync.Audit;
using SecretSync.Audit.Events;
using SecretSync.Audit.FileChain;
using SecretSync.Audit.Postgres;
using SecretSync.Core.Audit;
using SecretSync.Core.Configuration;
using SecretSync.Kubernetes.Client;

namespace SecretSync.Daemon.Hosting;

/// <summary>The audit sinks <c>audit.sinks</c> selects, attached to the trail at start and re-composed on each reload.</summary>
/// <remarks>
/// A reload adds the sinks newly listed, removes (after flushing) the ones no longer listed, and replaces a sink whose own
/// settings changed. The install key is loaded once, at start: a changed <c>audit.hmacKey</c> is reported as needing a restart.
/// </remarks>
internal sealed class AuditSinks(KubernetesClient kube, DaemonOptions options, TimeProvider time, ILoggerFactory loggers)
{
    private readonly ILogger _logger = loggers.CreateLogger<AuditSinks>();
    private readonly Dictionary<AuditSinkKind, object> _applied = [];
    private HmacKeySource? _hmacKey;
    private ChainKey? _key;

    /// <summary>Attaches the configured sinks, the file chain keyed under <paramref name="installKey"/>.</summary>
    /// <exception cref="IOException">A sink cannot open its folder (e.g. another writer holds the chain).</exception>
    public void Start(AuditTrail trail, SyncConfig config, byte[] installKey)
    {
        _key = ChainKey.Derive(installKey);
        _hmacKey = config.Audit.HmacKey;
        foreach (var kind in config.Audit.Sinks.Distinct())
        {
            trail.Add(Name(kind), Create(kind, config));
            _applied[kind] = Settings(kind, config.Audit);
        }
    }

    /// <summary>Brings the attached sinks in line with <paramref name="config"/>.</summary>
    /// <returns>What changed and what needs a restart, one phrase each, for the log and the <c>config-loaded</c> event.</returns>
    public async Task<IReadOnlyList<string>> ApplyAsync(AuditTrail trail, SyncConfig config)
    {
        var notes = new List<string>();
        var wanted = config.Audit.Sinks.Distinct().ToList();
        foreach (var kind in _applied.Keys.Where(k => !wanted.Contains(k)).ToList())
        {
            await trail.RemoveAsync(Name(kind));
            _applied.Remove(kind);
            notes.Add($"audit sink {Name(kind)} removed");
        }

        // The file chain first: the PostgreSQL sink may recover from it.
        foreach (var kind in wanted.OrderBy(k => k == AuditSinkKind.Postgres))
        {
            var settings = Settings(kind, config.Audit);
            var had = _applied.TryGetValue(kind, out var before);
            if (had && Equals(before, settings))
            {
                continue;
            }

            if (had)
            {
                await trail.RemoveAsync(Name(kind));
                _applied.Remove(kind);
            }

            try
            {
                trail.Add(Name(kind), Create(kind, config));
                _applied[kind] = settings;
                notes.Add($"audit sink {Name(kind)} {(had ? "restarted with its new settings" : "added")}");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or InvalidDataException)
            {
                _logger.LogError("Audit sink {Sink} could not start after the reload: {Error}", Name(kind), ex.Message);
                notes.Add($"audit sink {Name(kind)} could not start ({ex.Message})");
            }
        }

        if (!Equals(_hmacKey, config.Audit.HmacKey))
        {
            notes.Add("audit.hmacKey changed: the install key is loaded at start only, so it takes effect at the next restart (every managed Secret is then rewritten once)");
        }

        foreach (var note in notes)
        {
            _logger.LogInformation("Reload: {Change}.", note);
        }

        return notes;
    }

    private static string Name(AuditSinkKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>What a sink is built from: a change to it replaces the sink.</summary>
    private static object Settings(AuditSinkKind kind, AuditSettings audit) => kind switch
    {
        AuditSinkKind.File => audit.File!,
        AuditSinkKind.Postgres => (audit.Postgres!, audit.Sinks.Contains(AuditSinkKind.File) ? audit.File!.Path : null),
        _ => kind,
    };

    private IAuditSink Create(AuditSinkKind kind, SyncConfig config)
    {
        var audit = config.Audit;
        return kind switch
        {
            AuditSinkKind.Stdout => new StdoutSink(),
            AuditSinkKind.Events => new KubernetesEventSink(kube, time),
            AuditSinkKind.File => new ChainedFileSink(ChainedFileSinkOptions.From(audit.File!, _key!), time, loggers.CreateLogger<ChainedFileSink>()),
            AuditSinkKind.Postgres => new PostgresSink(
                new PostgresSinkOptions
                {
                    ConnectionString = audit.Postgres!.ConnectionString,
                    BufferFolder = audit.Postgres.BufferDir ?? PostgresSinkOptions.DefaultBufferFolder(config.Cluster, options.Instance),
                    RecoverFromChain = audit.Sinks.Contains(AuditSinkKind.File) ? audit.File!.Path : null,
                    Instance = options.Instance,
                },
                time,
                loggers.CreateLogger<PostgresSink>()),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown audit sink"),
        };
    }
}
