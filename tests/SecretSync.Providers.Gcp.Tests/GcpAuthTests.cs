using Google.Apis.Auth.OAuth2;
using SecretSync.Core.Providers;
using SecretSync.Providers.Contract;
using SecretSync.Testing;

namespace SecretSync.Providers.Gcp.Tests;

public sealed class GcpAuthTests
{
    [Fact]
    public async Task AServiceAccountKeyFile_GetsATokenFromItsTokenUri_AndReads()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Emulator.AddVersion("db", "v");
        var keyFile = bed.File(bed.Emulator.CreateServiceAccountKey());
        var client = bed.Connect(("auth.credentialsFile", keyFile));

        Expect.Found(await client.ReadAsync("db", null, default));
        Expect.Found(await client.ReadAsync("db", null, default));

        // The credential caches its token: one exchange for both reads.
        await Eventually.TrueAsync(() => bed.Count("token") > 0, "the token request is logged", TimeSpan.FromSeconds(5));
        Assert.Equal(1, bed.Count("token"));
    }

    [Fact]
    public async Task AServiceAccountKeyTheTokenServerRefuses_IsUnauthenticated()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Emulator.AddVersion("db", "v");
        await using var other = await GcpTestBed.StartAsync();
        // Signed by a key this emulator never issued, but sent to this emulator's token endpoint.
        var foreign = other.Emulator.CreateServiceAccountKey().Replace(other.Emulator.TokenUri.ToString(), bed.Emulator.TokenUri.ToString(), StringComparison.Ordinal);
        var client = bed.Connect(("auth.credentialsFile", bed.File(foreign)));

        var failure = Expect.Failed(await client.ReadAsync("db", null, default), FailureKind.Unauthenticated);

        Assert.Contains("invalid_grant", failure.Message, StringComparison.Ordinal);
        Assert.Equal(0, bed.Count("access"));
    }

    [Fact]
    public async Task ApplicationDefaultCredentials_FromTheMetadataServer_AsOnGkeWithWorkloadIdentity()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Emulator.AddVersion("db", "v");
        // What ADC resolves to on GKE: a ComputeCredential asking the metadata server (here the emulator's) for tokens.
        var provider = new GcpProvider(TimeProvider.System, null, null,
            _ => Task.FromResult(new ComputeCredential(new ComputeCredential.Initializer(bed.Emulator.MetadataTokenUri.ToString())).ToGoogleCredential()));
        var client = bed.ConnectWith(provider, Settings.Of(("project", bed.Emulator.Project), ("endpoint", bed.Endpoint), ("auth.method", "workloadIdentity")));

        Expect.Found(await client.ReadAsync("db", null, default));

        // The request log is written as each response completes, which can trail the client by a moment.
        await Eventually.TrueAsync(() => bed.Count("metadata-token") > 0, "the metadata token request is logged", TimeSpan.FromSeconds(5));
        Assert.True(bed.Count("metadata-token") == 1, string.Join("\n", bed.Emulator.Requests.Snapshot()));
    }

    [Fact]
    public async Task NoApplicationDefaultCredentials_IsUnauthenticated_WithoutContactingTheApi()
    {
        await using var bed = await GcpTestBed.StartAsync();
        var provider = new GcpProvider(TimeProvider.System, null, null,
            _ => Task.FromException<GoogleCredential>(new InvalidOperationException("The Application Default Credentials are not available. They are available if running in Google Compute Engine.")));
        var client = bed.ConnectWith(provider, Settings.Of(("project", bed.Emulator.Project), ("endpoint", bed.Endpoint)));

        var failure = Expect.Failed(await client.ReadAsync("db", null, default), FailureKind.Unauthenticated);

        Assert.Contains("application default credentials", failure.Message, StringComparison.Ordinal);
        Assert.Equal(0, bed.Emulator.Requests.Count);
    }

    [Fact]
    public async Task TheAccessTokenFile_IsReadAtEveryCall_SoARotatedTokenIsUsedAtOnce()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Emulator.AddVersion("db", "v");
        var tokenFile = bed.File("ya29.wrong");
        var client = bed.Connect(("auth.accessTokenFile", tokenFile));

        Expect.Failed(await client.ReadAsync("db", null, default), FailureKind.Unauthenticated);
        await File.WriteAllTextAsync(tokenFile, bed.Emulator.IssueAccessToken() + "\n");

        Expect.Found(await client.ReadAsync("db", null, default));
    }

    [Fact]
    public async Task ALiteralAccessToken_IsSentAsTheBearerToken()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Emulator.AddVersion("db", "v");
        var client = bed.Connect(("auth.accessToken", bed.Emulator.AccessToken));

        Expect.Found(await client.ReadAsync("db", null, default));
    }

    [Fact]
    public async Task AMissingTokenFile_IsUnauthenticated_AndNamesTheFileNotAToken()
    {
        await using var bed = await GcpTestBed.StartAsync();
        var client = bed.Connect(("auth.accessTokenFile", "/nonexistent/token"));

        var failure = Expect.Failed(await client.ReadAsync("db", null, default), FailureKind.Unauthenticated);

        Assert.Contains("/nonexistent/token", failure.Message, StringComparison.Ordinal);
        Assert.Equal(0, bed.Emulator.Requests.Count);
    }

    [Fact]
    public async Task Failures_NeverCarryTheToken()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Emulator.AddVersion("db", "v");
        var client = bed.Connect();
        bed.Emulator.RevokeAccessToken(bed.Emulator.AccessToken);

        var failure = Expect.Failed(await client.ReadAsync("db", null, default), FailureKind.Unauthenticated);

        Assert.DoesNotContain(bed.Emulator.AccessToken, failure.ToString(), StringComparison.Ordinal);
    }
}
