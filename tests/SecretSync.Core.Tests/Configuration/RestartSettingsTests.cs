using SecretSync.Core.Configuration;
using SecretSync.Core.Tests.Support;

namespace SecretSync.Core.Tests.Configuration;

public sealed class RestartSettingsTests
{
    [Fact]
    public void Parse_WithoutRestartsSection_AppliesDocumentedDefaults()
    {
        var restarts = Some.Config("cluster: c1").Restarts;

        Assert.Equal(new RestartSettings
        {
            Enabled = true,
            Debounce = TimeSpan.FromSeconds(30),
            MaxConcurrentPerNamespace = 5,
            MaxConcurrentPerCluster = 20,
            RolloutTimeout = TimeSpan.FromMinutes(10),
        }, restarts);
    }

    [Fact]
    public void Parse_EveryRestartSetting_OverridesDefaults()
    {
        var restarts = Some.Config("""
            cluster: c1
            restarts:
              enabled: false
              debounce: 2s
              maxConcurrentPerNamespace: 3
              maxConcurrentPerCluster: 40
              rolloutTimeout: 90s
            """).Restarts;

        Assert.Equal(new RestartSettings
        {
            Enabled = false,
            Debounce = TimeSpan.FromSeconds(2),
            MaxConcurrentPerNamespace = 3,
            MaxConcurrentPerCluster = 40,
            RolloutTimeout = TimeSpan.FromSeconds(90),
        }, restarts);
    }

    [Theory]
    [InlineData("enabled: maybe", "restarts.enabled")]
    [InlineData("debounce: soon", "restarts.debounce")]
    [InlineData("debounce: 0s", "restarts.debounce")]
    [InlineData("maxConcurrentPerNamespace: 0", "restarts.maxConcurrentPerNamespace")]
    [InlineData("maxConcurrentPerCluster: -1", "restarts.maxConcurrentPerCluster")]
    [InlineData("rolloutTimeout: forever", "restarts.rolloutTimeout")]
    [InlineData("maxConcurrent: 5", "restarts.maxConcurrent")]
    public void Parse_InvalidRestartSetting_NamesTheField(string line, string field)
    {
        var error = Assert.Single(Some.Errors($"cluster: c1\nrestarts:\n  {line}\n"));

        Assert.Equal(field, error.Field);
        Assert.Equal(3, error.Location.Line);
    }

    [Fact]
    public void Parse_NamespaceCapAboveClusterCap_IsRejected()
    {
        var error = Assert.Single(Some.Errors("cluster: c1\nrestarts:\n  maxConcurrentPerCluster: 4\n  maxConcurrentPerNamespace: 8\n"));

        Assert.Equal("restarts.maxConcurrentPerNamespace", error.Field);
        Assert.Equal(4, error.Location.Line);
        Assert.Contains("must not exceed maxConcurrentPerCluster (4)", error.Message, StringComparison.Ordinal);
    }
}
