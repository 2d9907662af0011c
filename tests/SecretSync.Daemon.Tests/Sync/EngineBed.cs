using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SecretSync.Audit;
using SecretSync.Core.Audit;
using SecretSync.Core.Configuration;
using SecretSync.Core.Model;
using SecretSync.Core.Providers;
using SecretSync.Core.Rendering;
using SecretSync.Daemon.Hosting;
using SecretSync.Daemon.Restarts;
using SecretSync.Daemon.Sync;
using SecretSync.Kubernetes.Client;
using SecretSync.Kubernetes.Config;
using SecretSync.Kubernetes.Errors;
using SecretSync.Kubernetes.Models;
using SecretSync.Testing;

namespace SecretSync.Daemon.Tests.Sync;

/// <summary>The sync engine's parts composed as the daemon composes them, over an in-memory Secret store, a scripted
/// provider and the manual clock; one leadership term's scope is open.</summary>
internal sealed class EngineBed : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly AsyncServiceScope _term;
    private readonly IDisposable _published;

    public EngineBed(string yaml)
    {
        Config = ConfigLoader.Parse(yaml, "config.yaml", new ProviderRegistry([Provider])) switch
        {
            ConfigResult.Valid valid => valid.Config,
            var invalid => throw new InvalidOperationException(invalid.ToString()),
        };
        var services = new ServiceCollection()
            .AddSingleton<TimeProvider>(Clock)
            .AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance)
            .AddSingleton(typeof(ILogger<>), typeof(Logger<>))
            .AddSingleton(new KubernetesClient(new KubernetesClientConfig { Server = new Uri("http://127.0.0.1:9") }))
            .AddSingleton(new ProviderRegistry([Provider]))
            .AddSingleton(new AuditTrail(new AuditIdentity("test", "bed"), [Audit], Clock, NullLogger<AuditTrail>.Instance))
            .AddSingleton(new DaemonRuntime())
            .AddSyncEngine(new ContentHasher(Encoding.UTF8.GetBytes("engine-bed-install-key-32-bytes!")), Approvals)
            .AddSingleton<ISecretStore>(Store)
            .AddScoped<IWorkSink>(_ => Work)
            .AddScoped<IRotationListener>(_ => Rotations);
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        _term = _services.CreateAsyncScope();
        _published = Get<CurrentTerm>().Begin(Work, restarter: null);
    }

    public SyncConfig Config { get; }

    public ManualTimeProvider Clock { get; } = new();

    public ScriptedProvider Provider { get; } = new();

    public InMemorySecretStore Store { get; } = new();

    public CollectingAudit Audit { get; } = new();

    public RecordedWork Work { get; } = new();

    public RecordedRotations Rotations { get; } = new();

    public FixedApprovals Approvals { get; } = new();

    public T Get<T>()
        where T : notnull => _term.ServiceProvider.GetRequiredService<T>();

    /// <summary>Installs the configuration and the namespaces, as a start-up with warm caches would.</summary>
    public async Task StartAsync(params NamespaceInfo[] namespaces)
    {
        foreach (var ns in namespaces)
        {
            Get<ClusterState>().UpsertNamespace(new Namespace { Metadata = new ObjectMeta { Name = ns.Name, Labels = ns.Labels.ToDictionary(), Annotations = ns.Annotations.ToDictionary() } });
        }

        await Get<ConfigApplier>().ApplyAsync(Config, AuditTriggers.Startup);
        Get<SyncEngine>().RefreshDesired(AuditTriggers.Startup);
    }

    /// <summary>Runs queued work until none is left (bounded), as the term's workers would.</summary>
    public async Task DrainAsync()
    {
        var engine = Get<SyncEngine>();
        for (var i = 0; i < 100 && Work.TryTake(out var item); i++)
        {
            await engine.HandleAsync(item.Key, item.Trigger, CancellationToken.None);
        }
    }

    public async Task<IReadOnlyList<AuditEvent>> EventsAsync()
    {
        await Get<AuditTrail>().FlushAsync(CancellationToken.None);
        return [.. Audit.Events];
    }

    public static NamespaceInfo Namespace(string name, string bundles) =>
        new(name, new Dictionary<string, string>(), new Dictionary<string, string> { [Annotations.Bundles] = bundles });

    public async ValueTask DisposeAsync()
    {
        _published.Dispose();
        await _term.DisposeAsync();
        await _services.DisposeAsync();
    }
}

/// <summary>A provider whose sources, versions and failures a test sets.</summary>
internal sealed class ScriptedProvider : ISecretProvider, ISecretSource
{
    private readonly ConcurrentDictionary<string, ReadResult> _reads = new(StringComparer.Ordinal);

    public string Type => "scripted";

    public ProviderCapabilities Capabilities => ProviderCapabilities.None;

    public int Reads;

    public void Set(string path, string version, params (string Key, string Value)[] values) =>
        _reads[path] = new ReadResult.Found(new SecretPayload(
            new SourceVersion(version, DateTimeOffset.UnixEpoch),
            values.ToDictionary(v => v.Key, v => Encoding.UTF8.GetBytes(v.Value), StringComparer.Ordinal)));

    public void Fail(string path) => _reads[path] = new ReadResult.Failed(new ProviderFailure(FailureKind.Unavailable, "authority down"));

    public void Delete(string path) => _reads[path] = new ReadResult.Absent(new Absence(AbsenceKind.NotFound, "no such secret"));

