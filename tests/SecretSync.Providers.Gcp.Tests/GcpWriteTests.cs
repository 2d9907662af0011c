using System.Text;
using SecretSync.Core.Providers;
using SecretSync.Providers.Contract;

namespace SecretSync.Providers.Gcp.Tests;

public sealed class GcpWriteTests
{
    [Fact]
    public async Task Write_AddsAVersionWithItsChecksum_WhenTheExpectedVersionIsCurrent()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Emulator.AddJsonVersion("db", new Dictionary<string, string> { ["user"] = "app", ["password"] = "pw-1" });
        var client = bed.Connect();

        var written = Assert.IsType<WriteResult.Written>(await client.WriteAsync("db", new Dictionary<string, string> { ["user"] = "app", ["password"] = "pw-2" }, "1", default));

        Assert.Equal("2", written.Version.Id);
        var stored = bed.Emulator.GetVersions("db")![0];
        Assert.Equal("{\"password\":\"pw-2\",\"user\":\"app\"}", Encoding.UTF8.GetString(stored.Data!));
        Assert.Equal(stored.CreateTime, written.Version.CreatedAt);
        var read = Expect.Found(await client.ReadAsync("db", null, default));
        Assert.Equal(("2", "pw-2"), (read.Version.Id, Expect.Text(read, "password")));
    }

    [Fact]
    public async Task Write_OfASingleValueKey_StoresThePlainValue()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Emulator.AddVersion("api-key", "k1");
        var client = bed.Connect();

        Assert.IsType<WriteResult.Written>(await client.WriteAsync("api-key", new Dictionary<string, string> { ["value"] = "k2" }, "1", default));

        Assert.Equal("k2", Encoding.UTF8.GetString(bed.Emulator.GetVersions("api-key")![0].Data!));
    }

    [Fact]
    public async Task Write_WithAStaleExpectedVersion_IsAMismatch_AndWritesNothing()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Emulator.AddVersion("db", "v1");
        bed.Emulator.AddVersion("db", "v2");
        var client = bed.Connect();

        var mismatch = Assert.IsType<WriteResult.VersionMismatch>(await client.WriteAsync("db", new Dictionary<string, string> { ["value"] = "v3" }, "1", default));

        Assert.Equal("2", mismatch.CurrentVersion);
        Assert.Equal(2, bed.Emulator.GetVersions("db")!.Count);
        Assert.Equal(0, bed.Count("add-version"));
    }

    [Fact]
    public async Task Write_WithoutAnExpectedVersion_CreatesTheSecret_OnlyWhenItDoesNotExist()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Emulator.AddVersion("taken", "v1");
        var client = bed.Connect();

        var created = Assert.IsType<WriteResult.Written>(await client.WriteAsync("fresh/db", new Dictionary<string, string> { ["value"] = "v1" }, null, default));
        var refused = Assert.IsType<WriteResult.VersionMismatch>(await client.WriteAsync("taken", new Dictionary<string, string> { ["value"] = "x" }, null, default));

        Assert.Equal("1", created.Version.Id);
        Assert.Equal("v1", Encoding.UTF8.GetString(bed.Emulator.GetVersions("fresh-db")![0].Data!));
        Assert.Equal("1", refused.CurrentVersion);
    }

    [Fact]
    public async Task Write_OverThe64KiBLimit_IsRejectedBeforeAnyCall()
    {
        await using var bed = await GcpTestBed.StartAsync();
        var client = bed.Connect();

        var failed = Assert.IsType<WriteResult.Failed>(await client.WriteAsync("big", new Dictionary<string, string> { ["value"] = new string('x', 70_000) }, null, default));

        Assert.Equal(FailureKind.Rejected, failed.Failure.Kind);
        Assert.Equal(0, bed.Emulator.Requests.Count);
    }

    [Fact]
    public async Task Write_WithSeveralKeys_UnderRawPayloads_IsRejected()
    {
        await using var bed = await GcpTestBed.StartAsync();
        var client = bed.Connect(("payloadFormat", "raw"));

        var failed = Assert.IsType<WriteResult.Failed>(await client.WriteAsync("x", new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" }, null, default));

        Assert.Equal(FailureKind.Rejected, failed.Failure.Kind);
    }
}
