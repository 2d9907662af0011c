using SecretSync.Core.Configuration;
using SecretSync.Core.Providers;
using SecretSync.Providers.Contract;

namespace SecretSync.Providers.Common.Tests;

/// <summary>How every provider reads its settings: one error per problem, naming the key, never echoing a credential.</summary>
public sealed class SettingsReaderTests
{
    private readonly List<SettingError> _errors = [];

    public enum Mode
    {
        Auto,
        AppRole,
    }

    /// <summary>Strings the duration grammar accepts and refuses, as users write them.</summary>
    public static TheoryData<string> DurationTexts() =>
        ["10s", "500ms", "1m30s", "1.5h", "7d", "0", "0s", "10", "0.25", "soon", "5 s", "-1s", "1w", "10S"];

    [Theory]
    [MemberData(nameof(DurationTexts))]
    public void ReadDuration_AcceptsExactlyWhatTheCoreGrammarAccepts(string text)
    {
        var read = SettingsReader.ReadDuration(Of(("delay", text)), "delay", TimeSpan.FromHours(9), TimeSpan.Zero, TimeSpan.FromDays(30), _errors);

        Assert.Equal(Duration.TryParse(text, out var expected), _errors.Count == 0);
        Assert.Equal(_errors.Count == 0 ? expected : TimeSpan.FromHours(9), read);
    }

    [Fact]
    public void ReadDuration_ABareNumber_SaysWhichUnitToAdd()
    {
        SettingsReader.ReadDuration(Of(("retry.delay", "10")), "retry.delay", TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromMinutes(1), _errors);

        var error = Assert.Single(_errors);
        Assert.Equal("retry.delay", error.Key);
        Assert.Equal("retry.delay '10' is not a duration; a number needs a unit, e.g. 10s.", error.Message);
    }

    [Fact]
    public void ReadTimeout_OutOfRange_StatesTheRange()
    {
        var read = SettingsReader.ReadTimeout(Of(("timeout", "1d")), "timeout", TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5), _errors);

