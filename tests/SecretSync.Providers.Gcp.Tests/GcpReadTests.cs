using System.Text;
using Microsoft.AspNetCore.Http;
using SecretSync.Core.Providers;
using SecretSync.DevStack.Hosting;
using SecretSync.Providers.Contract;

namespace SecretSync.Providers.Gcp.Tests;

public sealed class GcpReadTests
{
    [Fact]
    public async Task AJsonObjectPayload_IsSplitIntoKeys_AndOtherPayloadsAreOneKey()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Emulator.AddVersion("db", "{\"user\":\"app\",\"password\":\"pw\",\"port\":5432,\"opts\":{\"ssl\":true}}");
        bed.Emulator.AddVersion("api-key", "plain-text-key");
        bed.Emulator.AddVersion("list", "[1,2]");
        var client = bed.Connect();

        var db = Expect.Found(await client.ReadAsync("db", null, default));
        var key = Expect.Found(await client.ReadAsync("api-key", null, default));
        var list = Expect.Found(await client.ReadAsync("list", null, default));

        Assert.Equal(["opts", "password", "port", "user"], db.Values.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("5432", Expect.Text(db, "port"));
        Assert.Equal("{\"ssl\":true}", Expect.Text(db, "opts"));
        Assert.Equal("value", Assert.Single(key.Values.Keys));
        Assert.Equal("plain-text-key", Expect.Text(key, "value"));
        Assert.Equal("[1,2]", Expect.Text(list, "value"));
    }

    [Fact]
    public async Task RawPayloadFormat_KeepsAJsonObjectWhole_UnderTheConfiguredKey()
    {
        await using var bed = await GcpTestBed.StartAsync();
        const string keyFile = "{\"type\":\"service_account\",\"project_id\":\"p\"}";
        bed.Emulator.AddVersion("sa-key", keyFile);
        var client = bed.Connect(("payloadFormat", "raw"), ("valueKey", "credentials.json"));

        var payload = Expect.Found(await client.ReadAsync("sa-key", null, default));

        Assert.Equal(keyFile, Expect.Text(payload, "credentials.json"));
        Assert.Single(payload.Values);
    }

    [Fact]
    public async Task Read_OfLatestAndOfANumberedVersion_ReportsTheConcreteVersionAndItsCreateTime()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Emulator.AddVersion("rot", "one");
        bed.Emulator.AddVersion("rot", "two");
        var client = bed.Connect();

        var latest = Expect.Found(await client.ReadAsync("rot", null, default));
        var first = Expect.Found(await client.ReadAsync("rot", "1", default));

