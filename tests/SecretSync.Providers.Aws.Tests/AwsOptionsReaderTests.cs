using SecretSync.Core.Providers;
using SecretSync.Providers.Contract;

namespace SecretSync.Providers.Aws.Tests;

public sealed class AwsOptionsReaderTests
{
    private readonly AwsProvider _provider = new(TimeProvider.System);

    [Fact]
    public void RegionAlone_UsesTheDefaultChain_AndTheRegionalEndpoint()
    {
        var errors = new List<SettingError>();
        var options = AwsOptionsReader.Read(Settings.Of(("region", "eu-west-1")), errors);

        Assert.Empty(errors.ErrorsOnly());
        Assert.Equal(new Uri("https://secretsmanager.eu-west-1.amazonaws.com/"), options!.Endpoint);
        Assert.Null(options.AccessKeyId);
        Assert.Equal(TimeSpan.FromSeconds(10), options.Timeout);
        Assert.Equal(new Uri("https://secretsmanager.cn-north-1.amazonaws.com.cn/"), AwsOptions.DefaultEndpoint("cn-north-1"));
    }

    [Fact]
    public void AllSettings_AreRead()
    {
        var errors = new List<SettingError>();
        var options = AwsOptionsReader.Read(Settings.Of(("region", "us-east-1"), ("endpoint", "https://vpce.example:8443"), ("timeout", "1m30s"),
            ("auth.accessKeyId", "AKIAEXAMPLE123"), ("auth.secretAccessKeyFile", "/var/run/aws/secret"), ("tls.caFile", "/etc/ca.pem")), errors);

        Assert.Empty(errors.ErrorsOnly());
        Assert.Equal(new Uri("https://vpce.example:8443/"), options!.Endpoint);
        Assert.Equal(TimeSpan.FromSeconds(90), options.Timeout);
        Assert.Equal("/var/run/aws/secret", options.SecretAccessKeyFile);
        Assert.DoesNotContain("secret", options.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("region", null, "region", "region is required")]
    [InlineData("region", "Europe", "region", "not an AWS region name")]
    [InlineData("endpoint", "ftp://x", "endpoint", "absolute http:// or https://")]
    [InlineData("endpoint", "https://user:pw@x", "endpoint", "must not contain user info")]
    [InlineData("timeout", "soon", "timeout", "not a duration")]
    [InlineData("timeout", "10m", "timeout", "at most 5 minutes")]
    [InlineData("auth.accessKeyId", "AKIAEXAMPLE123", "auth.secretAccessKeyFile", "needs auth.secretAccessKeyFile")]
    [InlineData("auth.secretAccessKeyFile", "/f", "auth.accessKeyId", "needs auth.accessKeyId")]
    [InlineData("Region", "us-east-1", "Region", "did you mean 'region'")]
    [InlineData("auth.secretAccessKey", "wJalr-literal", "auth.secretAccessKey", "do not belong in the configuration")]
    public void BadSettings_GetOneClearErrorPerKey(string key, string? value, string errorKey, string message)
    {
        var values = new List<(string, string)> { ("region", "us-east-1") };
        values.RemoveAll(v => v.Item1 == key);
        if (value is not null)
        {
            values.Add((key, value));
        }

        if (key == "region" && value is null)
        {
            values.Clear();
        }

        var errors = _provider.Validate(Settings.Of([.. values])).ErrorsOnly();

        var error = Assert.Single(errors, e => e.Key == errorKey);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wJalr-literal", string.Join(" ", errors.Select(e => e.Message)), StringComparison.Ordinal);
    }

    [Fact]
    public void TlsCaFile_NeedsAnHttpsEndpoint()
    {
        var errors = _provider.Validate(Settings.Of(("region", "us-east-1"), ("endpoint", "http://127.0.0.1:4566"), ("tls.caFile", "/ca.pem"))).ErrorsOnly();

        Assert.Contains(errors, e => e.Key == "tls.caFile" && e.Message.Contains("https://", StringComparison.Ordinal));
    }

    [Fact]
    public void Connect_WithInvalidSettings_Throws()
    {
        Assert.Throws<ArgumentException>(() => _provider.Connect(Settings.Of(("endpoint", "http://x"))));
    }
}
