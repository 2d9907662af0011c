using SecretSync.Core.Providers;
using SecretSync.DevStack.Hosting;
using SecretSync.Providers.Contract;

namespace SecretSync.Providers.Azure.Tests;

public sealed class AzureReadTests : IAsyncLifetime
{
    private AzureTestBed _bed = null!;

    public async Task InitializeAsync() => _bed = await AzureTestBed.StartAsync();

    public async Task DisposeAsync() => await _bed.DisposeAsync();

    [Fact]
    public async Task AJsonObjectValue_IsSplitIntoKeys_WithNonStringsAsTheirJson()
    {
        var version = _bed.Vault.SetSecret("payments-db", "{\"user\":\"app\",\"port\":5432,\"tls\":{\"on\":true}}");
        var client = _bed.Connect();

        var payload = Expect.Found(await client.ReadAsync("payments/db", null, default));

        Assert.Equal(version, payload.Version.Id);
        Assert.Equal("app", Expect.Text(payload, "user"));
        Assert.Equal("5432", Expect.Text(payload, "port"));
        Assert.Equal("{\"on\":true}", Expect.Text(payload, "tls"));
    }

    [Theory]
    [InlineData("s3cr3t")]
    [InlineData("{not json")]
    [InlineData("[1,2]")]
    [InlineData("")]
    public async Task AnyOtherValue_IsTheSingleKeyValue(string value)
    {
        _bed.Vault.SetSecret("token", value);
        var client = _bed.Connect();

        var payload = Expect.Found(await client.ReadAsync("token", null, default));

        Assert.Equal("value", Assert.Single(payload.Values.Keys));
        Assert.Equal(value, Expect.Text(payload, "value"));
    }

    [Fact]
    public async Task ValueFormatText_KeepsAJsonValueWhole()
    {
        _bed.Vault.SetSecret("config", "{\"a\":1}");
        var client = _bed.Connect(("valueFormat", "text"));

        var payload = Expect.Found(await client.ReadAsync("config", null, default));

        Assert.Equal("{\"a\":1}", Expect.Text(payload, "value"));
    }

    [Fact]
    public async Task ASpecificVersion_IsRead_AndItsCreationTimeReported()
    {
        var v1 = _bed.Vault.SetSecret("db", "p1");
        _bed.Vault.SetSecret("db", "p2");
        var client = _bed.Connect();

        var payload = Expect.Found(await client.ReadAsync("db", v1, default));

        Assert.Equal("p1", Expect.Text(payload, "value"));
        Assert.Equal(v1, payload.Version.Id);
        Assert.Equal(_bed.Vault.ReadSecret("db", v1)!.Created, payload.Version.CreatedAt);
    }

    [Fact]
    public async Task ADisabledSecret_IsConfirmedAbsentAsDisabled_ByReadAndVersionCheck()
    {
        _bed.Vault.SetSecret("db", "p1");
        _bed.Vault.DisableSecret("db");
        var client = _bed.Connect();

        var read = Expect.Absent(await client.ReadAsync("db", null, default), AbsenceKind.Disabled);
        var check = Expect.Absent((await client.CheckVersionsAsync(["db"], default))["db"], AbsenceKind.Disabled);

        Assert.True(read.IsWholeSource);
        Assert.True(check.IsWholeSource);
    }

    [Fact]
    public async Task ADeletedSecret_IsConfirmedAbsentAsNotFound_ByReadAndVersionCheck()
    {
        _bed.Vault.SetSecret("db", "p1");
        _bed.Vault.DeleteSecret("db");
        var client = _bed.Connect();

        Assert.True(Expect.Absent(await client.ReadAsync("db", null, default), AbsenceKind.NotFound).IsWholeSource);
        Assert.True(Expect.Absent((await client.CheckVersionsAsync(["db"], default))["db"], AbsenceKind.NotFound).IsWholeSource);
    }