        Assert.Equal(("2", "two"), (latest.Version.Id, Expect.Text(latest, "value")));
        Assert.Equal(("1", "one"), (first.Version.Id, Expect.Text(first, "value")));
        var versions = bed.Emulator.GetVersions("rot")!;
        Assert.Equal(versions.Single(v => v.Version == 2).CreateTime, latest.Version.CreatedAt);
        Assert.Equal(versions.Single(v => v.Version == 1).CreateTime, first.Version.CreatedAt);
    }

    [Fact]
    public async Task ARead_AfterAVersionCheck_IsOneAccessCall()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Emulator.AddVersion("once", "v");
        var client = bed.Connect();
        Assert.IsType<VersionResult.Current>((await client.CheckVersionsAsync(["once"], default))["once"]);
        bed.Emulator.Requests.Clear();

        Expect.Found(await client.ReadAsync("once", null, default));

        Assert.Equal(["access"], bed.Emulator.Requests.Snapshot().Select(r => r.Verb));
    }

    [Fact]
    public async Task FolderStylePaths_AndFullResourceNames_NameTheSameSecret()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Emulator.AddVersion("payments-db", "{\"k\":\"v\"}");
        var client = bed.Connect();

        Assert.Equal("v", Expect.Text(Expect.Found(await client.ReadAsync("payments/db", null, default)), "k"));
        Assert.Equal("v", Expect.Text(Expect.Found(await client.ReadAsync($"projects/{bed.Emulator.ProjectNumber}/secrets/payments-db", null, default)), "k"));
        Expect.Failed(await client.ReadAsync("bad id!", null, default), FailureKind.Rejected);
        Expect.Failed(await client.ReadAsync("payments-db", "latest-ish", default), FailureKind.Rejected);
    }

    [Fact]
    public async Task ADisabledNewestVersion_IsAbsentDisabled_WithTheOlderEnabledVersionAsFallBack()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Emulator.AddVersion("db", "one");
        bed.Emulator.AddVersion("db", "two");
        bed.Emulator.DisableVersion("db", 2);
        var client = bed.Connect();

        var absence = Expect.Absent(await client.ReadAsync("db", null, default), AbsenceKind.Disabled);
        var pinned = Expect.Absent(await client.ReadAsync("db", "2", default), AbsenceKind.Disabled);

        Assert.Equal("1", absence.NewestLiveVersion);
        Assert.Equal("1", pinned.NewestLiveVersion);
        Assert.Equal("one", Expect.Text(Expect.Found(await client.ReadAsync("db", absence.NewestLiveVersion, default)), "value"));
    }

    [Fact]
    public async Task ADestroyedOnlyVersion_IsAbsentDestroyed_ForTheWholeSource()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Emulator.AddVersion("gone", "s3cr3t-payload");
        bed.Emulator.DestroyVersion("gone", 1);
        var client = bed.Connect();

        var absence = Expect.Absent(await client.ReadAsync("gone", null, default), AbsenceKind.Destroyed);

        Assert.True(absence.IsWholeSource);
        Assert.DoesNotContain("s3cr3t", absence.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMissingSecret_ASecretWithoutVersions_AndAMissingVersionNumber_AreAbsentNotFound()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Emulator.CreateSecret("empty");
        bed.Emulator.AddVersion("one", "v");
        var client = bed.Connect();

        Assert.True(Expect.Absent(await client.ReadAsync("missing", null, default), AbsenceKind.NotFound).IsWholeSource);
        Assert.True(Expect.Absent(await client.ReadAsync("empty", null, default), AbsenceKind.NotFound).IsWholeSource);
        Assert.Equal("1", Expect.Absent(await client.ReadAsync("one", "7", default), AbsenceKind.NotFound).NewestLiveVersion);
        Assert.True(Expect.Absent(await client.ReadAsync("missing", "3", default), AbsenceKind.NotFound).IsWholeSource);
    }

    [Fact]
    public async Task ACorruptedPayload_FailsTheCrc32cCheck_AsInvalidResponse_WithoutAnyData()
    {
        await using var stub = await LoopbackServer.StartAsync(async context =>
        {
            context.Response.ContentType = "application/json";
            // "s3cr3t" with the checksum of "s3cr3u": a flipped bit in transit.
            var wrong = Crc32C.Compute(Encoding.ASCII.GetBytes("s3cr3u"));
            await context.Response.WriteAsync(
                $"{{\"name\":\"projects/1/secrets/db/versions/3\",\"payload\":{{\"data\":\"czNjcjN0\",\"dataCrc32c\":\"{wrong}\"}}}}");
        });
        await using var bed = await GcpTestBed.StartAsync();
        var client = bed.ConnectWith(new GcpProvider(TimeProvider.System),
            Settings.Of(("project", "p"), ("endpoint", stub.Address.ToString()), ("auth.accessTokenFile", bed.File("t"))));

        var failure = Expect.Failed(await client.ReadAsync("db", null, default), FailureKind.InvalidResponse);

        Assert.Contains("dataCrc32c", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACorrectChecksum_AndAMissingChecksum_AreBothAccepted()
    {
        var crc = Crc32C.Compute(Encoding.ASCII.GetBytes("s3cr3t"));
        await using var stub = await LoopbackServer.StartAsync(async context =>
        {
            context.Response.ContentType = "application/json";
            var checksum = context.Request.Path.Value!.Contains("/versions/1", StringComparison.Ordinal) ? "" : $",\"dataCrc32c\":\"{crc}\"";
            await context.Response.WriteAsync(context.Request.Path.Value!.EndsWith(":access", StringComparison.Ordinal)
                ? $"{{\"name\":\"projects/1/secrets/db/versions/{(checksum.Length == 0 ? 1 : 2)}\",\"payload\":{{\"data\":\"czNjcjN0\"{checksum}}}}}"
                : "{\"name\":\"projects/1/secrets/db/versions/1\",\"createTime\":\"2026-01-02T03:04:05.123456789Z\",\"state\":\"ENABLED\"}");
        });
        await using var bed = await GcpTestBed.StartAsync();
        var client = bed.ConnectWith(new GcpProvider(TimeProvider.System),
            Settings.Of(("project", "p"), ("endpoint", stub.Address.ToString()), ("auth.accessTokenFile", bed.File("t"))));

        Assert.Equal("s3cr3t", Expect.Text(Expect.Found(await client.ReadAsync("db", null, default)), "value"));
        var pinned = Expect.Found(await client.ReadAsync("db", "1", default));
        Assert.Equal("s3cr3t", Expect.Text(pinned, "value"));
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(1234567), pinned.Version.CreatedAt);
    }

    [Fact]
    public async Task A404WithoutGooglesErrorShape_IsNotEvidence()
    {
        await using var stub = await LoopbackServer.StartAsync(context =>
        {
            context.Response.StatusCode = 404;
            return context.Response.WriteAsync("<html>The requested URL was not found on this server.</html>");
        });
        await using var bed = await GcpTestBed.StartAsync();
        var client = bed.ConnectWith(new GcpProvider(TimeProvider.System),
            Settings.Of(("project", "p"), ("endpoint", stub.Address.ToString()), ("auth.accessTokenFile", bed.File("t"))));

        Expect.Failed(await client.ReadAsync("db", null, default), FailureKind.Rejected);
        Assert.IsType<VersionResult.Failed>((await client.CheckVersionsAsync(["db"], default))["db"]);
    }

    [Theory]
    [InlineData(403, FailureKind.Forbidden)]
    [InlineData(401, FailureKind.Unauthenticated)]
    [InlineData(429, FailureKind.Throttled)]
    [InlineData(503, FailureKind.Unavailable)]
    [InlineData(500, FailureKind.Unavailable)]
    public async Task ErrorStatuses_MapToFailures_NeverToAbsence(int status, FailureKind kind)
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Emulator.AddVersion("db", "v");
        var client = bed.Connect();
        using var fault = bed.Emulator.Faults.Add(new FaultRule { StatusCode = status, RetryAfter = status == 429 ? TimeSpan.FromSeconds(30) : null });

        var failure = Expect.Failed(await client.ReadAsync("db", null, default), kind);
        var check = Assert.IsType<VersionResult.Failed>((await client.CheckVersionsAsync(["db"], default))["db"]);

        Assert.Equal(kind, check.Failure.Kind);
        if (status == 429)
        {
            Assert.Equal(TimeSpan.FromSeconds(30), failure.RetryAfter);
        }
    }

    [Fact]
    public async Task AShortRetryAfter_IsHonouredInsideTheCall()
    {
        await using var bed = await GcpTestBed.StartAsync();
        bed.Emulator.AddVersion("db", "v");
        var client = bed.Connect();
        bed.Emulator.Faults.Add(new FaultRule { StatusCode = 429, RetryAfter = TimeSpan.FromSeconds(1), Times = 1 });

        Expect.Found(await client.ReadAsync("db", null, default));

        Assert.Equal(2, bed.Count("access"));
    }
}
