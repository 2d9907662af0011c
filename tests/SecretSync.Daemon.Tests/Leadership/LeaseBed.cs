using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using SecretSync.Daemon.Leadership;
using SecretSync.DevStack;
using SecretSync.Kubernetes.Client;
using SecretSync.Kubernetes.Config;
using SecretSync.Kubernetes.Models;

namespace SecretSync.Daemon.Tests.Leadership;

/// <summary>A Kubernetes emulator with the lease namespace created, and candidates campaigning against it.</summary>
internal sealed class LeaseBed : IAsyncDisposable
{
    public const string Namespace = "secretsync-system";
    public const string LeaseName = "secretsync-leader";

    /// <summary>Short real-clock timings; the lease duration is whole seconds so the record states it exactly.</summary>
    public static readonly LeaderElectionTimings Fast = new(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1.2), TimeSpan.FromMilliseconds(200));

    private readonly List<Candidate> _candidates = [];
    private int _leading;
    private int _maxLeading;

    private LeaseBed(KubernetesEmulator emulator, KubernetesClient client)
    {
        Emulator = emulator;
        Client = client;
    }

    public KubernetesEmulator Emulator { get; }

    /// <summary>The test's own client, for seeding and reading the Lease.</summary>
    public KubernetesClient Client { get; }

    public static string LeasePath => $"/apis/coordination.k8s.io/v1/namespaces/{Namespace}/leases/{LeaseName}";

    /// <summary>The most lead tasks that ever ran at once, across all candidates.</summary>
    public int MaxConcurrentLeads => Volatile.Read(ref _maxLeading);

    public int LeadsRunning => Volatile.Read(ref _leading);

    public static async Task<LeaseBed> StartAsync()
    {
        var emulator = await KubernetesEmulator.StartAsync();
        var client = ClientFor(emulator, "test");
        await client.Namespaces.CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = Namespace } });
        return new LeaseBed(emulator, client);
    }

    /// <summary>Starts a candidate whose client presents <paramref name="identity"/> as its token, so deny rules can single it out.</summary>
    public Candidate Start(string identity, LeaderElectionTimings? timings = null, TimeProvider? time = null)
    {
        var candidate = new Candidate(this, identity, ClientFor(Emulator, identity), timings ?? Fast, time ?? TimeProvider.System);
        _candidates.Add(candidate);
        candidate.Start();
        return candidate;
    }

    public Task<Lease> ReadLeaseAsync() => Client.Leases.GetAsync(Namespace, LeaseName);

    /// <summary>The arrival time of the newest successful write of the Lease: its creation, last renewal or takeover.</summary>
    /// <remarks>A leader cut off before its first renewal has only the create (POST to the collection) behind it.</remarks>
    public DateTimeOffset LastSuccessfulWrite() =>
        Emulator.Requests.Snapshot()
            .Where(r => (r.Method == "PUT" && r.Path == LeasePath && r.Status == 200)
                || (r.Method == "POST" && LeasePath.StartsWith(r.Path + "/", StringComparison.Ordinal) && r.Status == 201))
            .Max(r => r.Time);

    public int CountLeaseWrites(int status) =>
        Emulator.Requests.CountWhere(r => r.Method == "PUT" && r.Path == LeasePath && r.Status == status);

    public void EnterLead()
    {
        var now = Interlocked.Increment(ref _leading);
        int seen;
        while (now > (seen = Volatile.Read(ref _maxLeading)) && Interlocked.CompareExchange(ref _maxLeading, now, seen) != seen)
        {
        }
    }

    public void ExitLead() => Interlocked.Decrement(ref _leading);

    public async ValueTask DisposeAsync()
    {
        foreach (var candidate in _candidates)
        {
            await candidate.DisposeAsync();
        }

        Client.Dispose();
        await Emulator.DisposeAsync();
    }

    private static KubernetesClient ClientFor(KubernetesEmulator emulator, string token) =>
        new(new KubernetesClientConfig { Server = emulator.BaseAddress, BearerToken = token }, new KubernetesClientOptions { DisableRateLimiter = true });
}

