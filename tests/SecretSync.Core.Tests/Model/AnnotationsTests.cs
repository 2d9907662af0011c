using SecretSync.Core.Model;

namespace SecretSync.Core.Tests.Model;

public sealed class AnnotationsTests
{
    [Fact]
    public void Keys_ShareOnePrefix()
    {
        string[] keys = [Annotations.Bundles, Annotations.Bundle, Annotations.Provider, Annotations.Source, Annotations.SourceVersion,
            Annotations.SourceCreated, Annotations.ContentHash, Annotations.RestartOnRotate];

        Assert.All(keys, key => Assert.StartsWith("secretsync.io/", key, StringComparison.Ordinal));
        Assert.Equal(keys.Length, keys.Distinct().Count());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(",,, ,")]
    public void ParseBundles_EmptyValues_RequestNothing(string? value)
    {
        var request = Annotations.ParseBundles(value);

        Assert.Empty(request.Names);
        Assert.False(request.HasProblems);
    }

    [Fact]
    public void ParseBundles_TrimsDropsEmptiesAndDedupes()
    {
        var request = Annotations.ParseBundles(" a ,b,,a,\tc\n, b ");

        Assert.Equal(["a", "b", "c"], request.Names);
        Assert.False(request.HasProblems);
    }

    [Theory]
    [InlineData("a;b", "a;b")]
    [InlineData("a b", "a b")]
    [InlineData("Payments", "Payments")]
    [InlineData("other-ns/payments-db", "other-ns/payments-db")]
    [InlineData("payments_db", "payments_db")]
    [InlineData("-x", "-x")]
    [InlineData("pаyments", "pаyments")] // Cyrillic 'а' that looks Latin
    [InlineData("a\u0000b", "a?b")]
    [InlineData("a\u202Eb", "a\u202Eb")]
    public void ParseBundles_InvalidToken_IsRejectedAndReportedPrintably(string value, string reported)
    {
        var request = Annotations.ParseBundles($"ok,{value}");

        Assert.Equal(["ok"], request.Names);
        Assert.Equal([reported], request.Rejected);
    }

    [Fact]
    public void ParseBundles_LongToken_IsReportedShortened()
    {
        var request = Annotations.ParseBundles(new string('x', 5000));

        Assert.Empty(request.Names);
        Assert.Equal(65, Assert.Single(request.Rejected).Length);
    }

    [Fact]
    public void ParseBundles_TooManyNames_KeepsTheFirst64AndSaysSo()
    {
        var request = Annotations.ParseBundles(string.Join(',', Enumerable.Range(0, 100).Select(i => $"b{i}")));

        Assert.Equal(Annotations.MaxBundleNames, request.Names.Count);
        Assert.Equal("b63", request.Names[^1]);
        Assert.True(request.Truncated);
    }

    [Fact]
    public void ParseBundles_HugeValue_NeverSplitsANameAtTheCap()
    {
        // 8 KiB cut lands inside "payments-db"; a half name such as "payments" must not be requested.
        var padding = new string(' ', Annotations.MaxBundlesLength - 5);
        var request = Annotations.ParseBundles($"{padding},payments-db");

        Assert.Empty(request.Names);
        Assert.True(request.Truncated);
    }

    [Fact]
    public void ParseBundles_ManyRejectedTokens_ReportsABoundedList()
    {
        var request = Annotations.ParseBundles(string.Join(',', Enumerable.Repeat("BAD", 2000).Select((t, i) => t + i)));

        Assert.True(request.Rejected.Count <= 16);
    }

    [Fact]
    public void IsManaged_RequiresTheExactLabelValue()
    {
        Assert.True(Annotations.IsManaged(new Dictionary<string, string> { ["app.kubernetes.io/managed-by"] = "secretsync" }));
        Assert.False(Annotations.IsManaged(new Dictionary<string, string> { ["app.kubernetes.io/managed-by"] = "helm" }));
        Assert.False(Annotations.IsManaged(new Dictionary<string, string>()));
    }
}
