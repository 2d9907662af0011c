using SecretSync.Core.Configuration;
using SecretSync.Core.Model;
using SecretSync.Core.Providers;

namespace SecretSync.Core.Revocation;

/// <summary>What happens to the targets of one source after a cycle's version check.</summary>
public enum RevocationAction
{
    /// <summary>The source is present: sync as usual.</summary>
    Sync,

    /// <summary>The check failed: keep the last good Secrets and retry; never evidence of absence.</summary>
    KeepLastGood,

    /// <summary>Only the newest version is gone: sync the newest live version instead.</summary>
    FallBack,

    /// <summary>The source is gone and policy says delete: revoke its targets, through the <see cref="DeleteGuard"/>.</summary>
    Revoke,

    /// <summary>The source is gone and policy says retain: keep the targets with their last value.</summary>
    Retain,
}

/// <summary>The decision for one source.</summary>
/// <param name="Source">The source.</param>
/// <param name="Action">What to do with its targets.</param>
/// <param name="Reason">Why, for audit events; free of values.</param>
/// <param name="Version">For <see cref="RevocationAction.FallBack"/>, the version to read.</param>
public sealed record RevocationDecision(SourceRef Source, RevocationAction Action, string Reason, string? Version = null);

/// <summary>Decides revocations on evidence only, honouring <c>onSourceDeleted</c> and <c>onVersionDeleted</c>.</summary>
/// <remarks>Whether a revocation runs now is the <see cref="DeleteGuard"/>'s decision, taken with every other deletion.</remarks>
public static class RevocationPolicy
{
    /// <summary>Decides what happens to each source's targets after a cycle.</summary>
    /// <param name="settings">The sync settings with the policies and brake thresholds.</param>
    /// <param name="outcomes">The version check (or read) outcome of every distinct source this cycle.</param>
    /// <returns>One decision per source, in source order.</returns>
    public static IReadOnlyList<RevocationDecision> Decide(SyncSettings settings, IReadOnlyDictionary<SourceRef, VersionResult> outcomes)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(outcomes);

        return [.. outcomes.OrderBy(o => o.Key.ToString(), StringComparer.Ordinal).Select(o => Decide(settings, o.Key, o.Value))];
    }

    /// <summary>The version-check view of a read: data read means present.</summary>
    public static VersionResult ToVersionResult(ReadResult result) => result switch
    {
        ReadResult.Found found => new VersionResult.Current(found.Payload.Version),
        ReadResult.Absent absent => new VersionResult.Absent(absent.Absence),
        ReadResult.Failed failed => new VersionResult.Failed(failed.Failure),
        _ => throw new ArgumentOutOfRangeException(nameof(result)),
    };

    // Whole source gone, or newest version gone under onVersionDeleted: revoke.
    private static bool IsGone(SyncSettings settings, VersionResult result) =>
        result is VersionResult.Absent { Absence: var absence }
        && (absence.IsWholeSource || settings.OnVersionDeleted == VersionDeletedPolicy.Revoke);

    private static RevocationDecision Decide(SyncSettings settings, SourceRef source, VersionResult result)
    {
        switch (result)
        {
            case VersionResult.Current current:
                return new RevocationDecision(source, RevocationAction.Sync, $"version {current.Version} is current");
            case VersionResult.Failed failed:
                return new RevocationDecision(source, RevocationAction.KeepLastGood, $"check failed ({failed.Failure}); keeping the last good Secrets");
            case VersionResult.Absent { Absence: var absence } when !IsGone(settings, result):
                return new RevocationDecision(source, RevocationAction.FallBack,
                    $"newest version {absence.Kind.ToString().ToLowerInvariant()}; falling back to version {absence.NewestLiveVersion}", absence.NewestLiveVersion);
            case VersionResult.Absent { Absence: var absence }:
                var what = absence.IsWholeSource ? "source" : "newest version";
                var evidence = $"{what} {absence.Kind.ToString().ToLowerInvariant()}: {absence.Detail}";
                if (settings.OnSourceDeleted == SourceDeletedPolicy.Retain)
                {
                    return new RevocationDecision(source, RevocationAction.Retain, $"{evidence}; retained by onSourceDeleted: retain");
                }

                return new RevocationDecision(source, RevocationAction.Revoke, evidence);
            default:
                throw new ArgumentOutOfRangeException(nameof(result));
        }
    }
}
