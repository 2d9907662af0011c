using System.Text;
using SecretSync.Core.Providers;
using SecretSync.DevStack.Hosting;
using SecretSync.Providers.Common;

namespace SecretSync.Providers.Aws.Tests;

public sealed class AwsReadTests : IAsyncLifetime
{
    private AwsTestBed _bed = null!;

    public async Task InitializeAsync() => _bed = await AwsTestBed.StartAsync();

    public async Task DisposeAsync() => await _bed.DisposeAsync();

    [Fact]
    public async Task ReadingManySources_BatchesTwentyIdsPerBatchGetSecretValueCall()
    {
        var paths = Enumerable.Range(0, 21).Select(i => $"batch/s{i:00}").ToList();
        paths.ForEach(p => _bed.Aws.PutSecret(p, $"{{\"n\":\"{p}\"}}"));
        var client = _bed.Connect();

        var results = await client.ReadManyAsync(paths, default);

        Assert.Equal(2, _bed.Count("BatchGetSecretValue"));
        Assert.Equal(0, _bed.Count("GetSecretValue"));
        Assert.All(paths, p => Assert.Equal(p, Text(Assert.IsType<ReadResult.Found>(results[p]), "n")));
    }

    [Fact]
    public async Task ConcurrentReads_AreCoalescedIntoBatches()
    {
        var paths = Enumerable.Range(0, 21).Select(i => $"co/s{i:00}").ToList();
        paths.ForEach(p => _bed.Aws.PutSecret(p, $"{{\"n\":\"{p}\"}}"));
        var client = _bed.Connect();

        var reads = paths.Select(p => client.ReadAsync(p, null, default).AsTask()).ToList();
        var results = await Task.WhenAll(reads);

        Assert.All(results.Zip(paths), r => Assert.Equal(r.Second, Text(Assert.IsType<ReadResult.Found>(r.First), "n")));
        var calls = _bed.Count("BatchGetSecretValue") + _bed.Count("GetSecretValue");
        Assert.InRange(calls, 2, 3);
    }

    [Fact]
    public async Task BatchEntries_ReportMissingAndScheduledSecrets_AsAbsent_AndDeniedOnes_AsForbidden()
    {
        _bed.Aws.PutSecret("mix/live", "{\"k\":\"v\"}");
        _bed.Aws.PutSecret("mix/deleted", "{\"k\":\"v\"}");
        _bed.Aws.PutSecret("mix/denied", "{\"k\":\"v\"}");
        _bed.Aws.DeleteSecret("mix/deleted");
        using var deny = _bed.Aws.Deny("GetSecretValue", "mix/denied");
        var client = _bed.Connect();

        var results = await client.ReadManyAsync(["mix/live", "mix/deleted", "mix/missing", "mix/denied"], default);

        Assert.Equal(1, _bed.Count("BatchGetSecretValue"));
        Assert.IsType<ReadResult.Found>(results["mix/live"]);
        Assert.Equal(AbsenceKind.ScheduledForDeletion, Assert.IsType<ReadResult.Absent>(results["mix/deleted"]).Absence.Kind);
        Assert.Equal(AbsenceKind.NotFound, Assert.IsType<ReadResult.Absent>(results["mix/missing"]).Absence.Kind);
        Assert.Equal(FailureKind.Forbidden, Assert.IsType<ReadResult.Failed>(results["mix/denied"]).Failure.Kind);
    }

    [Fact]
    public async Task ScheduledForDeletion_IsAbsent_OnASingleRead()
    {
        _bed.Aws.PutSecret("app/db", "{\"k\":\"v\"}");
        _bed.Aws.DeleteSecret("app/db", recoveryWindowInDays: 7);
        var client = _bed.Connect();

        var absent = Assert.IsType<ReadResult.Absent>(await client.ReadAsync("app/db", null, default));

        Assert.Equal(AbsenceKind.ScheduledForDeletion, absent.Absence.Kind);
        Assert.True(absent.Absence.IsWholeSource);
    }

