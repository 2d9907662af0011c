using SecretSync.Core.Configuration;

namespace SecretSync.Core.Tests.Configuration;

/// <summary>The one duration grammar: what configuration, provider settings and command-line options accept, and how messages write durations.</summary>
public sealed class DurationTests
{
    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("30s", 30_000)]
    [InlineData("5m", 300_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("1.5h", 5_400_000)]
    [InlineData("2m3s4ms", 123_004)]
    [InlineData("7d", 604_800_000)]
    [InlineData("1d12h", 129_600_000)]
    [InlineData("2000us", 2)]
    [InlineData(" 10s ", 10_000)]
    [InlineData("0", 0)]
    [InlineData("0s", 0)]
    public void TryParse_NumbersWithUnits_GiveTheDuration(string text, long milliseconds)
    {
        Assert.True(Duration.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("30")]
    [InlineData("0.25")]
    [InlineData("s")]
    [InlineData("1w")]
    [InlineData("5S")]
    [InlineData("-5s")]
    [InlineData("+5s")]
    [InlineData("5 s")]
    [InlineData("1..5s")]
    [InlineData("soon")]
    [InlineData("99999999999999999h")]
    public void TryParse_AnythingElse_IsRefused(string text) => Assert.False(Duration.TryParse(text, out _));

    [Fact]
    public void TryParse_Null_IsRefused() => Assert.False(Duration.TryParse(null, out _));

    [Theory]
    [InlineData("10", "a number needs a unit, e.g. 10s")]
    [InlineData(" 0.25 ", "a number needs a unit, e.g. 0.25s")]
    [InlineData("soon", "write e.g. 500ms, 30s, 5m, 1h30m or 7d")]
    public void Hint_SaysWhatToWriteInstead(string text, string hint) => Assert.Equal(hint, Duration.Hint(text));

    [Theory]
    [InlineData(0.25, "250ms")]
    [InlineData(1.5, "1.5s")]
    [InlineData(150, "2m30s")]
    [InlineData(3600, "1h")]
    [InlineData(2764800, "768h")]
    [InlineData(3661.4, "1h1m1s")]
    public void Format_ReadsLikeASetting(double seconds, string expected) =>
        Assert.Equal(expected, Duration.Format(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void FormatTtl_WithoutATtl_SaysNoExpiry() =>
        Assert.Equal(("no expiry", "no expiry", "1h"), (Duration.FormatTtl(null), Duration.FormatTtl(TimeSpan.Zero), Duration.FormatTtl(TimeSpan.FromHours(1))));

    [Theory]
    [InlineData("250ms")]
    [InlineData("1.5s")]
    [InlineData("2m30s")]
    [InlineData("1h")]
    [InlineData("1h1m1s")]
    public void Format_RoundTripsThroughTryParse(string text)
    {
        Assert.True(Duration.TryParse(text, out var parsed));
        Assert.Equal(text, Duration.Format(parsed));
    }
}
