using SecretSync.Daemon.Restarts;

namespace SecretSync.Daemon.Tests.Restarts;

public sealed class RestartDigestTests
{
    private static readonly Dictionary<string, string> Before = new() { ["user"] = "u1", ["password"] = "p1", ["host"] = "h1" };

    [Fact]
    public void ForSecret_ChangesOnlyWhenAUsedKeyChanges()
    {
        var passwordOnly = new SecretUse(false, new HashSet<string> { "password" });
        var digest = RestartDigest.ForSecret(passwordOnly, Before);

        Assert.Equal(digest, RestartDigest.ForSecret(passwordOnly, new Dictionary<string, string>(Before) { ["user"] = "u2" }));
        Assert.NotEqual(digest, RestartDigest.ForSecret(passwordOnly, new Dictionary<string, string>(Before) { ["password"] = "p2" }));
        Assert.Matches("^[0-9a-f]{16}$", digest!);
    }

    [Fact]
    public void ForSecret_OfEveryKey_ChangesWhenAnyKeyChanges_AndIsNullWhenNoUsedKeyExists()
    {
        Assert.NotEqual(RestartDigest.ForSecret(SecretUse.Everything, Before),
            RestartDigest.ForSecret(SecretUse.Everything, new Dictionary<string, string>(Before) { ["host"] = "h2" }));
        Assert.Null(RestartDigest.ForSecret(new SecretUse(false, new HashSet<string> { "missing" }), Before));
    }

    [Fact]
    public void FormatAndParse_RoundTrip_SortedBySecret()
    {
        var value = RestartDigest.Format(new Dictionary<string, string> { ["db"] = "1a2b", ["api"] = "3c4d" });

        Assert.Equal("api=3c4d,db=1a2b", value);
        Assert.Equal(new Dictionary<string, string> { ["api"] = "3c4d", ["db"] = "1a2b" }, RestartDigest.Parse(value));
        Assert.Empty(RestartDigest.Parse(null));
        Assert.Empty(RestartDigest.Parse("=x,y=,,"));
    }
}
