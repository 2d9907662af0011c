using System.Security.Cryptography;
using SecretSync.Core.Configuration;
using SecretSync.Core.Providers;

namespace SecretSync.Daemon.Hosting;

/// <summary>The daemon's configuration file: loaded at start and re-read whenever its content changes.</summary>
/// <remarks>
/// Content is compared by hash on a short period rather than through file-system notifications, because a
/// ConfigMap volume changes by swapping symlinks, which notifications do not reliably report.
/// </remarks>
/// <param name="path">The file as given by the user.</param>
/// <param name="providers">The registered provider types.</param>
/// <param name="time">The clock of the change checks.</param>
/// <param name="checks">How to treat what the file alone cannot settle; the daemon's <see cref="ConfigChecks.Runtime"/> by default.</param>
public sealed class ConfigFile(string path, ProviderRegistry providers, TimeProvider time, ConfigChecks? checks = null)
{
    /// <summary>How often the file is checked for changes.</summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(2);

    private byte[]? _lastHash;
    private bool _unreadable;

    /// <summary>The file as given by the user.</summary>
    public string Path { get; } = path;

    /// <summary>Reads and validates the file.</summary>
    public ConfigResult Load()
    {
        string text;
        try
        {
            text = File.ReadAllText(Path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Unreadable(ex);
        }

        _lastHash = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text));
        return ConfigLoader.Parse(text, Path, providers, (checks ?? ConfigChecks.Runtime) with { FileExists = File.Exists });
    }

    private ConfigResult.Invalid Unreadable(Exception ex) =>
        new([new ConfigError(new SourceLocation(Path, 1, 1), "", $"cannot read the configuration file: {ex.Message}")]);

    /// <summary>Calls <paramref name="changed"/> with the result of each load after the file's content changes, and once when the file becomes unreadable (deleted).</summary>
    public async Task WatchAsync(Func<ConfigResult, Task> changed, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(CheckInterval, time);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            byte[] hash;
            try
            {
                hash = SHA256.HashData(await File.ReadAllBytesAsync(Path, cancellationToken));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A deleted or unreadable file is reported once per outage, as a rejected configuration: the last good one stays.
                if (!_unreadable)
                {
                    _unreadable = true;
                    await changed(Unreadable(ex));
                }

                continue;
            }

            _unreadable = false;
            if (_lastHash is not null && hash.AsSpan().SequenceEqual(_lastHash))
            {
                continue;
            }

            await changed(Load());
        }
    }
}
