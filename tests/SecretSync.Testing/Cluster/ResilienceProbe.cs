using System.Collections.Concurrent;
using System.Text.Json;

namespace SecretSync.Testing.Cluster;

/// <summary>Polls a running daemon's endpoints the way a kubelet and Prometheus would, and records what they answered.</summary>
public sealed class ResilienceProbe : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly ConcurrentQueue<string> _notReady = new();
    private readonly CancellationTokenSource _stop = new();
    private Task? _readiness;
    private int _readinessChecks;

    public ResilienceProbe(DaemonProcess daemon)
    {
        ArgumentNullException.ThrowIfNull(daemon);
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{daemon.Port}/"), Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>How many readiness checks answered so far.</summary>
    public int ReadinessChecks => Volatile.Read(ref _readinessChecks);

    /// <summary>Every readiness answer other than 200, with its body.</summary>
    public IReadOnlyList<string> NotReadyAnswers => [.. _notReady];

    /// <summary>Starts checking <c>/readyz</c> every <paramref name="period"/> in the background, as a readiness probe does.</summary>
    public void WatchReadiness(TimeSpan period) => _readiness = Task.Run(async () =>
    {
        while (!_stop.IsCancellationRequested)
        {
            var (status, body) = await GetAsync("readyz");
            Interlocked.Increment(ref _readinessChecks);
            if (status != 200)
            {
                _notReady.Enqueue($"{status}: {body.Trim()}");
            }

            try
            {
                await Task.Delay(period, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    });

    /// <summary>GETs a path; a connection failure is reported as status 0.</summary>
    public async Task<(int Status, string Body)> GetAsync(string path)
    {
        try
        {
            using var response = await _http.GetAsync(new Uri(path, UriKind.Relative));
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return (0, ex.Message);
        }
    }

    /// <summary>The <c>leader</c> field of <c>/status</c>, or null when the daemon does not answer.</summary>
    public async Task<bool?> IsLeaderAsync()
    {
        var (status, body) = await GetAsync("status");
        if (status != 200)
        {
            return null;
        }

        using var document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("leader").GetBoolean();
    }

    /// <summary>Scrapes <c>/metrics</c> and parses it, failing on anything that is not valid Prometheus text.</summary>
    public async Task<ResiliencePrometheus> ScrapeAsync()
    {
        var (status, body) = await GetAsync("metrics");
        return status == 200 ? ResiliencePrometheus.Parse(body) : throw new InvalidOperationException($"/metrics answered {status}: {body}");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_readiness is not null)
        {
            await _readiness;
        }

        _stop.Dispose();
        _http.Dispose();
    }
}
