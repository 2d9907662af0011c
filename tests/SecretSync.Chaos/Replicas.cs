using SecretSync.Testing.Cluster;

namespace SecretSync.Chaos;

/// <summary>One daemon replica (a pod): a stable instance name, its own configuration file and audit folders, and every process it ran as.</summary>
internal sealed class Replica(string instance, string folder)
{
    private readonly List<DaemonProcess> _incarnations = [];

    public string Instance { get; } = instance;

    public string ConfigPath { get; } = Path.Combine(folder, $"{instance}.yaml");

    /// <summary>The file sink's folder; the chain in it runs on across restarts.</summary>
    public string AuditFolder { get; } = Path.Combine(folder, $"audit-{instance}");

    public string BufferFolder { get; } = Path.Combine(folder, $"pgbuffer-{instance}");

    public DaemonProcess? Current { get; private set; }

    public bool Running => Current is { HasExited: false };

    public IReadOnlyList<DaemonProcess> Incarnations => _incarnations;

    /// <summary>When each SIGKILL was sent.</summary>
    public List<DateTimeOffset> Kills { get; } = [];

    /// <summary>Exits the harness did not cause: (when noticed, exit code, ready before it).</summary>
    public List<(DateTimeOffset At, int ExitCode, bool WasReady)> Crashes { get; } = [];

    /// <summary>Restarts after a kill or crash whose process then answered <c>/readyz</c>.</summary>
    public int RestartsReady { get; set; }

    public int Restarts { get; set; }

    /// <summary>Whether the current process answered <c>/readyz</c> at least once.</summary>
    public bool CurrentWasReady { get; set; }

    /// <summary>Whether the current process was killed by the schedule (so its exit is not a crash).</summary>
    public bool CurrentKilled { get; private set; }

    public DaemonProcess Start(string kubeconfig)
    {
        var process = DaemonProcess.Start(
            ["run", "--config", ConfigPath, "--kubeconfig", kubeconfig],
            new Dictionary<string, string> { ["POD_NAME"] = Instance });
        _incarnations.Add(process);
        Current = process;
        CurrentWasReady = false;
        CurrentKilled = false;
        return process;
    }

    /// <summary>SIGKILL: no lease release, no audit flush.</summary>
    public void Kill(DateTimeOffset at)
    {
        if (Current is { HasExited: false } process)
        {
            Kills.Add(at);
            CurrentKilled = true;
            process.Kill();
        }
    }
}
