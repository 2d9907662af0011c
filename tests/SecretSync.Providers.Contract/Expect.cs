using SecretSync.Core.Providers;

namespace SecretSync.Providers.Contract;

/// <summary>Assertions on typed results that print the actual result when the type is wrong.</summary>
public static class Expect
{
    public static SecretPayload Found(ReadResult result)
    {
        Assert.True(result is ReadResult.Found, $"Expected Found but got {result}");
        return ((ReadResult.Found)result).Payload;
    }

    public static ProviderFailure Failed(ReadResult result, FailureKind kind)
    {
        Assert.True(result is ReadResult.Failed { Failure.Kind: var actual } && actual == kind, $"Expected {kind} but got {result}");
        return ((ReadResult.Failed)result).Failure;
    }

    public static ProviderFailure Failed(VersionResult result, FailureKind kind)
    {
        Assert.True(result is VersionResult.Failed { Failure.Kind: var actual } && actual == kind, $"Expected {kind} but got {result}");
        return ((VersionResult.Failed)result).Failure;
    }

    public static Absence Absent(ReadResult result)
    {
        Assert.True(result is ReadResult.Absent, $"Expected Absent but got {result}");
        return ((ReadResult.Absent)result).Absence;
    }

    public static Absence Absent(ReadResult result, AbsenceKind kind)
    {
        Assert.True(result is ReadResult.Absent { Absence.Kind: var actual } && actual == kind, $"Expected Absent({kind}) but got {result}");
        return ((ReadResult.Absent)result).Absence;
    }

    public static Absence Absent(VersionResult result, AbsenceKind kind)
    {
        Assert.True(result is VersionResult.Absent { Absence.Kind: var actual } && actual == kind, $"Expected Absent({kind}) but got {result}");
        return ((VersionResult.Absent)result).Absence;
    }

    public static SourceVersion Current(VersionResult result)
    {
        Assert.True(result is VersionResult.Current, $"Expected Current but got {result}");
        return ((VersionResult.Current)result).Version;
    }

    public static string Text(SecretPayload payload, string key) => System.Text.Encoding.UTF8.GetString(payload.Values[key]);
}
