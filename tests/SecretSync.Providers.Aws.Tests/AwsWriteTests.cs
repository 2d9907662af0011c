using SecretSync.Core.Providers;

namespace SecretSync.Providers.Aws.Tests;

public sealed class AwsWriteTests : IAsyncLifetime
{
    private AwsTestBed _bed = null!;

    public async Task InitializeAsync() => _bed = await AwsTestBed.StartAsync();

    public async Task DisposeAsync() => await _bed.DisposeAsync();

    [Fact]
    public async Task WritingANewSource_CreatesTheSecret()
    {
        var client = _bed.Connect();

        var written = Assert.IsType<WriteResult.Written>(await client.WriteAsync("rotate/new", new Dictionary<string, string> { ["pw"] = "p1" }, null, default));

        Assert.Equal(written.Version.Id, _bed.Aws.Describe("rotate/new")!.CurrentVersionId);
        Assert.Equal(1, _bed.Count("CreateSecret"));
    }

    [Fact]
    public async Task WritingOnTheExpectedVersion_PutsANewCurrentVersion_AndKeepsThePreviousOne()
    {
        var first = _bed.Aws.PutSecret("rotate/db", "{\"pw\":\"p1\"}");
        var client = _bed.Connect();

        var written = Assert.IsType<WriteResult.Written>(await client.WriteAsync("rotate/db", new Dictionary<string, string> { ["pw"] = "p2" }, first, default));
        var read = Assert.IsType<ReadResult.Found>(await client.ReadAsync("rotate/db", null, default));

        Assert.Equal(written.Version.Id, read.Payload.Version.Id);
        Assert.Equal("p2", System.Text.Encoding.UTF8.GetString(read.Payload.Values["pw"]));
        Assert.Equal(["AWSPREVIOUS"], _bed.Aws.Describe("rotate/db")!.VersionStages[first]);
        Assert.Equal(1, _bed.Count("PutSecretValue"));
    }

    [Fact]
    public async Task WritingOnAStaleVersion_IsAMismatch_NamingTheCurrentOne()
    {
        var first = _bed.Aws.PutSecret("rotate/db", "{\"pw\":\"p1\"}");
        var second = _bed.Aws.PutSecret("rotate/db", "{\"pw\":\"p2\"}");
        var client = _bed.Connect();

        var mismatch = Assert.IsType<WriteResult.VersionMismatch>(await client.WriteAsync("rotate/db", new Dictionary<string, string> { ["pw"] = "p3" }, first, default));
        var exists = Assert.IsType<WriteResult.VersionMismatch>(await client.WriteAsync("rotate/db", new Dictionary<string, string> { ["pw"] = "p3" }, null, default));

        Assert.Equal(second, mismatch.CurrentVersion);
        Assert.Equal(second, exists.CurrentVersion);
        Assert.Equal(0, _bed.Count("PutSecretValue"));
    }

    [Fact]
    public async Task WritingASecretScheduledForDeletion_IsRejected()
    {
        var first = _bed.Aws.PutSecret("rotate/db", "{}");
        _bed.Aws.DeleteSecret("rotate/db");
        var client = _bed.Connect();

        var failed = Assert.IsType<WriteResult.Failed>(await client.WriteAsync("rotate/db", new Dictionary<string, string> { ["pw"] = "p" }, first, default));

        Assert.Equal(FailureKind.Rejected, failed.Failure.Kind);
    }
}
