namespace SecretSync.Kubernetes.Client;

/// <summary>Supplies the bearer token: a fixed one, or a file re-read at most every <see cref="RefreshInterval"/> and after a 401.</summary>
/// <remarks>Projected service-account tokens rotate about hourly; client-go re-reads the file every minute and on a 401
/// (kubernetes.md §6), so the token is never cached for the life of the process.</remarks>
internal sealed class BearerTokenSource
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromMinutes(1);

    private readonly Lock _gate = new();
    private readonly string? _file;
    private readonly TimeProvider _time;
    private string? _token;
    private long _readAt;

    public BearerTokenSource(string? token, string? file, TimeProvider time)
    {
        _token = string.IsNullOrWhiteSpace(token) ? null : token.Trim();
        _file = file;
        _time = time;
    }

    public bool IsRefreshable => _file is not null;

    /// <summary>The token to send now; reads the file when it was never read or the last read is a minute old.</summary>
    public string? Current()
    {
        if (_file is null)
        {
            return _token;
        }

        lock (_gate)
        {
            if (_readAt == 0 || _time.GetElapsedTime(_readAt) >= RefreshInterval)
            {
                ReadLocked();
            }

            return _token;
        }
    }

    /// <summary>Re-reads the file after the server rejected <paramref name="rejected"/>; true when the token changed.</summary>
    public bool RefreshAfterUnauthorized(string? rejected)
    {
        if (_file is null)
        {
            return false;
        }

        lock (_gate)
        {
            // Another request may already have picked up the new token.
            if (_token != rejected)
            {
                return true;
            }

            ReadLocked();
            return _token != rejected;
        }
    }

    private void ReadLocked()
    {
        try
        {
            var text = File.ReadAllText(_file!).Trim();
            _token = text.Length > 0 ? text : _token;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The kubelet replaces the file atomically; a failed read keeps the previous token until the next attempt.
            if (_token is null)
            {
                throw new Config.KubernetesConfigException($"Cannot read bearer token file {_file}: {e.Message}", e);
            }
        }

        // A timestamp of exactly zero would read as "never"; nudge it so the next read waits the full interval.
        _readAt = Math.Max(1, _time.GetTimestamp());
    }
}
