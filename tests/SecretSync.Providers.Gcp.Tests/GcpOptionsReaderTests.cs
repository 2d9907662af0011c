using SecretSync.Core.Providers;
using SecretSync.Providers.Contract;

namespace SecretSync.Providers.Gcp.Tests;

public sealed class GcpOptionsReaderTests
{
    private static (GcpOptions? Options, List<SettingError> Errors) Read(params (string, string)[] values)
    {
        var errors = new List<SettingError>();
        var options = GcpOptionsReader.Read(Settings.Of(values), errors);
        return (options, errors.ErrorsOnly());
    }

    [Fact]
    public void AProjectAlone_UsesApplicationDefaultCredentialsAndGooglesEndpoint()
    {
        var (options, errors) = Read(("project", "acme-prod"));

        Assert.Empty(errors);
        Assert.Equal("acme-prod", options!.Project);
        Assert.Equal(new Uri("https://secretmanager.googleapis.com/"), options.Endpoint);
        Assert.Equal(GcpAuthMethod.Default, options.AuthMethod);
        Assert.Equal(TimeSpan.FromSeconds(10), options.Timeout);
        Assert.Equal(GcpPayloadFormat.Auto, options.PayloadFormat);
        Assert.Equal("value", options.ValueKey);
    }

    [Theory]
    [InlineData("auth.credentialsFile", "/etc/gcp/key.json", GcpAuthMethod.ServiceAccountKey)]
    [InlineData("auth.accessTokenFile", "/run/token", GcpAuthMethod.AccessToken)]
    [InlineData("auth.accessToken", "ya29.dev", GcpAuthMethod.AccessToken)]
    public void TheAuthMethod_FollowsFromTheFileGiven(string key, string value, GcpAuthMethod method)
    {
        var (options, errors) = Read(("project", "p-1"), (key, value));

        Assert.Empty(errors);
        Assert.Equal(method, options!.AuthMethod);
    }

    [Fact]
    public void AnEndpointOverride_IsNormalised_AndMayCarryACaFileOnlyOverHttps()
    {
        var (options, errors) = Read(("project", "p-1"), ("endpoint", "https://sm.internal:8443"), ("tls.caFile", "/etc/ca.pem"));
        var (_, httpErrors) = Read(("project", "p-1"), ("endpoint", "http://127.0.0.1:8080"), ("tls.caFile", "/etc/ca.pem"));

        Assert.Empty(errors);
        Assert.Equal(new Uri("https://sm.internal:8443/"), options!.Endpoint);
        Assert.Equal("tls.caFile", Assert.Single(httpErrors).Key);
    }

    [Theory]
    [InlineData("project", "", "project is required")]
    [InlineData("project", "Acme Prod", "not a project id")]
    [InlineData("endpoint", "ftp://x", "http:// or https://")]
    [InlineData("endpoint", "https://user:pw@x", "user info")]
    [InlineData("endpoint", "https://secretmanager.googleapis.com/v1", "drop the trailing /v1")]
    [InlineData("auth.method", "kerberos", "not supported")]
    [InlineData("timeout", "0s", "more than 0")]
    [InlineData("timeout", "soon", "not a duration")]
    [InlineData("payloadFormat", "yaml", "not supported")]
    [InlineData("valueKey", "a/b", "not a valid Secret key")]
    [InlineData("proejct", "x", "Unknown gcp setting")]
    public void EachProblem_IsReportedOnItsKey(string key, string value, string message)
    {
        var values = new List<(string, string)> { (key, value) };
        if (key != "project")
        {
            values.Add(("project", "p-1"));
        }

        var (options, errors) = Read([.. values]);

        Assert.Null(options);
        var error = Assert.Single(errors);
        Assert.Equal(key, error.Key);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("pw", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ContradictoryAuth_IsReported()
    {
        Assert.Single(Read(("project", "p-1"), ("auth.credentialsFile", "/k.json"), ("auth.accessTokenFile", "/t")).Errors);
        Assert.Single(Read(("project", "p-1"), ("auth.accessToken", "t"), ("auth.accessTokenFile", "/t")).Errors);
        Assert.Single(Read(("project", "p-1"), ("auth.method", "default"), ("auth.credentialsFile", "/k.json")).Errors);
        Assert.Equal("auth.accessTokenFile", Assert.Single(Read(("project", "p-1"), ("auth.method", "accessToken")).Errors).Key);
        Assert.Equal("auth.credentialsFile", Assert.Single(Read(("project", "p-1"), ("auth.method", "serviceAccountKey"), ("auth.credentialsFile", " ")).Errors).Key);
    }
}
