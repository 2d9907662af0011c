using SecretSync.Core.Providers;
using SecretSync.Providers.Contract;

namespace SecretSync.Providers.Azure.Tests;

public sealed class AzureOptionsReaderTests
{
    private static readonly Func<string, string?> WorkloadEnvironment = TestSettings.Environment(
        ("AZURE_CLIENT_ID", "11111111-1111-1111-1111-111111111111"),
        ("AZURE_TENANT_ID", "22222222-2222-2222-2222-222222222222"),
        ("AZURE_FEDERATED_TOKEN_FILE", "/var/run/secrets/azure/tokens/azure-identity-token"));

    private static (AzureOptions? Options, List<SettingError> Errors) Read(Func<string, string?> environment, params (string, string)[] values)
    {
        var errors = new List<SettingError>();
        var options = AzureOptionsReader.Read(Settings.Of(values), environment, errors);
        return (options, errors);
    }

    [Fact]
    public void TheMinimum_IsAVaultUrl_WithDefaultAzureCredential_AndSafeDefaults()
    {
        var (options, errors) = Read(TestSettings.NoEnvironment, ("vaultUrl", "https://acme.vault.azure.net/"));

        Assert.Empty(errors);
        Assert.Equal(new Uri("https://acme.vault.azure.net/"), options!.VaultUrl);
        Assert.Equal(AzureAuthMethod.Default, options.AuthMethod);
        Assert.False(options.DisableChallengeResourceVerification);
        Assert.Null(options.CaFile);
        Assert.Equal(TimeSpan.FromSeconds(10), options.Timeout);
        Assert.Equal(3, options.MaxRetries);
        Assert.Equal(AzureValueFormat.Json, options.ValueFormat);
    }

