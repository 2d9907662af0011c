using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SecretSync.Testing;

/// <summary>A throwaway PostgreSQL server: a fresh data directory, trust authentication, 127.0.0.1 on a free port.</summary>
/// <remarks>
/// Uses Debian's server binaries (<see cref="PostgresBinaries"/>). <c>initdb</c> and <c>postgres</c> refuse to run
/// as root, so as root they run as the <c>postgres</c> system user (through <c>setpriv</c>, which execs, so the
/// process id is the server's own). The server can be stopped and started again on the same port and data,
/// to simulate an outage. Every wait is bounded; disposing stops the server and deletes the directory.
/// </remarks>
public sealed class PostgresServer : IAsyncDisposable
{
    private static readonly TimeSpan StartPatience = TimeSpan.FromSeconds(60);
    private static int _databases;

    private readonly string _bin;
    private readonly StringBuilder _log = new();
    private Process? _server;

    private PostgresServer(string bin, string folder, int port)
    {
        _bin = bin;
        Folder = folder;
        Port = port;
    }

    /// <summary>The temporary folder holding the data directory and the socket.</summary>
    public string Folder { get; }

    public string DataDirectory => Path.Combine(Folder, "data");

    public int Port { get; }

    public bool IsRunning => _server is { HasExited: false };

    /// <summary>A connection string for the <c>postgres</c> database as the <c>postgres</c> superuser.</summary>
    public string ConnectionString => ConnectionStringFor("postgres");

    /// <summary>What the server wrote to its standard error (its log), for failure messages.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    private static bool IsRoot => Environment.UserName == "root";

    /// <summary>Initialises a data directory and starts the server.</summary>
    /// <exception cref="InvalidOperationException">The binaries are missing, or the server did not come up in time.</exception>
    public static async Task<PostgresServer> StartAsync()
    {
        var bin = PostgresBinaries.Directory ?? throw new InvalidOperationException("PostgreSQL server binaries (initdb, postgres) are not installed.");
        var folder = Directory.CreateTempSubdirectory("secretsync-pg-").FullName;
        var server = new PostgresServer(bin, folder, FreePort());
        try
        {
            if (IsRoot)
            {
                await Check(await Tool.RunAsync("chown", ["-R", "postgres:postgres", folder], timeout: TimeSpan.FromSeconds(10)), "chown");
            }

            await Check(await RunAsServerUserAsync(Path.Combine(bin, "initdb"),
                ["-D", server.DataDirectory, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"], folder, TimeSpan.FromSeconds(120)), "initdb");
            await server.StartAgainAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>A connection string for <paramref name="database"/> as the superuser, with short timeouts.</summary>
    public string ConnectionStringFor(string database) =>
        string.Create(CultureInfo.InvariantCulture, $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Timeout=5;Command Timeout=30");

    /// <summary>Creates a fresh database (a unique name from <paramref name="prefix"/>) and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix = "db")
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"{prefix}_{Interlocked.Increment(ref _databases)}_{Environment.ProcessId}").ToLowerInvariant();
        await Check(await Tool.RunAsync(Path.Combine(_bin, "createdb"), ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", name],
            timeout: TimeSpan.FromSeconds(30)), "createdb");
        return ConnectionStringFor(name);
    }

    /// <summary>Stops the server with a fast shutdown (clients are disconnected); data stays.</summary>
    public async Task StopAsync()
    {
        if (_server is not { } server)
        {
            return;
        }

        if (!server.HasExited)
        {
            // SIGINT is PostgreSQL's fast shutdown.
            using (var signal = Process.Start("kill", ["-INT", server.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await signal.WaitForExitAsync();
            }

            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await server.WaitForExitAsync(patience.Token);
            }
            catch (OperationCanceledException)
            {
                server.Kill(entireProcessTree: true);
                await server.WaitForExitAsync();
            }
        }

        server.Dispose();
        _server = null;
    }

    /// <summary>Starts the server (again) on the same port and data, and waits until it accepts connections.</summary>
    public async Task StartAgainAsync()
    {
        if (IsRunning)
        {
            return;
        }

        string[] arguments =
        [
            "-D", DataDirectory, "-p", Port.ToString(CultureInfo.InvariantCulture), "-k", Folder,
            "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
            "-c", "max_connections=100", "-c", "shared_buffers=32MB",
        ];
        var start = new ProcessStartInfo(IsRoot ? "setpriv" : Path.Combine(_bin, "postgres"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Folder,
        };
        if (IsRoot)
        {
            foreach (var a in (string[])["--reuid=postgres", "--regid=postgres", "--init-groups", "--", Path.Combine(_bin, "postgres")])
            {
                start.ArgumentList.Add(a);
            }
        }

        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        var process = new Process { StartInfo = start };
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        _server = process;

        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"postgres exited with {process.ExitCode} while starting:\n{Log}");
            }

            var ready = await Tool.RunAsync(Path.Combine(_bin, "pg_isready"),
                ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", "-t", "2"], timeout: TimeSpan.FromSeconds(10));
            if (ready.ExitCode == 0)
            {
                return;
            }

            if (clock.Elapsed > StartPatience)
            {
                throw new InvalidOperationException($"postgres did not accept connections within {StartPatience}:\n{Log}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Runs one SQL statement with psql and returns its unaligned, tuples-only output.</summary>
    public async Task<string> QueryAsync(string connectionDatabase, string sql)
    {
        var result = await Tool.RunAsync(Path.Combine(_bin, "psql"),
            ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", "-d", connectionDatabase, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql],
            timeout: TimeSpan.FromSeconds(60));
        await Check(result, "psql");
        return result.StandardOutput.Trim();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }

    private static Task<ToolResult> RunAsServerUserAsync(string fileName, IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout) =>
        IsRoot
            ? Tool.RunAsync("setpriv", ["--reuid=postgres", "--regid=postgres", "--init-groups", "--", fileName, .. arguments], workingDirectory: workingDirectory, timeout: timeout)
            : Tool.RunAsync(fileName, arguments, workingDirectory: workingDirectory, timeout: timeout);

    private static Task Check(ToolResult result, string what) =>
        result.ExitCode == 0 ? Task.CompletedTask : throw new InvalidOperationException($"{what} failed: {result}");

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