    [Fact]
    public async Task AMissingOrDisabledOlderVersion_IsAbsent_NamingTheCurrentVersionAsLive()
    {
        var v1 = _bed.Vault.SetSecret("db", "p1");
        var v2 = _bed.Vault.SetSecret("db", "p2");
        _bed.Vault.DisableSecret("db", v1);
        var client = _bed.Connect();

        var disabled = Expect.Absent(await client.ReadAsync("db", v1, default), AbsenceKind.Disabled);
        var missing = Expect.Absent(await client.ReadAsync("db", "0123456789abcdef0123456789abcdef", default), AbsenceKind.NotFound);

        Assert.Equal(v2, disabled.NewestLiveVersion);
        Assert.Equal(v2, missing.NewestLiveVersion);
    }

    [Fact]
    public async Task InvalidNamesAndVersions_AreRejectedWithoutACall()
    {
        var client = _bed.Connect();

        Expect.Failed(await client.ReadAsync("bad_name", null, default), FailureKind.Rejected);
        Expect.Failed(await client.ReadAsync("db", "v1", default), FailureKind.Rejected);
        Expect.Failed((await client.CheckVersionsAsync(["bad.name"], default))["bad.name"], FailureKind.Rejected);
        Assert.Equal(0, _bed.Vault.Requests.Count);
    }

    [Fact]
    public async Task TheFirstRequest_GetsTheChallenge_ThenIsResentWithTheToken_AndLaterOnesCarryItStraightAway()
    {
        _bed.Vault.SetSecret("db", "p1");
        var client = _bed.Connect();

        Expect.Found(await client.ReadAsync("db", null, default));
        Expect.Found(await client.ReadAsync("db", null, default));

        // A 401 for the token-less first request (the challenge), the same GET again with the token, then no more challenges.
        Assert.Equal(
            [("GET", "/secrets/db", 401), ("GET", "/secrets/db", 200), ("GET", "/secrets/db", 200)],
            _bed.Vault.Requests.Snapshot().Select(r => (r.Method, r.Path, r.Status)));
    }

    [Fact]
    public async Task WithoutDisablingResourceVerification_TheEmulatorsChallengeIsRefused_AsRejectedNotAbsent()
    {
        _bed.Vault.SetSecret("db", "p1");
        var client = _bed.Connect(("disableChallengeResourceVerification", ""));

        var failure = Expect.Failed(await client.ReadAsync("db", null, default), FailureKind.Rejected);

        Assert.Contains("disableChallengeResourceVerification", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWrongToken_IsUnauthenticated_AndNeverPrinted()
    {
        _bed.Vault.SetSecret("db", "p1");
        var client = _bed.Connect(("auth.accessTokenFile", _bed.File("wrong-token-4711")));

        var failure = Expect.Failed(await client.ReadAsync("db", null, default), FailureKind.Unauthenticated);

        Assert.DoesNotContain("wrong-token-4711", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_bed.Vault.AccessToken, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnEmptyOrMissingTokenFile_IsUnauthenticated()
    {
        var client = _bed.Connect(("auth.accessTokenFile", _bed.File("  ")));
        var missing = _bed.Connect(("auth.accessTokenFile", "/nonexistent/token"));

        Expect.Failed(await client.ReadAsync("db", null, default), FailureKind.Unauthenticated);
        Expect.Failed(await missing.ReadAsync("db", null, default), FailureKind.Unauthenticated);
    }

    [Fact]
    public async Task Failures_NeverCarryTheValue()
    {
        _bed.Vault.SetSecret("db", "{\"password\":\"hunter2-value\"}");
        var client = _bed.Connect();
        using var outage = _bed.Vault.Faults.Add(new FaultRule { StatusCode = 503 });

        var failure = Expect.Failed(await client.ReadAsync("db", null, default), FailureKind.Unavailable);

        Assert.DoesNotContain("hunter2", failure.ToString(), StringComparison.Ordinal);
    }
}
