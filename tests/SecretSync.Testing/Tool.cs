using System.Diagnostics;
using System.Text;

namespace SecretSync.Testing;

/// <summary>The result of running an external program to completion.</summary>
public sealed record ToolResult(int ExitCode, string StandardOutput, string StandardError)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{StandardOutput}\n--- stderr ---\n{StandardError}";
}

/// <summary>Runs external programs (kubectl, python3, node, the secretsync executable) with a time bound.</summary>
public static class Tool
{
    public static async Task<ToolResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?>? environment = null,
        string? standardInput = null,
        string? workingDirectory = null,
        TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(key);
            }
            else
            {
                start.Environment[key] = value;
            }
        }

        using var process = new Process { StartInfo = start };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (stdout) { stdout.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (stderr) { stderr.AppendLine(e.Data); } } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (standardInput is not null)
        {
            await process.StandardInput.WriteAsync(standardInput);
        }

        process.StandardInput.Close();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish within {timeout ?? TimeSpan.FromSeconds(60)}.\n{stdout}\n{stderr}");
        }

        process.WaitForExit();
        return new ToolResult(process.ExitCode, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Runs a command inside a private network namespace with only loopback up.</summary>
    /// <remarks>
    /// A client that ignores its endpoint override then fails instead of leaving the machine. The
    /// namespace has its own loopback, so each <paramref name="relays"/> entry makes socat listen on
    /// 127.0.0.1:port inside it and forward to an emulator's Unix socket outside it. Falls back to running
    /// the command directly (relays unused) when namespaces are unavailable, unless peers are required.
    /// </remarks>
    public static Task<ToolResult> RunIsolatedAsync(
        string fileName,
        IEnumerable<string> arguments,
        IReadOnlyList<(int Port, string UnixSocket)> relays,
        IReadOnlyDictionary<string, string?>? environment = null,
        string? standardInput = null,
        string? workingDirectory = null,
        TimeSpan? timeout = null)
    {
        if (!Peers.CanIsolateNetwork || Peers.FindOnPath("socat") is null)
        {
            if (Peers.Required)
            {
                throw new InvalidOperationException("Peer tests must run in a private network namespace: unshare, ip and socat are required.");
            }

            return RunAsync(fileName, arguments, environment, standardInput, workingDirectory, timeout);
        }

        var script = new StringBuilder("ip link set lo up\n");
        foreach (var (port, socket) in relays)
        {
            script.Append(System.Globalization.CultureInfo.InvariantCulture,
                $"socat TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork UNIX-CONNECT:{socket} &\n" +
                $"for i in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/{port}) 2>/dev/null && break; sleep 0.05; done\n");
        }

        script.Append("\"$@\"\nstatus=$?\nkill $(jobs -p) 2>/dev/null\nexit $status\n");
        string[] wrapped = ["-n", "--", "bash", "-c", script.ToString(), "bash", fileName, .. arguments];
        return RunAsync("unshare", wrapped, environment, standardInput, workingDirectory, timeout);
    }
}
