using SecretSync.Providers.Common;

namespace SecretSync.Providers.Vault.Tests;

/// <summary>Durations in provider log lines read as a setting would write them.</summary>
public sealed class DurationTextTests
{
    [Theory]
    [InlineData(0.25, "250ms")]
    [InlineData(1.5, "1.5s")]
    [InlineData(150, "2m30s")]
    [InlineData(3600, "1h")]
    [InlineData(2764800, "768h")]
    [InlineData(3661.4, "1h1m1s")]
    public void Format_ReadsLikeASetting(double seconds, string expected) =>
        Assert.Equal(expected, DurationText.Format(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void AToken_WithoutATtl_NeverExpires() =>
        Assert.Equal(("no expiry", "no expiry", "1h"), (DurationText.FormatTtl(null), DurationText.FormatTtl(TimeSpan.Zero), DurationText.FormatTtl(TimeSpan.FromHours(1))));

    [Theory]
    [InlineData("2m30s", 150)]
    [InlineData("1h", 3600)]
    public void Format_RoundTripsThroughTryParse(string text, double seconds)
    {
        Assert.True(DurationText.TryParse(text, DurationText.DefaultLimit.TotalMilliseconds, out var parsed));
        Assert.Equal(TimeSpan.FromSeconds(seconds), parsed);
        Assert.Equal(text, DurationText.Format(parsed));
    }
}
