namespace SecretSync.Core.Providers;

/// <summary>Why an authority says a source or version does not exist.</summary>
public enum AbsenceKind
{
    /// <summary>The path never existed or its metadata was removed.</summary>
    NotFound,

    /// <summary>The version was deleted (soft-deleted in Vault; recoverable by the authority).</summary>
    Deleted,

    /// <summary>The version was destroyed permanently.</summary>
    Destroyed,

    /// <summary>The secret or version is disabled (GCP, Azure).</summary>
    Disabled,

    /// <summary>The secret is scheduled for deletion (AWS recovery window).</summary>
    ScheduledForDeletion,
}

/// <summary>Positive evidence from the authority that a source (or its newest version) is gone.</summary>
/// <remarks>Only an <see cref="Absence"/> may lead to revoking a Secret; a <see cref="ProviderFailure"/> never does.</remarks>
/// <param name="Kind">What the authority said.</param>
/// <param name="Detail">Human-readable explanation, free of secret values.</param>
/// <param name="NewestLiveVersion">
/// When only the newest version is gone but an older one is still readable, that older version's id;
/// <see langword="null"/> when the whole source is gone.
/// </param>
public sealed record Absence(AbsenceKind Kind, string Detail, string? NewestLiveVersion = null)
{
    /// <summary>True when the whole source is gone, not just its newest version.</summary>
    public bool IsWholeSource => NewestLiveVersion is null;
}