/// <summary>One replica: an elector running a lead task that records when it starts and ends.</summary>
internal sealed class Candidate : IAsyncDisposable
{
    private static readonly TimeSpan StopPatience = TimeSpan.FromSeconds(10);

    private readonly LeaseBed _bed;
    private readonly KubernetesClient _client;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<LeadershipChangedEventArgs> _changes = new();
    private Task? _run;
    private int _terms;
    private long _leadStartedTicks;
    private long _leadEndedTicks;
    private long _lostTicks;
    private CancellationToken _termToken;

    public Candidate(LeaseBed bed, string identity, KubernetesClient client, LeaderElectionTimings timings, TimeProvider time)
    {
        _bed = bed;
        _client = client;
        Logger = new RecordingLogger<LeaderElector>();
        Elector = new LeaderElector(client.Leases, LeaseBed.Namespace, LeaseBed.LeaseName, identity, timings, time, Logger);
        Elector.LeadershipChanged += (_, change) =>
        {
            if (!change.IsLeader)
            {
                Interlocked.Exchange(ref _lostTicks, TimeProvider.System.GetUtcNow().UtcTicks);
            }

            _changes.Enqueue(change);
        };
    }

    public LeaderElector Elector { get; }

    public RecordingLogger<LeaderElector> Logger { get; }

    public Task Run => _run ?? throw new InvalidOperationException("Not started.");

    /// <summary>How many times the lead task was started.</summary>
    public int Terms => Volatile.Read(ref _terms);

    public bool Leading => Elector.IsLeader;

    public IReadOnlyList<LeadershipChangedEventArgs> Changes => [.. _changes];

    /// <summary>The token the latest lead task received.</summary>
    public CancellationToken TermToken => _termToken;

    /// <summary>Real-clock time the latest lead task started.</summary>
    public DateTimeOffset? LeadStarted => At(ref _leadStartedTicks);

    /// <summary>Real-clock time the latest lead task finished.</summary>
    public DateTimeOffset? LeadEnded => At(ref _leadEndedTicks);

    /// <summary>Real-clock time IsLeader last turned false.</summary>
    public DateTimeOffset? Lost => At(ref _lostTicks);

    public void Start() => _run = Elector.RunAsync(LeadAsync, _stop.Token);

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Run.WaitAsync(StopPatience);
    }

    public async ValueTask DisposeAsync()
    {
        if (_run is not null && !_run.IsCompleted)
        {
            await _stop.CancelAsync();
            try
            {
                await _run.WaitAsync(StopPatience);
            }
            catch (TimeoutException)
            {
                // Reported by the test that left it running; disposal must not hide the test's own failure.
            }
        }

        _stop.Dispose();
        _client.Dispose();
    }

    private static DateTimeOffset? At(ref long ticks)
    {
        var t = Interlocked.Read(ref ticks);
        return t > 0 ? new DateTimeOffset(t, TimeSpan.Zero) : null;
    }

    private async Task LeadAsync(CancellationToken term)
    {
        _termToken = term;
        _bed.EnterLead();
        Interlocked.Increment(ref _terms);
        Interlocked.Exchange(ref _leadStartedTicks, TimeProvider.System.GetUtcNow().UtcTicks);
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, term);
        }
        finally
        {
            Interlocked.Exchange(ref _leadEndedTicks, TimeProvider.System.GetUtcNow().UtcTicks);
            _bed.ExitLead();
        }
    }
}

/// <summary>Keeps every log entry for assertions.</summary>
internal sealed class RecordingLogger<T> : ILogger<T>
{
    private readonly ConcurrentQueue<(LogLevel Level, EventId Id, string Message)> _entries = new();

    public IReadOnlyList<(LogLevel Level, EventId Id, string Message)> Entries => [.. _entries];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _entries.Enqueue((logLevel, eventId, formatter(state, exception)));
}
