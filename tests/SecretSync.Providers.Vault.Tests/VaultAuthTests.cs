using SecretSync.Core.Providers;
using SecretSync.DevStack;
using SecretSync.Providers.Contract;
using SecretSync.Testing;

namespace SecretSync.Providers.Vault.Tests;

public sealed class VaultAuthTests
{
    private static void Seed(VaultEmulator vault)
    {
        vault.WriteSecret("secret", "app/db", new Dictionary<string, object?> { ["password"] = "pw" });
        vault.WriteSecret("secret", "other/db", new Dictionary<string, object?> { ["password"] = "pw" });
        vault.SetPolicy("app", ("secret/data/app/", ["read", "create", "update"]), ("secret/metadata/app/", ["read", "list"]), ("sys/events/subscribe/", ["read", "subscribe"]));
    }

    [Fact]
    public async Task TokenAuth_ReadsTheTokenFromAFile_AndLooksUpItsTtlOnce()
    {
        await using var bed = await VaultTestBed.StartAsync();
        Seed(bed.Vault);
        var client = bed.Connect(("auth.tokenFile", bed.File(bed.Vault.CreateToken(["app"], TimeSpan.FromHours(1)) + "\n")));

        Expect.Found(await client.ReadAsync("app/db", null, CancellationToken.None));
        Expect.Found(await client.ReadAsync("app/db", null, CancellationToken.None));

        Assert.Equal(1, bed.Count("lookup-self"));
        Assert.InRange(client.Session.Current!.Ttl!.Value, TimeSpan.FromMinutes(59), TimeSpan.FromHours(1));
    }

    [Fact]
    public async Task TokenAuth_FallsBackToVaultTokenFromTheEnvironment()
    {
        await using var bed = await VaultTestBed.StartAsync();
        Seed(bed.Vault);
        var provider = new VaultProvider(TimeProvider.System, null, null, name => name == "VAULT_TOKEN" ? bed.Vault.RootToken : null);
        await using var client = provider.Connect(Settings.Of(("address", bed.Address)));

        Expect.Found(await client.ReadAsync("app/db", null, CancellationToken.None));
    }

    [Fact]
    public async Task AppRoleAuth_LogsInOnce_AndReadsWithItsPolicy()
    {
        await using var bed = await VaultTestBed.StartAsync();
        Seed(bed.Vault);
        var (roleId, secretId) = bed.Vault.AddAppRole("secretsync", ["app"], TimeSpan.FromHours(1));
        var client = bed.Connect(("auth.method", "approle"), ("auth.roleId", roleId), ("auth.secretIdFile", bed.File(secretId)));

        Expect.Found(await client.ReadAsync("app/db", null, CancellationToken.None));
        Expect.Found(await client.ReadAsync("app/db", null, CancellationToken.None));

        Assert.Equal(1, bed.Vault.Requests.CountWhere(r => r.Verb == "login" && r.Path == "/v1/auth/approle/login"));
    }

    [Fact]
    public async Task KubernetesAuth_ReadsTheServiceAccountJwtAtLogin()
    {
        await using var bed = await VaultTestBed.StartAsync();
        Seed(bed.Vault);
        var jwt = bed.Vault.AddKubernetesRole("secretsync", "secretsync", "secretsync-system", ["app"], TimeSpan.FromHours(1));
        var client = bed.Connect(("auth.method", "kubernetes"), ("auth.role", "secretsync"), ("auth.jwtPath", bed.File(jwt)));

        Expect.Found(await client.ReadAsync("app/db", null, CancellationToken.None));

        Assert.Equal(1, bed.Vault.Requests.CountWhere(r => r.Verb == "login" && r.Path == "/v1/auth/kubernetes/login"));
    }

