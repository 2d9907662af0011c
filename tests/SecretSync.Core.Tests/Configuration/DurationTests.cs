using SecretSync.Core.Configuration;

namespace SecretSync.Core.Tests.Configuration;

public sealed class DurationTests
{
    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("30s", 30_000)]
    [InlineData("5m", 300_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("1.5h", 5_400_000)]
    [InlineData("2m3s4ms", 123_004)]
    [InlineData("0", 0)]
    public void TryParse_GoSyntax_GivesTheDuration(string text, long milliseconds)
    {
        Assert.True(Duration.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("30")]
    [InlineData("s")]
    [InlineData("1d")]
    [InlineData("-5s")]
    [InlineData("5 s")]
    [InlineData("1..5s")]
    [InlineData("99999999999999999h")]
    public void TryParse_Garbage_IsRejected(string text) => Assert.False(Duration.TryParse(text, out _));
}
