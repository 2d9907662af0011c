using System.Text.Json;
using Microsoft.Extensions.Logging;
using SecretSync.Kubernetes.Client;
using SecretSync.Kubernetes.Errors;
using SecretSync.Kubernetes.Models;

namespace SecretSync.Daemon.Leadership;

/// <summary>Elects one leader among daemon replicas with a coordination.k8s.io/v1 Lease, as client-go's leaderelection does.</summary>
/// <remarks>
/// <para>A candidate reads the Lease every <see cref="LeaderElectionTimings.RetryPeriod"/> (jittered), creates it when absent,
/// and takes it over from another holder only once a full lease duration has passed on its own clock since it last saw
/// the record change; server timestamps are never compared with the local clock. Every write is a PUT carrying the
/// resourceVersion that was read, so of two candidates racing only one succeeds (the other gets 409).</para>
/// <para>The leader renews every RetryPeriod. Its term ends <see cref="LeaderElectionTimings.RenewDeadline"/> after its
/// last successful renewal <em>began</em>, enforced by a timer rather than by the renew loop, so a hung or failing API
/// (5xx, 429, network) ends the term on time. A standby saw that renewal only after it was sent and waits the longer
/// lease duration, so the old term is over before a new one can start.</para>
/// </remarks>
internal sealed class LeaderElector
{
    private readonly ResourceClient<Lease> _leases;
    private readonly string _namespace;
    private readonly string _leaseName;
    private readonly string _identity;
    private readonly LeaderElectionTimings _timings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _leaseRef;
    private readonly int _leaseDurationSeconds;

    // Touched only by the RunAsync loop (acquire, renew and release never overlap).
    private Lease? _observed;
    private long _observedAt;
    private int _failureStreak;

    private volatile bool _isLeader;
    private volatile string? _currentHolder;
    private string? _endReason;
    private long _attempts;
    private int _running;

    /// <summary>Creates an elector for one Lease.</summary>
    /// <param name="leases">The Lease client, e.g. <see cref="KubernetesClient.Leases"/>.</param>
    /// <param name="namespace">The namespace of the Lease; it must exist.</param>
    /// <param name="leaseName">The Lease's name, shared by all replicas.</param>
    /// <param name="identity">This replica's identity, unique per process (e.g. pod name plus a random suffix): a
    /// record naming it is treated as this process's own and renewed at once.</param>
    /// <param name="timings">Lease duration, renew deadline and retry period.</param>
    /// <param name="time">The clock for every wait and for the lease-duration check.</param>
    /// <param name="logger">Receives transitions at Information and API failures at Warning.</param>
    /// <exception cref="ArgumentException">A name or the identity is empty.</exception>
    public LeaderElector(
        ResourceClient<Lease> leases, string @namespace, string leaseName, string identity, LeaderElectionTimings timings,
        TimeProvider time, ILogger<LeaderElector> logger)
    {
        ArgumentNullException.ThrowIfNull(leases);
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentException.ThrowIfNullOrEmpty(leaseName);
        ArgumentException.ThrowIfNullOrEmpty(identity);
        ArgumentNullException.ThrowIfNull(timings);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        _leases = leases;
        _namespace = @namespace;
        _leaseName = leaseName;
        _identity = identity;
        _timings = timings;
        _time = time;
        _logger = logger;
        _leaseRef = $"{@namespace}/{leaseName}";
        // Rounded up: the record promises others at least our real lease duration.
        _leaseDurationSeconds = Math.Max(1, (int)Math.Ceiling(timings.LeaseDuration.TotalSeconds));
    }

    /// <summary>Raised when this replica starts or stops leading, on the thread that caused the change.</summary>
    /// <remarks>Handlers must be quick; an exception from one is logged and ignored.</remarks>
    public event EventHandler<LeadershipChangedEventArgs>? LeadershipChanged;

    /// <summary>This replica's identity as written to <c>holderIdentity</c>.</summary>
    public string Identity => _identity;

    /// <summary>Whether this replica leads now; false as soon as its term ends, before the leading task has finished.</summary>
    public bool IsLeader => _isLeader;

    /// <summary>The holder named by the Lease as last read or written, or null when unknown or released.</summary>
    public string? CurrentHolder => _currentHolder;

    /// <summary>How many acquire or renew attempts have completed, successful or not; shows progress to tests and diagnostics.</summary>
    public long Attempts => Interlocked.Read(ref _attempts);

