namespace SecretSync.Core.Providers;

/// <summary>The answer to reading one source: its data, confirmed absence, or a failure.</summary>
public abstract record ReadResult
{
    private ReadResult()
    {
    }

    /// <summary>The source exists; here is the data of the requested version.</summary>
    public sealed record Found(SecretPayload Payload) : ReadResult;

    /// <summary>The authority positively says the source or version is gone.</summary>
    public sealed record Absent(Absence Absence) : ReadResult;

    /// <summary>The call failed; nothing is known about the source.</summary>
    public sealed record Failed(ProviderFailure Failure) : ReadResult;
}

/// <summary>The answer to a cheap version check of one source.</summary>
public abstract record VersionResult
{
    private VersionResult()
    {
    }

    /// <summary>The source's current (newest live) version.</summary>
    public sealed record Current(SourceVersion Version) : VersionResult;

    /// <summary>The authority positively says the source or its newest version is gone.</summary>
    public sealed record Absent(Absence Absence) : VersionResult;

    /// <summary>The check failed; nothing is known about the source.</summary>
    public sealed record Failed(ProviderFailure Failure) : VersionResult;
}

/// <summary>The answer to a check-and-set write of a new version.</summary>
public abstract record WriteResult
{
    private WriteResult()
    {
    }

    /// <summary>The new version was written.</summary>
    public sealed record Written(SourceVersion Version) : WriteResult;

    /// <summary>The source moved on since the expected version; nothing was written.</summary>
    public sealed record VersionMismatch(string? CurrentVersion) : WriteResult;

    /// <summary>The write failed; nothing is known to have been written.</summary>
    public sealed record Failed(ProviderFailure Failure) : WriteResult;
}
