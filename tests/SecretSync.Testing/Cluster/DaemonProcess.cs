using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using SecretSync.Core.Audit;

namespace SecretSync.Testing.Cluster;

/// <summary>The real <c>secretsync</c> executable, started as a child process, with its output collected.</summary>
/// <remarks>Standard output carries audit events as JSON lines; standard error carries logs.</remarks>
public sealed class DaemonProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly ConcurrentQueue<AuditEvent> _audit = new();
    private readonly HttpClient _http;

    private DaemonProcess(Process process, int port)
    {
        _process = process;
        Port = port;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>The port of its HTTP endpoints.</summary>
    public int Port { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The exit code; valid once <see cref="HasExited"/> is true.</summary>
    public int ExitCode => _process.ExitCode;

    public IReadOnlyList<AuditEvent> Audit => [.. _audit];

    public string StandardOutput => string.Join('\n', _stdout);

    public string StandardError => string.Join('\n', _stderr);

    /// <summary>The path of the executable under test, built beside the tests.</summary>
    public static string Executable { get; } = Path.Combine(AppContext.BaseDirectory, "secretsync.dll");

    /// <summary>Starts <c>secretsync</c> with the given arguments plus <c>--port</c>.</summary>
    public static DaemonProcess Start(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Executable);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.ArgumentList.Add("--port");
        start.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var daemon = new DaemonProcess(process, port);
        process.OutputDataReceived += (_, e) => daemon.OnStdout(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                daemon._stderr.Enqueue(e.Data);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return daemon;
    }

    /// <summary>Waits until <c>/readyz</c> answers 200.</summary>
    public Task WaitReadyAsync(TimeSpan? within = null) => Eventually.TrueAsync(async () =>
    {
        if (_process.HasExited)
        {
            throw new InvalidOperationException($"secretsync exited with {_process.ExitCode}:\n{StandardError}");
        }

        try
        {
            using var response = await _http.GetAsync(new Uri("readyz", UriKind.Relative));
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }, "secretsync /readyz", within ?? TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(100));

    /// <summary>Waits until this process leads and has finished its first full sync (from <c>/status</c>).</summary>
    public Task WaitLeadingAsync(TimeSpan? within = null) => Eventually.TrueAsync(async () =>
    {
        if (_process.HasExited)
        {
            throw new InvalidOperationException($"secretsync exited with {_process.ExitCode}:\n{StandardError}");
        }

        try
        {
            using var status = System.Text.Json.JsonDocument.Parse(await GetAsync("status"));
            return status.RootElement.GetProperty("leader").GetBoolean() && status.RootElement.GetProperty("ready").GetBoolean();
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }, "secretsync leading with its first sync done", within ?? TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(100));

    /// <summary>Poll cycles finished so far, from the daemon's version-check counter on <c>/metrics</c>.</summary>
    public async Task<double> PollCyclesAsync() =>
        ResiliencePrometheus.Parse(await GetAsync("metrics")).Sum("secretsync_provider_version_checks_total");

    /// <summary>Waits until the daemon has finished <paramref name="cycles"/> more poll cycles, so a test can assert that later
    /// cycles changed nothing without sleeping for them.</summary>
    public async Task WaitForPollCyclesAsync(int cycles = 2, TimeSpan? within = null)
    {
        var start = await PollCyclesAsync();
        await Eventually.TrueAsync(
            async () => await PollCyclesAsync() >= start + cycles, $"{cycles} more poll cycles", within ?? TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100));
    }

    /// <summary>Waits for an audit event matching <paramref name="predicate"/> and returns it.</summary>
    public async Task<AuditEvent> WaitForAuditAsync(Func<AuditEvent, bool> predicate, string what, TimeSpan? within = null)
    {
        AuditEvent? found = null;
        await Eventually.TrueAsync(() => (found = _audit.FirstOrDefault(predicate)) is not null, () => $"audit event: {what}\n--- stderr ---\n{Tail(StandardError)}", within ?? TimeSpan.FromSeconds(30));
        return found!;
    }

    /// <summary>Waits until <paramref name="count"/> audit events match.</summary>
    public Task WaitForAuditCountAsync(Func<AuditEvent, bool> predicate, int count, string what, TimeSpan? within = null) =>
        Eventually.TrueAsync(
            () => _audit.Count(predicate) >= count,
            () => $"{count} audit events: {what} (have {_audit.Count(predicate)}); actions seen: {string.Join(", ", _audit.Select(e => $"{e.Action} {e.Namespace}/{e.Secret}"))}\n--- stderr ---\n{Tail(StandardError)}",
            within ?? TimeSpan.FromSeconds(30));

    public async Task<string> GetAsync(string path) => (await GetStatusAsync(path)).Body;

    public async Task<(int Status, string Body)> GetStatusAsync(string path)
    {
        using var response = await _http.GetAsync(new Uri(path, UriKind.Relative));
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public async Task<(int Status, string Body)> PostAsync(string path)
    {
        using var response = await _http.PostAsync(new Uri(path, UriKind.Relative), null);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Sends SIGKILL: no lease release, no flush.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
    }

    /// <summary>Sends SIGTERM and waits for a graceful exit.</summary>
    public async Task<int> StopAsync(TimeSpan? within = null)
    {
        if (!_process.HasExited)
        {
            using var term = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await term.WaitForExitAsync();
            using var timeout = new CancellationTokenSource(within ?? TimeSpan.FromSeconds(30));
            await _process.WaitForExitAsync(timeout.Token);
        }

        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
        _http.Dispose();
    }

    private void OnStdout(string? line)
    {
        if (line is null)
        {
            return;
        }

        _stdout.Enqueue(line);
        if (line.StartsWith('{'))
        {
            _audit.Enqueue(AuditJson.Deserialize(line));
        }
    }

    private static string Tail(string text) => text.Length > 4000 ? text[^4000..] : text;

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