    [Theory]
    [InlineData("http://acme.vault.azure.net")]
    [InlineData("acme.vault.azure.net")]
    [InlineData("https://acme.vault.azure.net/secrets")]
    [InlineData("https://acme.vault.azure.net?x=1")]
    [InlineData("https://user:pw@acme.vault.azure.net")]
    public void AVaultUrlThatIsNotAnHttpsRoot_IsRefused_WithoutEchoingCredentials(string url)
    {
        var (options, errors) = Read(TestSettings.NoEnvironment, ("vaultUrl", url));

        Assert.Null(options);
        var error = Assert.Single(errors);
        Assert.Equal("vaultUrl", error.Key);
        Assert.DoesNotContain("pw@", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingVaultUrl_IsReported()
    {
        var (_, errors) = Read(TestSettings.NoEnvironment);

        Assert.Equal("vaultUrl", Assert.Single(errors).Key);
    }

    [Fact]
    public void WorkloadIdentity_TakesItsValuesFromTheWebhooksEnvironment()
    {
        var (options, errors) = Read(WorkloadEnvironment, ("vaultUrl", "https://acme.vault.azure.net"), ("auth.method", "workloadIdentity"));

        Assert.Empty(errors);
        Assert.Equal(AzureAuthMethod.WorkloadIdentity, options!.AuthMethod);
    }

    [Fact]
    public void WorkloadIdentity_WithoutTheEnvironmentOrSettings_NamesEachMissingKey()
    {
        var (_, errors) = Read(TestSettings.NoEnvironment, ("vaultUrl", "https://acme.vault.azure.net"), ("auth.method", "workloadIdentity"));

        Assert.Equal(["auth.clientId", "auth.tenantId", "auth.tokenFile"], errors.Select(e => e.Key).Order(StringComparer.Ordinal));
        Assert.All(errors, e => Assert.Contains("AZURE_", e.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void WorkloadIdentity_SettingsStandInForTheEnvironment()
    {
        var (_, errors) = Read(TestSettings.NoEnvironment, ("vaultUrl", "https://acme.vault.azure.net"), ("auth.method", "workloadIdentity"),
            ("auth.clientId", "c"), ("auth.tenantId", "t"), ("auth.tokenFile", "/token"));

        Assert.Empty(errors);
    }

    [Fact]
    public void AnAccessTokenFile_ImpliesTheAccessTokenMethod_AndConflictsWithOthers()
    {
        var (implied, none) = Read(TestSettings.NoEnvironment, ("vaultUrl", "https://acme.vault.azure.net"), ("auth.accessTokenFile", "/token"));
        var (_, conflict) = Read(WorkloadEnvironment, ("vaultUrl", "https://acme.vault.azure.net"), ("auth.method", "workloadIdentity"), ("auth.accessTokenFile", "/token"));
        var (_, missing) = Read(TestSettings.NoEnvironment, ("vaultUrl", "https://acme.vault.azure.net"), ("auth.method", "accessToken"));

        Assert.Empty(none);
        Assert.Equal(AzureAuthMethod.AccessToken, implied!.AuthMethod);
        Assert.Equal("auth.accessTokenFile", Assert.Single(conflict).Key);
        Assert.Equal("auth.accessTokenFile", Assert.Single(missing).Key);
    }

    [Theory]
    [InlineData("auth.method", "kerberos")]
    [InlineData("timeout", "soon")]
    [InlineData("timeout", "0s")]
    [InlineData("retry.maxRetries", "11")]
    [InlineData("retry.maxRetries", "-1")]
    [InlineData("retry.delay", "2m")]
    [InlineData("disableChallengeResourceVerification", "yes")]
    [InlineData("valueFormat", "yaml")]
    [InlineData("apiVersion", "2016-10-01")]
    [InlineData("tls.caFile", " ")]
    [InlineData("vaulturl", "https://acme.vault.azure.net")]
    public void BadValues_AreReportedUnderTheirKey(string key, string value)
    {
        var (options, errors) = Read(TestSettings.NoEnvironment, ("vaultUrl", "https://acme.vault.azure.net"), (key, value));

        Assert.Null(options);
        Assert.Equal(key, Assert.Single(errors).Key);
    }

    [Fact]
    public void AShorterMaxDelayThanDelay_IsRefused()
    {
        var (_, errors) = Read(TestSettings.NoEnvironment, ("vaultUrl", "https://acme.vault.azure.net"), ("retry.delay", "5s"), ("retry.maxDelay", "1s"));

        Assert.Equal("retry.maxDelay", Assert.Single(errors).Key);
    }

    [Fact]
    public void EveryKnownSetting_IsRead()
    {
        var (options, errors) = Read(TestSettings.NoEnvironment,
            ("vaultUrl", "https://kv.internal:8443"), ("auth.method", "managedIdentity"), ("auth.clientId", "c"), ("tls.caFile", "/ca.pem"),
            ("disableChallengeResourceVerification", "true"), ("timeout", "1m"), ("retry.maxRetries", "0"), ("retry.delay", "100ms"),
            ("retry.maxDelay", "1s"), ("valueFormat", "text"), ("apiVersion", "7.6"));

        Assert.Empty(errors);
        Assert.Equal(AzureAuthMethod.ManagedIdentity, options!.AuthMethod);
        Assert.Equal("c", options.ClientId);
        Assert.Equal("/ca.pem", options.CaFile);
        Assert.True(options.DisableChallengeResourceVerification);
        Assert.Equal(TimeSpan.FromMinutes(1), options.Timeout);
        Assert.Equal(0, options.MaxRetries);
        Assert.Equal(TimeSpan.FromMilliseconds(100), options.RetryDelay);
        Assert.Equal(TimeSpan.FromSeconds(1), options.RetryMaxDelay);
        Assert.Equal(AzureValueFormat.Text, options.ValueFormat);
        Assert.Equal("7.6", options.ApiVersion);
        Assert.Equal("AzureOptions(https://kv.internal:8443/, auth ManagedIdentity)", options.ToString());
    }
}
