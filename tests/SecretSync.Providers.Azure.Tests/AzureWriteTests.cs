using SecretSync.Core.Providers;
using SecretSync.Providers.Contract;

namespace SecretSync.Providers.Azure.Tests;

public sealed class AzureWriteTests : IAsyncLifetime
{
    private AzureTestBed _bed = null!;

    public async Task InitializeAsync() => _bed = await AzureTestBed.StartAsync();

    public async Task DisposeAsync() => await _bed.DisposeAsync();

    [Fact]
    public async Task AWrite_OnTheExpectedVersion_AddsAVersionHoldingTheKeysAsJson()
    {
        var v1 = _bed.Put("payments-db", new Dictionary<string, string> { ["user"] = "app", ["password"] = "p1" });
        var client = _bed.Connect();

        var written = Assert.IsType<WriteResult.Written>(await client.WriteAsync("payments/db",
            new Dictionary<string, string> { ["user"] = "app", ["password"] = "p2-ü" }, v1, default));

        Assert.NotEqual(v1, written.Version.Id);
        Assert.Equal("{\"password\":\"p2-ü\",\"user\":\"app\"}", _bed.Vault.ReadSecret("payments-db")!.Value);
        Assert.Equal("p2-ü", Expect.Text(Expect.Found(await client.ReadAsync("payments/db", null, default)), "password"));
    }

    [Fact]
    public async Task ASingleValueKey_IsWrittenAsPlainText()
    {
        var v1 = _bed.Vault.SetSecret("token", "t1");
        var client = _bed.Connect();

        Assert.IsType<WriteResult.Written>(await client.WriteAsync("token", new Dictionary<string, string> { ["value"] = "t2" }, v1, default));

        Assert.Equal("t2", _bed.Vault.ReadSecret("token")!.Value);
    }

    [Fact]
    public async Task AStaleExpectedVersion_IsAMismatch_AndNothingIsWritten()
    {
        var v1 = _bed.Vault.SetSecret("db", "p1");
        var v2 = _bed.Vault.SetSecret("db", "p2");
        var client = _bed.Connect();

        var mismatch = Assert.IsType<WriteResult.VersionMismatch>(await client.WriteAsync("db", new Dictionary<string, string> { ["value"] = "x" }, v1, default));

        Assert.Equal(v2, mismatch.CurrentVersion);
        Assert.Equal("p2", _bed.Vault.ReadSecret("db")!.Value);
    }

    [Fact]
    public async Task CreateOnly_WritesANewSecret_ButNotOverAnExistingOne()
    {
        var client = _bed.Connect();

        Assert.IsType<WriteResult.Written>(await client.WriteAsync("fresh", new Dictionary<string, string> { ["value"] = "v" }, null, default));
        Assert.IsType<WriteResult.VersionMismatch>(await client.WriteAsync("fresh", new Dictionary<string, string> { ["value"] = "w" }, null, default));
    }

    [Fact]
    public async Task ASoftDeletedName_IsRejected_NotRecreated()
    {
        _bed.Vault.SetSecret("db", "p1");
        _bed.Vault.DeleteSecret("db");
        var client = _bed.Connect();

        var failed = Assert.IsType<WriteResult.Failed>(await client.WriteAsync("db", new Dictionary<string, string> { ["value"] = "x" }, null, default));

        Assert.Equal(FailureKind.Rejected, failed.Failure.Kind);
        Assert.Contains("409", failed.Failure.Message, StringComparison.Ordinal);
        Assert.True(_bed.Vault.IsDeleted("db"));
    }
}
