namespace SecretSync.Cli;

/// <summary>The exit codes every <c>secretsync</c> command uses (README, "Command line").</summary>
internal static class ExitCodes
{
    /// <summary>Done: the command did what was asked.</summary>
    public const int Done = 0;

    /// <summary>The command ran and the outcome is a failure: invalid configuration, a target that failed, a chain that does not verify, nothing written.</summary>
    public const int Failed = 1;

    /// <summary>The command could not run as asked: a bad argument, a missing or unreadable file, a bad kubeconfig, a port in use, an endpoint it cannot reach, a locked state dir.</summary>
    public const int Usage = 2;

    /// <summary><c>rotate --wait</c>: the new version was written but not every target applied it in time.</summary>
    public const int WaitTimedOut = 3;
}
