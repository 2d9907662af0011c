using System.Text;
using System.Text.Json;
using SecretSync.Core.Providers;
using SecretSync.Providers.Common;

namespace SecretSync.Providers.Vault.Tests;

public sealed class VaultJsonTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Values_MapStringsToUtf8_AndOtherJsonToCompactText()
    {
        using var doc = JsonDocument.Parse("""
            { "user": "app", "unicode": "h\u00e9llo", "port": 5432, "ratio": 1.50, "on": true, "none": null,
              "nested": { "a" : [1, 2 ,  "x"] } }
            """);

        var values = JsonValues.ObjectValues(doc.RootElement);

        Assert.Equal("app", Encoding.UTF8.GetString(values["user"]));
        Assert.Equal("héllo"u8.ToArray(), values["unicode"]);
        Assert.Equal("5432", Encoding.UTF8.GetString(values["port"]));
        Assert.Equal("1.50", Encoding.UTF8.GetString(values["ratio"]));
        Assert.Equal("true", Encoding.UTF8.GetString(values["on"]));
        Assert.Equal("null", Encoding.UTF8.GetString(values["none"]));
        Assert.Equal("""{"a":[1,2,"x"]}""", Encoding.UTF8.GetString(values["nested"]));
    }

    [Theory]
    [InlineData("2018-03-22T02:24:06.945319214Z", 2018, 3, 22, 2, 24, 6, 9453192)]
    [InlineData("2018-03-22T02:24:06Z", 2018, 3, 22, 2, 24, 6, 0)]
    [InlineData("2023-09-12T15:19:49.394915-07:00", 2023, 9, 12, 22, 19, 49, 3949150)]
    public void Time_ParsesVaultsNanosecondTimestamps(string text, int y, int mo, int d, int h, int mi, int s, long fractionTicks)
    {
        var time = JsonValues.Time(text);

        Assert.Equal(new DateTimeOffset(y, mo, d, h, mi, s, TimeSpan.Zero).AddTicks(fractionTicks), time);
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("yesterday")]
    public void Time_OfEmptyOrBadText_IsNull(string? text) => Assert.Null(JsonValues.Time(text));

    [Fact]
    public void NewestLiveVersion_SkipsDeletedAndDestroyed_ButNotFutureDeletions()
    {
        // vault.md §2 metadata response: versions keyed by number as a string.
        using var doc = JsonDocument.Parse("""
            { "current_version": 5, "versions": {
                "1": { "created_time": "2025-01-01T00:00:00Z", "deletion_time": "", "destroyed": false },
                "2": { "created_time": "2025-01-02T00:00:00Z", "deletion_time": "2099-01-01T00:00:00Z", "destroyed": false },
                "3": { "created_time": "2025-01-03T00:00:00Z", "deletion_time": "", "destroyed": true },
                "4": { "created_time": "2025-01-04T00:00:00Z", "deletion_time": "2025-06-01T00:00:00.123456789Z", "destroyed": false },
                "10": { "created_time": "2025-01-05T00:00:00Z", "deletion_time": "2025-06-01T00:00:00Z", "destroyed": false } } }
            """);

        Assert.Equal("2", VaultJson.NewestLiveVersion(doc.RootElement, Now));
    }

    [Fact]
    public void NewestLiveVersion_IsNull_WhenEveryVersionIsGone()
    {
        using var doc = JsonDocument.Parse("""
            { "versions": { "1": { "deletion_time": "2025-01-01T00:00:00Z", "destroyed": false }, "2": { "deletion_time": "", "destroyed": true } } }
            """);

        Assert.Null(VaultJson.NewestLiveVersion(doc.RootElement, Now));
    }

    [Fact]
    public void VersionState_TellsDeletedFromDestroyed()
    {
        using var deleted = JsonDocument.Parse("""{ "deletion_time": "2025-01-01T00:00:00Z", "destroyed": false }""");
        using var destroyed = JsonDocument.Parse("""{ "deletion_time": "2025-01-01T00:00:00Z", "destroyed": true }""");
        using var live = JsonDocument.Parse("""{ "deletion_time": "", "destroyed": false }""");

        Assert.Equal(AbsenceKind.Deleted, VaultJson.VersionState(deleted.RootElement, Now));
        Assert.Equal(AbsenceKind.Destroyed, VaultJson.VersionState(destroyed.RootElement, Now));
        Assert.Null(VaultJson.VersionState(live.RootElement, Now));
    }

    [Fact]
    public void ErrorText_JoinsVaultErrors()
    {
        Assert.Equal("permission denied", VaultJson.ErrorText("""{"errors":["permission denied"]}"""u8.ToArray()));
        Assert.Equal("", VaultJson.ErrorText("""{"errors":[]}"""u8.ToArray()));
        Assert.Equal("", VaultJson.ErrorText("<html>"u8.ToArray()));
    }

    [Theory]
    [InlineData(503, FailureKind.Unavailable)]
    [InlineData(500, FailureKind.Unavailable)]
    [InlineData(502, FailureKind.Unavailable)]
    [InlineData(412, FailureKind.Unavailable)]
    [InlineData(429, FailureKind.Throttled)]
    [InlineData(403, FailureKind.Forbidden)]
    [InlineData(401, FailureKind.Unauthenticated)]
    [InlineData(400, FailureKind.Rejected)]
    [InlineData(302, FailureKind.InvalidResponse)]
    public void StatusCodes_MapToFailureKinds(int status, FailureKind kind)
    {
        var failure = VaultOutcomes.FailureOf(new ProviderReply(status, """{"errors":["x"]}"""u8.ToArray(), TimeSpan.FromSeconds(3)), "read");

        Assert.Equal(kind, failure.Kind);
        if (status == 429)
        {
            Assert.Equal(TimeSpan.FromSeconds(3), failure.RetryAfter);
        }
    }

    [Theory]
    [InlineData("a/b", "a/b")]
    [InlineData("/team a/db/", "team%20a/db")]
    [InlineData("x?y#z", "x%3Fy%23z")]
    public void Paths_AreEscapedPerSegment(string path, string expected)
    {
        Assert.True(VaultPaths.TryEscape(path, out var escaped, out _));
        Assert.Equal(expected, escaped);
    }

    [Theory]
    [InlineData("")]
    [InlineData("/")]
    [InlineData("a//b")]
    [InlineData("a/../b")]
    [InlineData("./a")]
    public void BadPaths_AreRefused(string path) => Assert.False(VaultPaths.TryEscape(path, out _, out _));
}