        Assert.Equal(TimeSpan.FromSeconds(10), read);
        Assert.Equal("timeout '1d' must be more than 0 and at most 5 minutes.", Assert.Single(_errors).Message);
    }

    [Fact]
    public void ReadTimeout_Missing_IsTheFallback_AndBlankIsAnError()
    {
        Assert.Equal(TimeSpan.FromSeconds(10), SettingsReader.ReadTimeout(Of(), "timeout", TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5), _errors));
        Assert.Empty(_errors);

        SettingsReader.ReadTimeout(Of(("timeout", " ")), "timeout", TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5), _errors);
        Assert.Contains("is empty", Assert.Single(_errors).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("10", 10)]
    [InlineData(" 4 ", 4)]
    public void ReadMaxRetries_AcceptsZeroToTen(string text, int expected)
    {
        Assert.Equal(expected, SettingsReader.ReadMaxRetries(Of(("retry.maxRetries", text)), "retry.maxRetries", 2, _errors));
        Assert.Empty(_errors);
    }

    [Theory]
    [InlineData("11")]
    [InlineData("-1")]
    [InlineData("two")]
    [InlineData("1.5")]
    public void ReadMaxRetries_RefusesAnythingElse_AndKeepsTheDefault(string text)
    {
        Assert.Equal(2, SettingsReader.ReadMaxRetries(Of(("retry.maxRetries", text)), "retry.maxRetries", 2, _errors));
        Assert.Equal($"retry.maxRetries '{text}' must be a whole number from 0 to 10.", Assert.Single(_errors).Message);
    }

    [Theory]
    [InlineData("approle", Mode.AppRole)]
    [InlineData("AppRole", Mode.AppRole)]
    [InlineData("AUTO", Mode.Auto)]
    [InlineData("smart", Mode.Auto)]
    public void ReadChoice_TakesNamesInAnyCase_AndAliases(string text, Mode expected)
    {
        var aliases = new Dictionary<string, Mode>(StringComparer.OrdinalIgnoreCase) { ["smart"] = Mode.Auto };

        Assert.Equal(expected, SettingsReader.ReadChoice(Of(("mode", text)), "mode", Mode.AppRole, "auto or approle", _errors, aliases));
        Assert.Empty(_errors);
    }

    [Fact]
    public void ReadChoice_Missing_IsTheFallback() =>
        Assert.Equal(Mode.AppRole, SettingsReader.ReadChoice(Of(), "mode", Mode.AppRole, "auto or approle", _errors));

    [Theory]
    [InlineData("1")]
    [InlineData("auto,approle")]
    [InlineData("manual")]
    public void ReadChoice_RefusesNumbersListsAndOtherWords_ListingTheChoices(string text)
    {
        Assert.Null(SettingsReader.ReadChoice(Of(("mode", text)), "mode", Mode.Auto, "auto or approle", _errors));
        Assert.Equal($"mode '{text}' is not supported; use auto or approle.", Assert.Single(_errors).Message);
    }

    [Fact]
    public void ReadBaseUrl_Https_GetsATrailingSlash()
    {
        var url = SettingsReader.ReadBaseUrl("https://vault.internal:8200/proxy", "address", "https://vault:8200", "use auth.", _errors);

        Assert.Equal(new Uri("https://vault.internal:8200/proxy/"), url);
        Assert.Empty(_errors);
    }

    [Fact]
    public void ReadBaseUrl_PlainHttp_IsRefusedUnlessLoopback()
    {
        Assert.Null(SettingsReader.ReadBaseUrl("http://vault.internal:8200", "address", "https://vault:8200", "use auth.", _errors));
        var error = Assert.Single(_errors);
        Assert.True(error.IsError);
        Assert.Contains("use https://", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8200")]
    [InlineData("http://localhost:8200")]
    [InlineData("http://[::1]:8200")]
    public void ReadBaseUrl_PlainHttpToLoopback_IsAcceptedWithAWarning(string text)
    {
        Assert.NotNull(SettingsReader.ReadBaseUrl(text, "address", "https://vault:8200", "use auth.", _errors));
        Assert.Equal(SettingSeverity.Warning, Assert.Single(_errors).Severity);
    }

    [Fact]
    public void ReadBaseUrl_UserInfo_IsRefusedWithoutEchoingIt()
    {
        Assert.Null(SettingsReader.ReadBaseUrl("https://admin:hunter2-secret@vault:8200", "address", "https://vault:8200", "use auth.token.", _errors));

        var error = Assert.Single(_errors);
        Assert.DoesNotContain("hunter2-secret", error.Message, StringComparison.Ordinal);
        Assert.Contains("use auth.token.", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://vault:8200/?token=abc")]
    [InlineData("https://vault:8200/#frag")]
    public void ReadBaseUrl_QueryOrFragment_IsRefused(string text)
    {
        Assert.Null(SettingsReader.ReadBaseUrl(text, "address", "https://vault:8200", "use auth.", _errors));
        Assert.DoesNotContain("abc", Assert.Single(_errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CheckKeys_AKeyInTheWrongCase_GetsADidYouMean()
    {
        SettingsReader.CheckKeys(Of(("Timeout", "10s"), ("type", "test")), "test", ["timeout", "address"], _errors);

        Assert.Equal("Unknown test setting 'Timeout'; did you mean 'timeout'? Keys are case-sensitive.", Assert.Single(_errors).Message);
    }

    [Fact]
    public void CheckKeys_AnUnknownKey_ListsTheKnownOnes()
    {
        SettingsReader.CheckKeys(Of(("bogus", "1")), "test", ["timeout", "address"], _errors);

        Assert.Equal("Unknown test setting 'bogus'. Known settings: timeout, address.", Assert.Single(_errors).Message);
    }

    [Fact]
    public void Required_Blank_IsReportedWithWhatItHolds()
    {
        Assert.Null(SettingsReader.Required(Of(("region", "  ")), "region", "the AWS region, e.g. eu-west-1.", _errors));

        Assert.Equal("region is required: the AWS region, e.g. eu-west-1.", Assert.Single(_errors).Message);
    }

    private static ProviderSettings Of(params (string Key, string Value)[] values) => TestSettings.Of("test", "p", values);
}