    public IReadOnlyList<SettingError> Validate(ProviderSettings settings) => [];

    public ISecretSource Connect(ProviderSettings settings) => this;

    public ValueTask<ReadResult> ReadAsync(string path, string? version, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Reads);
        return ValueTask.FromResult(_reads.GetValueOrDefault(path) ?? new ReadResult.Absent(new Absence(AbsenceKind.NotFound, "no such secret")));
    }

    public ValueTask<IReadOnlyDictionary<string, VersionResult>> CheckVersionsAsync(IReadOnlyCollection<string> paths, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyDictionary<string, VersionResult>>(paths.ToDictionary(p => p, p => (_reads.GetValueOrDefault(p)) switch
        {
            ReadResult.Found found => (VersionResult)new VersionResult.Current(found.Payload.Version),
            ReadResult.Failed failed => new VersionResult.Failed(failed.Failure),
            ReadResult.Absent absent => new VersionResult.Absent(absent.Absence),
            _ => new VersionResult.Absent(new Absence(AbsenceKind.NotFound, "no such secret")),
        }));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>Secrets kept in memory with the API server's preconditions: resourceVersion on replace, uid on delete.</summary>
internal sealed class InMemorySecretStore : ISecretStore
{
    private readonly ConcurrentDictionary<NamespacedName, Secret> _secrets = new();
    private long _version;

    public int Writes;

    public Secret? this[string ns, string name] => _secrets.GetValueOrDefault(new NamespacedName(ns, name));

    /// <summary>Puts a Secret as a tenant would, outside the engine.</summary>
    public Secret Put(Secret secret) => Stored(secret);

    public Task<Secret?> TryGetAsync(NamespacedName name, CancellationToken cancellationToken) => Task.FromResult(_secrets.GetValueOrDefault(name));

    public Task<Secret> CreateAsync(Secret secret, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Writes);
        return _secrets.ContainsKey(NameOf(secret)) ? throw Error("AlreadyExists", 409) : Task.FromResult(Stored(secret));
    }

    public Task<Secret> ReplaceAsync(Secret secret, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Writes);
        return _secrets.TryGetValue(NameOf(secret), out var current) && current.Metadata.ResourceVersion == secret.Metadata.ResourceVersion
            ? Task.FromResult(Stored(secret, current.Metadata.Uid))
            : throw Error("Conflict", 409);
    }

    public Task<Secret> AnnotateAsync(NamespacedName name, string key, string value, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Writes);
        var current = _secrets.GetValueOrDefault(name) ?? throw Error("NotFound", 404);
        var annotations = new Dictionary<string, string>(current.Metadata.Annotations ?? new Dictionary<string, string>(), StringComparer.Ordinal) { [key] = value };
        return Task.FromResult(Stored(new Secret
        {
            Metadata = new ObjectMeta { Name = name.Name, Namespace = name.Namespace, Labels = current.Metadata.Labels, Annotations = annotations },
            Type = current.Type,
            Data = current.Data,
        }, current.Metadata.Uid));
    }

    public Task DeleteAsync(NamespacedName name, string? uid, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Writes);
        if (!_secrets.TryGetValue(name, out var current) || (uid is not null && current.Metadata.Uid != uid))
        {
            throw Error(current is null ? "NotFound" : "Conflict", current is null ? 404 : 409);
        }

        _secrets.TryRemove(name, out _);
        return Task.CompletedTask;
    }

    private Secret Stored(Secret secret, string? uid = null)
    {
        secret.Metadata.ResourceVersion = Interlocked.Increment(ref _version).ToString(System.Globalization.CultureInfo.InvariantCulture);
        secret.Metadata.Uid = uid ?? Guid.NewGuid().ToString();
        _secrets[NameOf(secret)] = secret;
        return secret;
    }

    private static NamespacedName NameOf(Secret secret) => new(secret.Metadata.Namespace ?? "", secret.Metadata.Name ?? "");

    private static KubernetesApiException Error(string reason, int code) => new(new Status { Reason = reason, Code = code }, reason);
}

internal sealed class CollectingAudit : IAuditSink
{
    public ConcurrentQueue<AuditEvent> Events { get; } = new();

    public ValueTask WriteAsync(AuditEvent auditEvent, CancellationToken cancellationToken)
    {
        Events.Enqueue(auditEvent);
        return ValueTask.CompletedTask;
    }
}

/// <summary>The term's work queue, recorded and drained by the test instead of by workers.</summary>
internal sealed class RecordedWork : IWorkSink
{
    private readonly ConcurrentQueue<(WorkKey Key, string Trigger)> _items = new();

    public int Depth => _items.Count;

    public void Enqueue(WorkKey key, string trigger)
    {
        if (!_items.Contains((key, trigger)))
        {
            _items.Enqueue((key, trigger));
        }
    }

    public bool TryTake(out (WorkKey Key, string Trigger) item) => _items.TryDequeue(out item);

    public IReadOnlyList<WorkKey> Pending => [.. _items.Select(i => i.Key)];
}

internal sealed class RecordedRotations : IRotationListener
{
    public ConcurrentQueue<SecretRotation> Seen { get; } = new();

    public void OnRotated(SecretRotation rotation) => Seen.Enqueue(rotation);
}

internal sealed class FixedApprovals : IDeletionApprovals
{
    public string? Approved { get; set; }

    public Task<string?> ReadAsync(CancellationToken cancellationToken) => Task.FromResult(Approved);
}
