using SecretSync.Core.Model;
using SecretSync.Core.Tests.Support;

namespace SecretSync.Core.Tests.Model;

/// <summary>Property loops over the bundles annotation parser with fixed and seeded hostile values.</summary>
public sealed class BundleAnnotationFuzzTests
{
    [Fact]
    public void ParseBundles_OfAnyValue_NeverThrows_AndOnlyEverRequestsWholeValidTokensOfTheValue()
    {
        var cases = 0;
        foreach (var value in HostileText.AnnotationValues())
        {
            cases++;
            var request = Annotations.ParseBundles(value);
            var tokens = value.Split(',').Select(t => t.Trim()).ToHashSet(StringComparer.Ordinal);

            Assert.All(request.Names, name => Assert.True(IsDns1123Label(name), $"'{name}' requested from {Describe(value)}"));
            Assert.All(request.Names, name => Assert.True(tokens.Contains(name), $"'{name}' is not a whole token of {Describe(value)}"));
            Assert.Equal(request.Names.Count, request.Names.Distinct(StringComparer.Ordinal).Count());
            Assert.InRange(request.Names.Count, 0, Annotations.MaxBundleNames);
        }

        Assert.True(cases > 500, $"only {cases} cases ran");
    }

    [Fact]
    public void ParseBundles_OfAnyValue_ReportsRejectedTokensBoundedAndPrintable()
    {
        foreach (var value in HostileText.AnnotationValues())
        {
            var request = Annotations.ParseBundles(value);

            Assert.InRange(request.Rejected.Count, 0, 16);
            Assert.All(request.Rejected, token =>
            {
                Assert.InRange(token.Length, 1, 65);
                Assert.DoesNotContain(token, c => char.IsControl(c) || char.IsSurrogate(c) || c is '\n' or '\r' or '\t');
            });
            Assert.True(request.HasProblems == (request.Rejected.Count > 0 || request.Truncated), Describe(value));
        }
    }

    [Fact]
    public void ParseBundles_AValueWithAnInvalidToken_AlwaysSaysSo()
    {
        foreach (var value in HostileText.AnnotationValues())
        {
            var request = Annotations.ParseBundles(value);
            var invalid = value.Split(',').Select(t => t.Trim()).Where(t => t.Length > 0 && !IsDns1123Label(t));

            if (invalid.Any() && value.Length <= Annotations.MaxBundlesLength)
            {
                Assert.True(request.HasProblems, $"{Describe(value)} has an invalid token but no problem was reported");
            }
        }
    }

    [Theory]
    [InlineData("payments-db")]
    [InlineData(" payments-db ")]
    [InlineData("payments-db,payments-db,,")]
    [InlineData("\tpayments-db\n")]
    public void ParseBundles_WhitespaceDuplicatesAndTrailingCommas_AreTheOneName(string value)
    {
        var request = Annotations.ParseBundles(value);

        Assert.Equal(["payments-db"], request.Names);
        Assert.False(request.HasProblems);
    }

    [Fact]
    public void ARequestWithProblems_PrintsTheRejectedTokensAndTheCut()
    {
        var request = Annotations.ParseBundles("ok,Bad,other/ns," + string.Join(',', Enumerable.Range(0, 100).Select(i => $"b{i}")));

        Assert.Equal(
            "not bundle names (lowercase DNS-1123 labels): 'Bad', 'other/ns'; longer than 64 names or 8192 characters, the rest ignored",
            request.ToString());
    }

    private static bool IsDns1123Label(string name) =>
        name.Length is > 0 and <= 63
        && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-')
        && name[0] != '-' && name[^1] != '-';

    private static string Describe(string value) =>
        value.Length > 80 ? $"a {value.Length}-character value starting '{value[..40]}'" : $"'{value}'";
}
