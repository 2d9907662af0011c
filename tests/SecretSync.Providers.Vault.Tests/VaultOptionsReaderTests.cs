using SecretSync.Core.Providers;
using SecretSync.Providers.Contract;

namespace SecretSync.Providers.Vault.Tests;

public sealed class VaultOptionsReaderTests
{
    private static (VaultOptions? Options, List<SettingError> Errors) Read(Func<string, string?>? environment, params (string, string)[] values)
    {
        var errors = new List<SettingError>();
        var options = VaultOptionsReader.Read(Settings.Of(values), environment ?? TestSettings.NoEnvironment, errors);
        return (options, errors);
    }

    private static (VaultOptions? Options, List<SettingError> Errors) Read(params (string, string)[] values) => Read(null, values);

    [Fact]
    public void MinimalTokenSettings_UseDocumentedDefaults()
    {
        var (options, errors) = Read(("address", "https://vault.internal:8200"), ("auth.tokenFile", "/etc/vault/token"));

        Assert.Empty(errors.ErrorsOnly());
        Assert.NotNull(options);
        Assert.Equal(new Uri("https://vault.internal:8200/"), options.Address);
        Assert.Equal("secret", options.Mount);
        Assert.Null(options.Namespace);
        Assert.Equal(VaultAuthMethod.Token, options.AuthMethod);
        Assert.Equal(TimeSpan.FromSeconds(10), options.Timeout);
        Assert.Equal(VaultEventsMode.Auto, options.Events);
        Assert.False(options.InsecureSkipVerify);
        Assert.Equal(VaultOptions.DefaultJwtPath, options.JwtPath);
    }

    [Fact]
    public void KubernetesSettings_DefaultTheAuthMountAndJwtPath()
    {
        var (options, errors) = Read(("address", "http://127.0.0.1:8200"), ("auth.method", "kubernetes"), ("auth.role", "secretsync"), ("mount", "/kv/"));

        Assert.Empty(errors.ErrorsOnly());
        Assert.Equal(VaultAuthMethod.Kubernetes, options!.AuthMethod);
        Assert.Equal("kubernetes", options.EffectiveAuthMountPath);
        Assert.Equal("/var/run/secrets/kubernetes.io/serviceaccount/token", options.JwtPath);
        Assert.Equal("kv", options.Mount);
    }

    [Fact]
    public void AppRoleSettings_AcceptACustomAuthMount()
    {
        var (options, errors) = Read(("address", "http://127.0.0.1:8200"), ("auth.method", "approle"), ("auth.roleId", "r"),
            ("auth.secretIdFile", "/run/secret-id"), ("auth.mountPath", "approle-ci"));

        Assert.Empty(errors.ErrorsOnly());
        Assert.Equal("approle-ci", options!.EffectiveAuthMountPath);
    }