    [Fact]
    public async Task ARefusedLogin_IsUnauthenticated_AndNeverLeaksTheCredential()
    {
        await using var bed = await VaultTestBed.StartAsync();
        Seed(bed.Vault);
        var (roleId, _) = bed.Vault.AddAppRole("secretsync", ["app"], TimeSpan.FromHours(1));
        const string wrongSecret = "0d9a1b7e-wrong-secret-id";
        var client = bed.Connect(("auth.method", "approle"), ("auth.roleId", roleId), ("auth.secretId", wrongSecret));

        var failure = Expect.Failed(await client.ReadAsync("app/db", null, CancellationToken.None), FailureKind.Unauthenticated);

        Assert.DoesNotContain(wrongSecret, failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(roleId, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARefusedLogin_IsNotRepeatedByEveryQueuedCall()
    {
        await using var bed = await VaultTestBed.StartAsync();
        Seed(bed.Vault);
        var (roleId, _) = bed.Vault.AddAppRole("secretsync", ["app"], TimeSpan.FromHours(1));
        var client = bed.Connect(("auth.method", "approle"), ("auth.roleId", roleId), ("auth.secretId", "wrong"));

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.ReadAsync("app/db", null, CancellationToken.None).AsTask()));

        Assert.All(results, r => Expect.Failed(r, FailureKind.Unauthenticated));
        Assert.Equal(1, bed.Count("login"));
    }

    [Fact]
    public async Task AMissingJwtFile_IsRefusedBeforeAnyRequest_NamingThePath()
    {
        await using var bed = await VaultTestBed.StartAsync();

        var error = Assert.Throws<ArgumentException>(() => bed.Connect(("auth.method", "kubernetes"), ("auth.role", "secretsync"), ("auth.jwtPath", "/nonexistent/token")));

        Assert.Contains("/nonexistent/token", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AJwtFileThatVanishesAfterStart_IsUnauthenticated()
    {
        await using var bed = await VaultTestBed.StartAsync();
        var jwt = Path.GetTempFileName();
        var client = bed.Connect(("auth.method", "kubernetes"), ("auth.role", "secretsync"), ("auth.jwtPath", jwt));
        File.Delete(jwt);

        var failure = Expect.Failed(await client.ReadAsync("app/db", null, CancellationToken.None), FailureKind.Unauthenticated);

        Assert.Contains(jwt, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARevokedStaticToken_IsUnauthenticated_NotForbiddenOrAbsent()
    {
        await using var bed = await VaultTestBed.StartAsync();
        Seed(bed.Vault);
        var token = bed.Vault.CreateToken(["app"], TimeSpan.FromHours(1));
        var client = bed.Connect(("auth.token", token));
        Expect.Found(await client.ReadAsync("app/db", null, CancellationToken.None));

        bed.Vault.RevokeToken(token);

        Expect.Failed(await client.ReadAsync("app/db", null, CancellationToken.None), FailureKind.Unauthenticated);
    }

    [Fact]
    public async Task ARevokedLoginToken_IsReplacedByLoggingInAgain_OnTheFailing403()
    {
        await using var bed = await VaultTestBed.StartAsync();
        Seed(bed.Vault);
        var (roleId, secretId) = bed.Vault.AddAppRole("secretsync", ["app"], TimeSpan.FromHours(1));
        var client = bed.Connect(("auth.method", "approle"), ("auth.roleId", roleId), ("auth.secretId", secretId));
        Expect.Found(await client.ReadAsync("app/db", null, CancellationToken.None));

        bed.Vault.RevokeToken(client.Session.Current!.Token);

        Expect.Found(await client.ReadAsync("app/db", null, CancellationToken.None));
        Assert.Equal(2, bed.Count("login"));
    }

    [Fact]
    public async Task AForbiddenPath_IsForbidden_AfterOneReLogin_AndDoesNotCauseALoginStorm()
    {
        await using var bed = await VaultTestBed.StartAsync();
        Seed(bed.Vault);
        var jwt = bed.Vault.AddKubernetesRole("secretsync", "secretsync", "secretsync-system", ["app"], TimeSpan.FromHours(1));
        var client = bed.Connect(("auth.method", "kubernetes"), ("auth.role", "secretsync"), ("auth.jwtPath", bed.File(jwt)));

        for (var i = 0; i < 5; i++)
        {
            var result = await client.ReadAsync("other/db", null, CancellationToken.None);
            Assert.False(result is ReadResult.Absent, "A 403 must never read as absent.");
            Expect.Failed(result, FailureKind.Forbidden);
        }

        Assert.Equal(2, bed.Count("login"));
        Expect.Found(await client.ReadAsync("app/db", null, CancellationToken.None));
    }

    [Fact]
    public async Task TheToken_IsRenewedAtTwoThirdsOfItsTtl_OnTheInjectedClock()
    {
        var clock = new ManualTimeProvider();
        await using var bed = await VaultTestBed.StartAsync(new VaultEmulatorOptions { Time = clock });
        Seed(bed.Vault);
        var (roleId, secretId) = bed.Vault.AddAppRole("secretsync", ["app"], TimeSpan.FromMinutes(1));
        var client = bed.Connect(("auth.method", "approle"), ("auth.roleId", roleId), ("auth.secretId", secretId));
        Expect.Found(await client.ReadAsync("app/db", null, CancellationToken.None));

        var loggedIn = client.Session.Current!;
        clock.Advance(TimeSpan.FromSeconds(39));
        // The renewal timer is still armed, so no renewal can have started.
        Assert.Equal(1, clock.PendingTimers);
        Assert.Equal(0, bed.Count("renew-self"));

        clock.Advance(TimeSpan.FromSeconds(2));
        await Eventually.TrueAsync(() => bed.Count("renew-self") == 1, "the token is renewed");
        await Eventually.TrueAsync(() => client.Session.Current!.ObtainedAt > loggedIn.ObtainedAt, "the renewed lease is adopted");
        Assert.Equal(loggedIn.Token, client.Session.Current!.Token);

        // 41 s + 60 s is past the original expiry: only the renewal keeps the token alive.
        clock.Advance(TimeSpan.FromSeconds(30));
        Expect.Found(await client.ReadAsync("app/db", null, CancellationToken.None));
        Assert.Equal(1, bed.Count("login"));
    }

    [Fact]
    public async Task NearTheMaxTtl_TheAdapterLogsInAgain_InsteadOfRenewingForEver()
    {
        var clock = new ManualTimeProvider();
        await using var bed = await VaultTestBed.StartAsync(new VaultEmulatorOptions { Time = clock, MaxTokenTtl = TimeSpan.FromSeconds(90) });
        Seed(bed.Vault);
        var jwt = bed.Vault.AddKubernetesRole("secretsync", "secretsync", "secretsync-system", ["app"], TimeSpan.FromMinutes(1));
        var client = bed.Connect(("auth.method", "kubernetes"), ("auth.role", "secretsync"), ("auth.jwtPath", bed.File(jwt)));
        Expect.Found(await client.ReadAsync("app/db", null, CancellationToken.None));

        // At 40 s the renewal is capped at the 90 s max TTL (50 s left), shorter than the 60 s TTL granted.
        clock.Advance(TimeSpan.FromSeconds(41));
        // The next maintenance is armed just after the renewed lease is adopted; advancing before that would start its wait late.
        await Eventually.TrueAsync(
            () => bed.Count("renew-self") == 1 && client.Session.Current is { Renewable: false } && clock.PendingTimers == 1,
            "the token is renewed with a capped TTL and the next login scheduled");
        clock.Advance(TimeSpan.FromSeconds(34));
        await Eventually.TrueAsync(() => bed.Count("login") == 2, "the adapter logs in again before the max TTL");

        clock.Advance(TimeSpan.FromSeconds(20));
        Expect.Found(await client.ReadAsync("app/db", null, CancellationToken.None));
        Assert.Equal(1, bed.Count("renew-self"));
    }

    [Fact]
    public async Task AnExpiredToken_IsReplacedByLoggingInAgain()
    {
        var clock = new ManualTimeProvider();
        await using var bed = await VaultTestBed.StartAsync(new VaultEmulatorOptions { Time = clock });
        Seed(bed.Vault);
        var (roleId, secretId) = bed.Vault.AddAppRole("secretsync", ["app"], TimeSpan.FromMinutes(1));
        var client = bed.Connect(("auth.method", "approle"), ("auth.roleId", roleId), ("auth.secretId", secretId));
        Expect.Found(await client.ReadAsync("app/db", null, CancellationToken.None));

        // Jump past the expiry in one step: the renewal (if it runs) finds the token expired.
        clock.Advance(TimeSpan.FromMinutes(2));
        var result = await client.ReadAsync("app/db", null, CancellationToken.None);

        Expect.Found(result);
        // The renewal the jump fired queued on the session before the read did, so the read returns only after it: the count is final.
        Assert.Equal(2, bed.Count("login"));
    }
}