    [Fact]
    public async Task ForceDeleted_IsAbsentAsNotFound()
    {
        _bed.Aws.PutSecret("app/db", "{\"k\":\"v\"}");
        _bed.Aws.DeleteSecret("app/db", forceDeleteWithoutRecovery: true);
        var client = _bed.Connect();

        Assert.Equal(AbsenceKind.NotFound, Assert.IsType<ReadResult.Absent>(await client.ReadAsync("app/db", null, default)).Absence.Kind);
    }

    [Fact]
    public async Task AccessDenied_IsForbidden_NeverAbsent()
    {
        _bed.Aws.PutSecret("app/db", "{\"k\":\"v\"}");
        using var deny = _bed.Aws.Deny();
        var client = _bed.Connect();

        var failed = Assert.IsType<ReadResult.Failed>(await client.ReadAsync("app/db", null, default));
        var check = Assert.IsType<VersionResult.Failed>((await client.CheckVersionsAsync(["app/db"], default))["app/db"]);

        Assert.Equal(FailureKind.Forbidden, failed.Failure.Kind);
        Assert.Equal(FailureKind.Forbidden, check.Failure.Kind);
        Assert.Contains("AccessDeniedException", failed.Failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WhenBatchGetSecretValueIsDenied_ReadsFallBackToGetSecretValue()
    {
        _bed.Aws.PutSecret("a", "{\"k\":\"1\"}");
        _bed.Aws.PutSecret("b", "{\"k\":\"2\"}");
        using var deny = _bed.Aws.Deny("BatchGetSecretValue");
        var client = _bed.Connect();

        var first = await client.ReadManyAsync(["a", "b"], default);
        var second = await client.ReadManyAsync(["a", "b"], default);

        Assert.Equal("2", Text(Assert.IsType<ReadResult.Found>(first["b"]), "k"));
        Assert.Equal("1", Text(Assert.IsType<ReadResult.Found>(second["a"]), "k"));
        Assert.Equal(1, _bed.Count("BatchGetSecretValue"));
        Assert.Equal(4, _bed.Count("GetSecretValue"));
    }

    [Fact]
    public async Task UnknownAccessKey_AndWrongSecretKey_AreUnauthenticated()
    {
        _bed.Aws.PutSecret("app/db", "{\"k\":\"v\"}");
        var wrongKey = _bed.Connect("wrong-key", secretKey: "not-the-key");
        var unknownId = _bed.Connect("unknown-id", accessKeyId: "AKIAUNKNOWNKEY000000");

        var badSignature = Assert.IsType<ReadResult.Failed>(await wrongKey.ReadAsync("app/db", null, default));
        var unrecognized = Assert.IsType<ReadResult.Failed>(await unknownId.ReadAsync("app/db", null, default));

        Assert.Equal(FailureKind.Unauthenticated, badSignature.Failure.Kind);
        Assert.Contains("InvalidSignatureException", badSignature.Failure.Message, StringComparison.Ordinal);
        Assert.Equal(FailureKind.Unauthenticated, unrecognized.Failure.Kind);
        Assert.Contains("UnrecognizedClientException", unrecognized.Failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-key", badSignature.Failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Throttling_IsRetriedWithBackOff_ThenSucceeds()
    {
        _bed.Aws.PutSecret("app/db", "{\"k\":\"v\"}");
        _bed.Aws.Faults.Add(new FaultRule { StatusCode = 429, Times = 2 });
        var client = _bed.Connect();

        Assert.IsType<ReadResult.Found>(await client.ReadAsync("app/db", null, default));
        Assert.Equal(3, _bed.Count("GetSecretValue"));
    }

    [Fact]
    public async Task PersistentThrottling_IsThrottled_WithTheRetryAfterSent()
    {
        _bed.Aws.PutSecret("app/db", "{\"k\":\"v\"}");
        using var throttle = _bed.Aws.Faults.Add(new FaultRule { StatusCode = 429, RetryAfter = TimeSpan.FromSeconds(30) });
        var client = _bed.Connect();

        var failed = Assert.IsType<ReadResult.Failed>(await client.ReadAsync("app/db", null, default));

        Assert.Equal(FailureKind.Throttled, failed.Failure.Kind);
        Assert.Equal(TimeSpan.FromSeconds(30), failed.Failure.RetryAfter);
        Assert.Equal(1, _bed.Count("GetSecretValue"));
    }

    [Fact]
    public async Task SpecificVersions_AreReadByVersionIdOrStage()
    {
        var first = _bed.Aws.PutSecret("app/db", "{\"pw\":\"one\"}");
        var second = _bed.Aws.PutSecret("app/db", "{\"pw\":\"two\"}");
        var client = _bed.Connect();

        var byId = Assert.IsType<ReadResult.Found>(await client.ReadAsync("app/db", first, default));
        var previous = Assert.IsType<ReadResult.Found>(await client.ReadAsync("app/db", "AWSPREVIOUS", default));
        var current = Assert.IsType<ReadResult.Found>(await client.ReadAsync("app/db", "stage:AWSCURRENT", default));

        Assert.Equal(("one", first), (Text(byId, "pw"), byId.Payload.Version.Id));
        Assert.Equal(("one", first), (Text(previous, "pw"), previous.Payload.Version.Id));
        Assert.Equal(("two", second), (Text(current, "pw"), current.Payload.Version.Id));
    }

    [Fact]
    public async Task AMissingVersion_IsAbsent_NamingTheCurrentVersionAsStillLive()
    {
        var current = _bed.Aws.PutSecret("app/db", "{\"pw\":\"one\"}");
        var client = _bed.Connect();

        var absent = Assert.IsType<ReadResult.Absent>(await client.ReadAsync("app/db", "00000000-0000-0000-0000-000000000000", default));

        Assert.Equal(AbsenceKind.NotFound, absent.Absence.Kind);
        Assert.Equal(current, absent.Absence.NewestLiveVersion);
    }

    [Fact]
    public async Task NonObjectSecretStrings_AndBinaries_AreOneKeyNamedValue()
    {
        _bed.Aws.PutSecret("plain", "just a password");
        _bed.Aws.PutSecret("array", "[1,2]");
        _bed.Aws.PutSecret("typed", "{\"port\":5432,\"tls\":true,\"nested\":{\"a\":1}}");
        _bed.Aws.PutSecretBinary("binary", [0, 1, 2, 255]);
        var client = _bed.Connect();

        var results = await client.ReadManyAsync(["plain", "array", "typed", "binary"], default);

        Assert.Equal("just a password", Text(Assert.IsType<ReadResult.Found>(results["plain"]), "value"));
        Assert.Equal("[1,2]", Text(Assert.IsType<ReadResult.Found>(results["array"]), "value"));
        var typed = Assert.IsType<ReadResult.Found>(results["typed"]);
        Assert.Equal(("5432", "true", "{\"a\":1}"), (Text(typed, "port"), Text(typed, "tls"), Text(typed, "nested")));
        Assert.Equal(new byte[] { 0, 1, 2, 255 }, Assert.IsType<ReadResult.Found>(results["binary"]).Payload.Values["value"]);
    }

    [Fact]
    public async Task AnOutage_IsUnavailable_AfterRetries()
    {
        _bed.Aws.PutSecret("app/db", "{\"k\":\"v\"}");
        using var outage = _bed.Aws.Faults.Add(new FaultRule { StatusCode = 503 });
        var client = _bed.Connect();

        var failed = Assert.IsType<ReadResult.Failed>(await client.ReadAsync("app/db", null, default));

        Assert.Equal(FailureKind.Unavailable, failed.Failure.Kind);
        Assert.Equal(1 + ProviderPipeline.DefaultMaxRetries, _bed.Count("GetSecretValue"));
    }

    [Fact]
    public async Task FailureMessages_NeverCarryTheSecretKey_OrValues()
    {
        _bed.Aws.PutSecret("app/db", "{\"password\":\"hunter2-value\"}");
        var client = _bed.Connect("leak-check", secretKey: "very-secret-wrong-key");

        var failed = Assert.IsType<ReadResult.Failed>(await client.ReadAsync("app/db", null, default));

        Assert.DoesNotContain("very-secret-wrong-key", failed.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", failed.ToString(), StringComparison.Ordinal);
    }

    private static string Text(ReadResult.Found found, string key) => Encoding.UTF8.GetString(found.Payload.Values[key]);
}
