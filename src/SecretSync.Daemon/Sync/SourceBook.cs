using System.Collections.Concurrent;
using SecretSync.Core.Model;
using SecretSync.Core.Providers;
using SecretSync.Core.Revocation;

namespace SecretSync.Daemon.Sync;

/// <summary>What the daemon knows of one source between cycles: versions and decisions, never values.</summary>
internal sealed record SourceState(VersionResult? Last, RevocationDecision? Decision, int VerifiedGeneration, DateTimeOffset? Checked)
{
    public static SourceState Unknown { get; } = new(null, null, -1, null);

    public string? CurrentVersion => Last is VersionResult.Current current ? current.Version.Id : null;
}

/// <summary>Per source, the last version check and revocation decision; kept across leadership terms.</summary>
internal sealed class SourceBook
{
    private readonly ConcurrentDictionary<SourceRef, SourceState> _sources = new();

    public SourceState this[SourceRef source]
    {
        get => _sources.GetValueOrDefault(source) ?? SourceState.Unknown;
        set => _sources[source] = value;
    }

    public string? CurrentVersion(SourceRef source) => _sources.GetValueOrDefault(source)?.CurrentVersion;

    /// <summary>Forgets the known version of a source that changed, so the next reconcile reads it.</summary>
    public void Invalidate(SourceRef source) => _sources.AddOrUpdate(source, SourceState.Unknown, (_, state) => state with { Last = null });

    /// <summary>The sources the authority says are gone, with the decision that says so.</summary>
    public IEnumerable<(SourceRef Source, RevocationDecision Decision)> Revoked() =>
        _sources.Where(s => s.Value.Decision is { Action: RevocationAction.Revoke }).Select(s => (s.Key, s.Value.Decision!));
}

/// <summary>Per provider: whether it answers, and whether its change stream is live so scheduled polls can rest.</summary>
internal sealed class ProviderHealth
{
    /// <summary>While a change stream is live, only every this many scheduled polls runs: a safety net for a missed event.</summary>
    public const int PollsRestedWhilePushLive = 10;

    private readonly ConcurrentDictionary<string, bool> _up = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _pushLive = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _restedPolls = new(StringComparer.Ordinal);

    /// <summary>Whether <paramref name="provider"/>'s last version check (or read) succeeded; false before its first.</summary>
    public bool IsUp(string provider) => _up.GetValueOrDefault(provider);

    public void SetUp(string provider, bool up) => _up[provider] = up;

    /// <summary>True while a provider's change stream is connected, so its scheduled polls can rest.</summary>
    public bool IsPushLive(string provider) => _pushLive.GetValueOrDefault(provider);

    public void SetPushLive(string provider, bool live) => _pushLive[provider] = live;

    /// <summary>Decides whether a scheduled poll of <paramref name="provider"/> runs now.</summary>
    /// <remarks>Every poll runs while the provider cannot push; while it can, one in <see cref="PollsRestedWhilePushLive"/>.</remarks>
    public bool ShouldPoll(string provider)
    {
        if (!IsPushLive(provider))
        {
            _restedPolls[provider] = 0;
            return true;
        }

        if (_restedPolls.AddOrUpdate(provider, 1, (_, rested) => rested + 1) < PollsRestedWhilePushLive)
        {
            return false;
        }

        _restedPolls[provider] = 0;
        return true;
    }
}
