using SecretSync.Core.Revocation;

namespace SecretSync.Daemon.Sync;

/// <summary>The delete guard and its last verdict; kept across leadership terms so a new leader inherits the window.</summary>
internal sealed class DeletionState(TimeProvider time)
{
    private GuardVerdict? _verdict;
    private string? _ignoredApproval;

    public DeleteGuard Guard { get; } = new(time);

    /// <summary>The delete guard's last verdict; holding while <see cref="GuardVerdict.Holds"/>.</summary>
    public GuardVerdict? Verdict => Volatile.Read(ref _verdict);

    /// <summary>Records a verdict and returns the one before it.</summary>
    public GuardVerdict? Record(GuardVerdict verdict) => Interlocked.Exchange(ref _verdict, verdict);

    /// <summary>True the first time an approval that names no current hold is seen, so it is logged once.</summary>
    public bool FirstIgnored(string approval) => !string.Equals(Interlocked.Exchange(ref _ignoredApproval, approval), approval, StringComparison.Ordinal);
}
