using SecretSync.Core.Providers;
using SecretSync.DevStack.Hosting;
using SecretSync.Providers.Contract;

namespace SecretSync.Providers.Vault.Tests;

public sealed class VaultWriteTests
{
    private static readonly Dictionary<string, string> Values = new() { ["user"] = "app", ["password"] = "rotated" };

    [Fact]
    public async Task WritingANewSource_UsesCasZero_AndReturnsVersionOne()
    {
        await using var bed = await VaultTestBed.StartAsync();
        var client = bed.Connect();

        var written = Assert.IsType<WriteResult.Written>(await client.WriteAsync("app/db", Values, null, CancellationToken.None));

        Assert.Equal("1", written.Version.Id);
        Assert.Equal(bed.Vault.ReadSecret("secret", "app/db")!.CreatedTime, written.Version.CreatedAt);
        Assert.Equal("rotated", bed.Vault.ReadSecret("secret", "app/db")!.Data!["password"].GetString());
    }

    [Fact]
    public async Task WritingOverTheExpectedVersion_Succeeds()
    {
        await using var bed = await VaultTestBed.StartAsync();
        bed.Vault.WriteSecret("secret", "app/db", new Dictionary<string, object?> { ["password"] = "old" });
        var client = bed.Connect();

        var written = Assert.IsType<WriteResult.Written>(await client.WriteAsync("app/db", Values, "1", CancellationToken.None));

        Assert.Equal("2", written.Version.Id);
        Assert.Equal("rotated", Expect.Text(Expect.Found(await client.ReadAsync("app/db", null, CancellationToken.None)), "password"));
    }

    [Fact]
    public async Task WritingOverAStaleVersion_IsAVersionMismatch_NamingTheCurrentVersion()
    {
        await using var bed = await VaultTestBed.StartAsync();
        bed.Vault.WriteSecret("secret", "app/db", new Dictionary<string, object?> { ["password"] = "a" });
        bed.Vault.WriteSecret("secret", "app/db", new Dictionary<string, object?> { ["password"] = "b" });
        var client = bed.Connect();

        var mismatch = Assert.IsType<WriteResult.VersionMismatch>(await client.WriteAsync("app/db", Values, "1", CancellationToken.None));

        Assert.Equal("2", mismatch.CurrentVersion);
        Assert.Equal("b", bed.Vault.ReadSecret("secret", "app/db")!.Data!["password"].GetString());
    }

    [Fact]
    public async Task CreatingASourceThatExists_IsAVersionMismatch()
    {
        await using var bed = await VaultTestBed.StartAsync();
        bed.Vault.WriteSecret("secret", "app/db", new Dictionary<string, object?> { ["password"] = "a" });
        var client = bed.Connect();

        Assert.Equal("1", Assert.IsType<WriteResult.VersionMismatch>(await client.WriteAsync("app/db", Values, null, CancellationToken.None)).CurrentVersion);
    }

    [Fact]
    public async Task AWriteToASealedVault_IsRetried_ThenWritesOnce()
    {
        await using var bed = await VaultTestBed.StartAsync();
        var client = bed.Connect();
        Expect.Absent(await client.ReadAsync("app/db", null, CancellationToken.None));
        bed.Vault.Faults.Add(new FaultRule { Method = "POST", PathPrefix = "/v1/secret/data/", StatusCode = 503, Times = 1 });

        Assert.IsType<WriteResult.Written>(await client.WriteAsync("app/db", Values, null, CancellationToken.None));
        Assert.Equal(1, bed.Vault.ReadMetadata("secret", "app/db")!.CurrentVersion);
    }

    [Fact]
    public async Task AWriteThatMayHaveApplied_IsNotRetried()
    {
        await using var bed = await VaultTestBed.StartAsync();
        var client = bed.Connect();
        Expect.Absent(await client.ReadAsync("app/db", null, CancellationToken.None));
        bed.Vault.Faults.Add(new FaultRule { Method = "POST", PathPrefix = "/v1/secret/data/", StatusCode = 500, Times = 1 });

        var failed = Assert.IsType<WriteResult.Failed>(await client.WriteAsync("app/db", Values, null, CancellationToken.None));

        Assert.Equal(FailureKind.Unavailable, failed.Failure.Kind);
        Assert.Equal(1, bed.Count("write"));
    }

    [Fact]
    public async Task AWriteWithoutPermission_IsForbidden()
    {
        await using var bed = await VaultTestBed.StartAsync();
        bed.Vault.SetPolicy("reader", ("secret/data/", ["read"]));
        var client = bed.Connect(("auth.token", bed.Vault.CreateToken(["reader"], TimeSpan.FromHours(1))));

        var failed = Assert.IsType<WriteResult.Failed>(await client.WriteAsync("app/db", Values, null, CancellationToken.None));

        Assert.Equal(FailureKind.Forbidden, failed.Failure.Kind);
    }
}