    /// <summary>Campaigns for the Lease until cancelled, running <paramref name="lead"/> during each term.</summary>
    /// <param name="lead">The work only the leader does. It receives a token cancelled the moment the term ends (lost,
    /// renew deadline passed, or shutdown) and must stop promptly; it may then return or throw
    /// <see cref="OperationCanceledException"/>.</param>
    /// <param name="cancellationToken">Stops campaigning: an ongoing term ends, <paramref name="lead"/> is awaited, and
    /// the Lease is released (empty holder, <c>leaseDurationSeconds</c> 1) so a standby takes over at once.</param>
    /// <returns>A task that completes, without a cancellation exception, once stopped and released.</returns>
    /// <remarks>When a term ends by loss the replica becomes a candidate again. When <paramref name="lead"/> ends on its
    /// own during a term, the Lease is released and the method returns; when it fails, its exception is rethrown
    /// after the release.</remarks>
    /// <exception cref="InvalidOperationException">The elector is already running.</exception>
    public async Task RunAsync(Func<CancellationToken, Task> lead, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lead);
        if (Interlocked.Exchange(ref _running, 1) != 0)
        {
            throw new InvalidOperationException($"The elector for lease {_leaseRef} is already running.");
        }

        try
        {
            while (await AcquireAsync(cancellationToken).ConfigureAwait(false) is { } acquiredAt)
            {
                if (await LeadAsync(lead, acquiredAt, cancellationToken).ConfigureAwait(false))
                {
                    break;
                }
            }
        }
        finally
        {
            await ReleaseAsync().ConfigureAwait(false);
            Volatile.Write(ref _running, 0);
        }
    }

    /// <summary>Attempts until this replica holds the Lease; returns when the successful attempt began, or null when cancelled.</summary>
    private async Task<long?> AcquireAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var attempt = await TryAcquireOrRenewAsync(cancellationToken).ConfigureAwait(false);
                if (attempt.Outcome == AttemptOutcome.Held)
                {
                    return attempt.StartedAt;
                }

                await Task.Delay(Jittered(_timings.RetryPeriod), _time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>Runs one term; returns true when campaigning should stop (cancelled, or <paramref name="lead"/> ended on its own).</summary>
    private async Task<bool> LeadAsync(Func<CancellationToken, Task> lead, long acquiredAt, CancellationToken cancellationToken)
    {
        // The term's own timer enforces the renew deadline, so nothing the renew loop waits on can extend it.
        using var term = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _time);
        Volatile.Write(ref _endReason, null);
        if (!Extend(term, acquiredAt))
        {
            return cancellationToken.IsCancellationRequested;
        }

        BeginTerm();
        using var ended = term.Token.Register(EndTerm);
        using var stopping = cancellationToken.Register(() => Stop(term, "stopping"));

        var leading = Task.Run(() => lead(term.Token), CancellationToken.None);
        var renewing = RenewAsync(term);
        var first = await Task.WhenAny(leading, renewing).ConfigureAwait(false);
        var leadEndedOnItsOwn = first == leading && !term.IsCancellationRequested;
        Stop(term, leadEndedOnItsOwn ? "the leading task ended" : "the term ended");
        await renewing.ConfigureAwait(false);
        try
        {
            await leading.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (term.IsCancellationRequested && !leadEndedOnItsOwn)
        {
            // The expected way for lead to honour its token.
        }

        return leadEndedOnItsOwn || cancellationToken.IsCancellationRequested;
    }

    /// <summary>Renews every RetryPeriod, moving the term's deadline forward after each success, until the term ends.</summary>
    private async Task RenewAsync(CancellationTokenSource term)
    {
        var token = term.Token;
        try
        {
            while (true)
            {
                await Task.Delay(_timings.RetryPeriod, _time, token).ConfigureAwait(false);
                var attempt = await TryAcquireOrRenewAsync(token).ConfigureAwait(false);
                if (attempt.Outcome == AttemptOutcome.Held)
                {
                    if (!Extend(term, attempt.StartedAt))
                    {
                        return;
                    }
                }
                else if (attempt.Outcome == AttemptOutcome.HeldByOther)
                {
                    // Someone else wrote the record: a second leader must not overlap, so step down now, not at the deadline.
                    Stop(term, $"{_currentHolder} holds the lease");
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The term ended: deadline, loss or shutdown.
        }
    }

    /// <summary>Sets the term to end RenewDeadline after <paramref name="renewalStartedAt"/>; false when that is already past.</summary>
    private bool Extend(CancellationTokenSource term, long renewalStartedAt)
    {
        var left = _timings.RenewDeadline - _time.GetElapsedTime(renewalStartedAt);
        if (left <= TimeSpan.Zero)
        {
            Stop(term, $"the renewal took longer than the renew deadline ({_timings.RenewDeadline})");
            return false;
        }

        term.CancelAfter(left);
        return true;
    }

    private void Stop(CancellationTokenSource term, string reason)
    {
        Interlocked.CompareExchange(ref _endReason, reason, null);
        term.Cancel();
    }

    private void BeginTerm()
    {
        _isLeader = true;
        LeaderElectionLog.Acquired(_logger, _leaseRef, _identity, _observed?.Spec?.LeaseTransitions ?? 0);
        Raise(new LeadershipChangedEventArgs(true, "acquired"));
    }

    /// <summary>Runs when the term's token is cancelled, on whichever thread cancelled it (the deadline timer, shutdown, or the loop).</summary>
    private void EndTerm()
    {
        _isLeader = false;
        var reason = Volatile.Read(ref _endReason) ?? $"no successful renewal within the renew deadline ({_timings.RenewDeadline})";
        LeaderElectionLog.Stopped(_logger, _leaseRef, _identity, reason);
        Raise(new LeadershipChangedEventArgs(false, reason));
    }

    private void Raise(LeadershipChangedEventArgs change)
    {
        try
        {
            LeadershipChanged?.Invoke(this, change);
        }
#pragma warning disable CA1031 // A metrics handler must not break the term's cancellation or the renew loop.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LeaderElectionLog.HandlerFailed(_logger, _leaseRef, e);
        }
    }

    /// <summary>One client-go <c>tryAcquireOrRenew</c>: read, then create, renew or take over with a conditional write.</summary>
    private async Task<Attempt> TryAcquireOrRenewAsync(CancellationToken cancellationToken)
    {
        var startedAt = _time.GetTimestamp();
        var now = _time.GetUtcNow();
        var operation = "get";
        try
        {
            var lease = await _leases.TryGetAsync(_namespace, _leaseName, cancellationToken).ConfigureAwait(false);
            if (lease is null)
            {
                operation = "create";
                var created = await _leases.CreateAsync(NewLease(now), cancellationToken).ConfigureAwait(false);
                Observe(created);
                _failureStreak = 0;
                return new Attempt(AttemptOutcome.Held, startedAt);
            }

            Observe(lease);
            var spec = lease.Spec ?? new LeaseSpec();
            var holder = spec.HolderIdentity;
            var ours = string.Equals(holder, _identity, StringComparison.Ordinal);
            // Elapsed from when this attempt began, not from now: the later the read, the longer the wait.
            if (!string.IsNullOrEmpty(holder) && !ours && _time.GetElapsedTime(_observedAt, startedAt) < TakeoverAfter(spec))
            {
                _failureStreak = 0;
                return new Attempt(AttemptOutcome.HeldByOther, startedAt);
            }

            operation = "update";
            var next = new Lease
            {
                ApiVersion = lease.ApiVersion,
                Kind = lease.Kind,
                Metadata = lease.Metadata,
                Spec = new LeaseSpec
                {
                    HolderIdentity = _identity,
                    LeaseDurationSeconds = _leaseDurationSeconds,
                    AcquireTime = ours ? spec.AcquireTime ?? now : now,
                    RenewTime = now,
                    LeaseTransitions = ours ? spec.LeaseTransitions ?? 0 : (spec.LeaseTransitions ?? 0) + 1,
                },
            };
            var replaced = await _leases.ReplaceAsync(next, cancellationToken).ConfigureAwait(false);
            Observe(replaced);
            _failureStreak = 0;
            return new Attempt(AttemptOutcome.Held, startedAt);
        }
        catch (KubernetesApiException e) when (e.Reason is KubernetesErrorReason.Conflict or KubernetesErrorReason.AlreadyExists)
        {
            LeaderElectionLog.RaceLost(_logger, _leaseRef, e.Reason.ToString());
            return new Attempt(AttemptOutcome.Failed, startedAt);
        }
        catch (Exception e) when (IsApiFailure(e, cancellationToken))
        {
            if (++_failureStreak == 1)
            {
                LeaderElectionLog.AttemptFailed(_logger, _leaseRef, operation, _timings.RetryPeriod, e.Message);
            }
            else
            {
                LeaderElectionLog.AttemptFailedAgain(_logger, _leaseRef, operation, e.Message);
            }

            return new Attempt(AttemptOutcome.Failed, startedAt);
        }
        finally
        {
            Interlocked.Increment(ref _attempts);
        }
    }

    /// <summary>Writes an empty holder with a one-second duration, conditional on the version this replica wrote last.</summary>
    private async Task ReleaseAsync()
    {
        if (_observed is not { Spec: { } spec } lease || !string.Equals(spec.HolderIdentity, _identity, StringComparison.Ordinal))
        {
            return;
        }

        var now = _time.GetUtcNow();
        var released = new Lease
        {
            ApiVersion = lease.ApiVersion,
            Kind = lease.Kind,
            Metadata = lease.Metadata,
            Spec = new LeaseSpec
            {
                HolderIdentity = "",
                LeaseDurationSeconds = 1,
                AcquireTime = now,
                RenewTime = now,
                LeaseTransitions = spec.LeaseTransitions,
            },
        };

        // The caller's token is already cancelled; bound the release on its own so shutdown cannot hang on it.
        using var timeout = new CancellationTokenSource(_timings.RenewDeadline, _time);
        try
        {
            Observe(await _leases.ReplaceAsync(released, timeout.Token).ConfigureAwait(false));
            LeaderElectionLog.Released(_logger, _leaseRef, _identity);
        }
        catch (KubernetesApiException e) when (e.Reason == KubernetesErrorReason.Conflict)
        {
            // Someone else wrote since: the lease is no longer ours to release.
            LeaderElectionLog.RaceLost(_logger, _leaseRef, e.Reason.ToString());
        }
        catch (Exception e) when (IsApiFailure(e, CancellationToken.None))
        {
            LeaderElectionLog.ReleaseFailed(_logger, _leaseRef, e.Message);
        }
    }

    private Lease NewLease(DateTimeOffset now) => new()
    {
        Metadata = new ObjectMeta { Name = _leaseName, Namespace = _namespace },
        Spec = new LeaseSpec
        {
            HolderIdentity = _identity,
            LeaseDurationSeconds = _leaseDurationSeconds,
            AcquireTime = now,
            RenewTime = now,
            LeaseTransitions = 0,
        },
    };

    /// <summary>Records a read or written Lease; the lease-duration clock restarts whenever its resourceVersion changes.</summary>
    private void Observe(Lease lease)
    {
        if (_observed is null || !string.Equals(_observed.Metadata.ResourceVersion, lease.Metadata.ResourceVersion, StringComparison.Ordinal))
        {
            _observedAt = _time.GetTimestamp();
        }

        _observed = lease;
        var holder = lease.Spec?.HolderIdentity is { Length: > 0 } named ? named : null;
        if (!string.Equals(holder, _currentHolder, StringComparison.Ordinal))
        {
            _currentHolder = holder;
            if (holder is not null && !string.Equals(holder, _identity, StringComparison.Ordinal))
            {
                LeaderElectionLog.HolderObserved(_logger, _leaseRef, holder);
            }
        }
    }

    /// <summary>The record's own duration when it promises longer than ours: a holder is never cut short.</summary>
    private TimeSpan TakeoverAfter(LeaseSpec spec)
    {
        var promised = TimeSpan.FromSeconds(Math.Max(0, spec.LeaseDurationSeconds ?? 0));
        return promised > _timings.LeaseDuration ? promised : _timings.LeaseDuration;
    }

    /// <summary>client-go's <c>wait.Jitter</c>: spreads candidates apart so they do not read and write in lockstep.</summary>
    private static TimeSpan Jittered(TimeSpan period) =>
        period + (period * (LeaderElectionTimings.JitterFactor * Random.Shared.NextDouble()));

    /// <summary>Failures that mean "try again later": server errors, throttling, no answer, an unreadable answer.</summary>
    private static bool IsApiFailure(Exception e, CancellationToken cancellationToken) =>
        e is KubernetesApiException or HttpRequestException or TimeoutException or JsonException
        || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    private enum AttemptOutcome
    {
        Held,
        HeldByOther,
        Failed,
    }

    private readonly record struct Attempt(AttemptOutcome Outcome, long StartedAt);
}

/// <summary>The data of <see cref="LeaderElector.LeadershipChanged"/>.</summary>
/// <param name="isLeader">Whether this replica leads from now on.</param>
/// <param name="reason">Why: <c>acquired</c>, or why the term ended.</param>
internal sealed class LeadershipChangedEventArgs(bool isLeader, string reason) : EventArgs
{
    /// <summary>Whether this replica leads from now on.</summary>
    public bool IsLeader { get; } = isLeader;

    /// <summary>Why leadership changed: <c>acquired</c>, or why the term ended.</summary>
    public string Reason { get; } = reason;
}