    [Fact]
    public void MissingAddress_IsReportedWithAnExample()
    {
        var (options, errors) = Read(("auth.token", "t"));

        Assert.Null(options);
        var error = Assert.Single(errors);
        Assert.Equal("address", error.Key);
        Assert.Contains("https://", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("vault.internal:8200")]
    [InlineData("ftp://vault.internal")]
    [InlineData("not a url")]
    [InlineData("https://vault.internal:8200/?x=1")]
    public void BadAddress_IsReported(string address)
    {
        var (_, errors) = Read(("address", address), ("auth.token", "t"));

        Assert.Equal("address", Assert.Single(errors).Key);
    }

    [Fact]
    public void AddressWithUserInfo_IsRejectedWithoutEchoingIt()
    {
        var (_, errors) = Read(("address", "https://admin:hunter2@vault.internal"), ("auth.token", "t"));

        var error = Assert.Single(errors);
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownKey_IsReportedAndListsKnownKeys()
    {
        var (_, errors) = Read(("address", "https://v:8200"), ("auth.token", "t"), ("retries", "3"));

        var error = Assert.Single(errors);
        Assert.Equal("retries", error.Key);
        Assert.Contains("auth.method", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MisspelledCase_SuggestsTheRightKey()
    {
        var (_, errors) = Read(("address", "https://v:8200"), ("auth.token", "t"), ("auth.roleid", "x"));

        Assert.Contains(errors, e => e.Key == "auth.roleid" && e.Message.Contains("auth.roleId", StringComparison.Ordinal));
    }

    [Fact]
    public void UnsupportedAuthMethod_IsReported()
    {
        var (_, errors) = Read(("address", "https://v:8200"), ("auth.method", "ldap"));

        Assert.Equal("auth.method", Assert.Single(errors).Key);
    }

    [Fact]
    public void TokenAuthWithoutAnyToken_IsReported_UnlessVaultTokenIsSet()
    {
        var (_, withoutEnv) = Read(("address", "https://v:8200"));
        var (options, withEnv) = Read(name => name == "VAULT_TOKEN" ? "s.abc" : null, ("address", "https://v:8200"));

        Assert.Contains(withoutEnv, e => e.Key == "auth.token" && e.Message.Contains("VAULT_TOKEN", StringComparison.Ordinal));
        Assert.Empty(withEnv);
        Assert.NotNull(options);
    }

    [Fact]
    public void TokenAndTokenFileTogether_AreReported()
    {
        var (_, errors) = Read(("address", "https://v:8200"), ("auth.token", "t"), ("auth.tokenFile", "/f"));

        Assert.Contains(errors, e => e.Key == "auth.token");
    }

    [Fact]
    public void ShortTokenKeys_AreAccepted_ButNotBesideTheLongForm()
    {
        var (options, errors) = Read(("address", "https://v:8200"), ("tokenFile", "/f"));
        var (_, both) = Read(("address", "https://v:8200"), ("token", "a"), ("auth.token", "b"));

        Assert.Empty(errors.ErrorsOnly());
        Assert.Equal("/f", options!.TokenFile);
        Assert.Contains(both, e => e.Key == "token");
    }

    [Fact]
    public void AppRoleWithoutRoleIdOrSecret_ReportsEach()
    {
        var (_, errors) = Read(("address", "https://v:8200"), ("auth.method", "approle"));

        Assert.Contains(errors, e => e.Key == "auth.roleId");
        Assert.Contains(errors, e => e.Key == "auth.secretId");
    }

    [Fact]
    public void KubernetesWithoutRole_IsReported()
    {
        var (_, errors) = Read(("address", "https://v:8200"), ("auth.method", "kubernetes"));

        Assert.Equal("auth.role", Assert.Single(errors.ErrorsOnly()).Key);
    }

    [Fact]
    public void KeysOfAnotherAuthMethod_AreReported()
    {
        var (_, errors) = Read(("address", "https://v:8200"), ("auth.method", "kubernetes"), ("auth.role", "r"), ("auth.roleId", "x"), ("auth.token", "t"));

        Assert.Contains(errors, e => e.Key == "auth.roleId" && e.Message.Contains("approle", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Key == "auth.token");
    }

    [Theory]
    [InlineData("10s", 10_000)]
    [InlineData("500ms", 500)]
    [InlineData("1m30s", 90_000)]
    [InlineData("0.25s", 250)]
    public void Timeout_AcceptsDurations(string text, int milliseconds)
    {
        var (options, errors) = Read(("address", "https://v:8200"), ("auth.token", "t"), ("timeout", text));

        Assert.Empty(errors.ErrorsOnly());
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), options!.Timeout);
    }

    [Theory]
    [InlineData("2", "2s")]
    [InlineData("0.25", "0.25s")]
    public void Timeout_BareNumber_IsRefusedWithTheUnitToAdd(string text, string instead)
    {
        var (_, errors) = Read(("address", "https://v:8200"), ("auth.token", "t"), ("timeout", text));

        var error = Assert.Single(errors);
        Assert.Equal("timeout", error.Key);
        Assert.Contains($"a number needs a unit, e.g. {instead}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("0s")]
    [InlineData("-1")]
    [InlineData("10d")]
    [InlineData("1h")]
    public void Timeout_RejectsNonsenseAndOutOfRange(string text)
    {
        var (_, errors) = Read(("address", "https://v:8200"), ("auth.token", "t"), ("timeout", text));

        Assert.Equal("timeout", Assert.Single(errors).Key);
    }

    [Theory]
    [InlineData("on", VaultEventsMode.On)]
    [InlineData("off", VaultEventsMode.Off)]
    [InlineData("AUTO", VaultEventsMode.Auto)]
    public void Events_AcceptsAutoOnOff(string text, VaultEventsMode mode)
    {
        var (options, errors) = Read(("address", "https://v:8200"), ("auth.token", "t"), ("events", text));

        Assert.Empty(errors.ErrorsOnly());
        Assert.Equal(mode, options!.Events);
    }

    [Fact]
    public void Events_RejectsOtherValues()
    {
        var (_, errors) = Read(("address", "https://v:8200"), ("auth.token", "t"), ("events", "sometimes"));

        Assert.Equal("events", Assert.Single(errors).Key);
    }

    [Fact]
    public void TlsVerification_IsOnByDefault_AndOffOnlyWhenExplicit()
    {
        var (defaults, _) = Read(("address", "https://v:8200"), ("auth.token", "t"));
        var (insecure, errors) = Read(("address", "https://v:8200"), ("auth.token", "t"), ("tls.insecureSkipVerify", "true"));
        var (_, bad) = Read(("address", "https://v:8200"), ("auth.token", "t"), ("tls.insecureSkipVerify", "yes"));

        Assert.False(defaults!.InsecureSkipVerify);
        Assert.Empty(errors.ErrorsOnly());
        Assert.True(insecure!.InsecureSkipVerify);
        Assert.Equal("tls.insecureSkipVerify", Assert.Single(bad).Key);
    }

    [Fact]
    public void TlsSettings_OnAPlainHttpAddress_AreReported()
    {
        var (_, errors) = Read(("address", "http://127.0.0.1:8200"), ("auth.token", "t"), ("tls.caFile", "/ca.pem"));

        Assert.Single(errors.ErrorsOnly());
    }

    [Fact]
    public void InsecureSkipVerify_WithACaFile_IsContradictory()
    {
        var (_, errors) = Read(("address", "https://v:8200"), ("auth.token", "t"), ("tls.caFile", "/ca.pem"), ("tls.insecureSkipVerify", "true"));

        Assert.Contains(errors, e => e.Key == "tls.insecureSkipVerify");
    }

    [Fact]
    public void BadMount_IsReported()
    {
        var (_, errors) = Read(("address", "https://v:8200"), ("auth.token", "t"), ("mount", "a/../b"));

        Assert.Equal("mount", Assert.Single(errors).Key);
    }

    [Fact]
    public void EveryProblem_IsReportedAtOnce()
    {
        var (_, errors) = Read(("auth.method", "approle"), ("timeout", "x"), ("events", "y"), ("bogus", "z"));

        Assert.Equal(["address", "auth.roleId", "auth.secretId", "bogus", "events", "timeout"], errors.Select(e => e.Key).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void OptionsToString_NeverPrintsCredentials()
    {
        var (options, _) = Read(("address", "https://v:8200"), ("auth.token", "hvs.super-secret"));

        Assert.DoesNotContain("super-secret", options!.ToString(), StringComparison.Ordinal);
    }
}
