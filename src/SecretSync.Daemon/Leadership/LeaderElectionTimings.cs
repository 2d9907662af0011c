namespace SecretSync.Daemon.Leadership;

/// <summary>The three durations of Lease-based leader election (kubernetes.md §1, client-go <c>tools/leaderelection</c>).</summary>
/// <remarks>
/// The ordering LeaseDuration &gt; RenewDeadline &gt; 1.2 × RetryPeriod is what keeps two replicas from leading at once:
/// a leader gives up RenewDeadline after its last successful renewal began, while a standby waits a full LeaseDuration
/// after it saw that renewal, so the leader has always stopped first.
/// </remarks>
internal sealed record LeaderElectionTimings
{
    /// <summary>The jitter factor client-go applies to <see cref="RetryPeriod"/> between acquire attempts.</summary>
    public const double JitterFactor = 1.2;

    /// <summary>Creates and validates a set of timings.</summary>
    /// <param name="leaseDuration">How long a standby waits, after it last saw the record change, before taking over.</param>
    /// <param name="renewDeadline">How long a leader keeps leading without a successful renewal.</param>
    /// <param name="retryPeriod">The interval between acquire and renew attempts.</param>
    /// <exception cref="ArgumentOutOfRangeException">The durations are not positive or not ordered
    /// LeaseDuration &gt; RenewDeadline &gt; 1.2 × RetryPeriod.</exception>
    public LeaderElectionTimings(TimeSpan leaseDuration, TimeSpan renewDeadline, TimeSpan retryPeriod)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(retryPeriod, TimeSpan.Zero);
        if (renewDeadline <= retryPeriod * JitterFactor)
        {
            throw new ArgumentOutOfRangeException(nameof(renewDeadline), renewDeadline, $"RenewDeadline must be greater than {JitterFactor} × RetryPeriod ({retryPeriod}).");
        }

        if (leaseDuration <= renewDeadline)
        {
            throw new ArgumentOutOfRangeException(nameof(leaseDuration), leaseDuration, $"LeaseDuration must be greater than RenewDeadline ({renewDeadline}).");
        }

        LeaseDuration = leaseDuration;
        RenewDeadline = renewDeadline;
        RetryPeriod = retryPeriod;
    }

    /// <summary>The timings of kube-controller-manager and controller-runtime: 15 s, 10 s, 2 s.</summary>
    public static LeaderElectionTimings Default { get; } = new(TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(2));

    /// <summary>How long a standby waits, on its own clock after it last saw the record change, before taking over.</summary>
    /// <value>15 seconds in <see cref="Default"/>.</value>
    public TimeSpan LeaseDuration { get; }

    /// <summary>How long a leader keeps leading without a successful renewal before it gives up.</summary>
    /// <value>10 seconds in <see cref="Default"/>.</value>
    public TimeSpan RenewDeadline { get; }

    /// <summary>The interval between acquire attempts (jittered) and between renewals.</summary>
    /// <value>2 seconds in <see cref="Default"/>.</value>
    public TimeSpan RetryPeriod { get; }
}
