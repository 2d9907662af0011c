using System.Text.Json;
using SecretSync.DevStack.Hosting;

namespace SecretSync.DevStack.Tests.Aws;

public sealed class AwsEmulatorTests : IAsyncLifetime
{
    private AwsSecretsManagerEmulator _aws = null!;
    private AwsTestClient _client = null!;

    public async Task InitializeAsync()
    {
        _aws = await AwsSecretsManagerEmulator.StartAsync();
        _client = new AwsTestClient(_aws);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _aws.DisposeAsync();
    }

    [Fact]
    public async Task CreateGetPutAndGetByVersion_FollowTheDocumentedShapes()
    {
        var created = await _client.CallAsync("CreateSecret", new { Name = "app/db", SecretString = "{\"pw\":\"p1\"}", ClientRequestToken = "11111111-1111-1111-1111-111111111111" });
        var put = await _client.CallAsync("PutSecretValue", new { SecretId = "app/db", SecretString = "{\"pw\":\"p2\"}", ClientRequestToken = "22222222-2222-2222-2222-222222222222" });
        var current = await _client.CallAsync("GetSecretValue", new { SecretId = "app/db" });
        var first = await _client.CallAsync("GetSecretValue", new { SecretId = "app/db", VersionId = "11111111-1111-1111-1111-111111111111" });
        var previous = await _client.CallAsync("GetSecretValue", new { SecretId = "app/db", VersionStage = "AWSPREVIOUS" });

        Assert.Equal(200, created.Status);
        Assert.Equal("11111111-1111-1111-1111-111111111111", created.Body.GetProperty("VersionId").GetString());
        Assert.Matches(@"^arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-[A-Za-z0-9]{6}$", created.Body.GetProperty("ARN").GetString());
        Assert.Equal(["AWSCURRENT"], Strings(put.Body.GetProperty("VersionStages")));
        Assert.Equal("{\"pw\":\"p2\"}", current.Body.GetProperty("SecretString").GetString());
        Assert.Equal(JsonValueKind.Number, current.Body.GetProperty("CreatedDate").ValueKind);
        Assert.Equal("{\"pw\":\"p1\"}", first.Body.GetProperty("SecretString").GetString());
        Assert.Equal(["AWSPREVIOUS"], Strings(first.Body.GetProperty("VersionStages")));
        Assert.Equal("11111111-1111-1111-1111-111111111111", previous.Body.GetProperty("VersionId").GetString());
    }

    [Fact]
    public async Task ClientRequestToken_MakesRetriesIdempotent_AndRejectsReuseWithAnotherValue()
    {
        _aws.PutSecret("app/db", "v0");
        var token = "33333333-3333-3333-3333-333333333333";

        var first = await _client.CallAsync("PutSecretValue", new { SecretId = "app/db", SecretString = "v1", ClientRequestToken = token });
        var retry = await _client.CallAsync("PutSecretValue", new { SecretId = "app/db", SecretString = "v1", ClientRequestToken = token });
        var clash = await _client.CallAsync("PutSecretValue", new { SecretId = "app/db", SecretString = "other", ClientRequestToken = token });

        Assert.Equal((200, 200), (first.Status, retry.Status));
        Assert.Equal(token, retry.Body.GetProperty("VersionId").GetString());
        Assert.Equal(2, _aws.Describe("app/db")!.VersionStages.Count);
        Assert.Equal((400, "ResourceExistsException"), (clash.Status, clash.Code));
    }

    [Fact]
    public async Task Errors_CarryTypeInBodyAndHeader()
    {
        var missing = await _client.CallAsync("GetSecretValue", new { SecretId = "nope" });
        var duplicate = await _client.CallAsync("CreateSecret", new { Name = "dup", SecretString = "x" });
        var again = await _client.CallAsync("CreateSecret", new { Name = "dup", SecretString = "y" });
        var unknown = await _client.CallAsync("FlySecret", new { });

        Assert.Equal((400, "ResourceNotFoundException", "ResourceNotFoundException"), (missing.Status, missing.Code, missing.ErrorType));
        Assert.Equal("Secrets Manager can't find the specified secret.", missing.Body.GetProperty("message").GetString());
        Assert.Equal(200, duplicate.Status);
        Assert.Equal("ResourceExistsException", again.Code);
        Assert.Equal("UnknownOperationException", unknown.Code);
    }

    [Fact]
    public async Task DeleteWithRecoveryWindow_SchedulesDeletion_ThenRestoreBringsItBack()
    {
        _aws.PutSecret("app/db", "v");

        var deleted = await _client.CallAsync("DeleteSecret", new { SecretId = "app/db", RecoveryWindowInDays = 7 });
        var get = await _client.CallAsync("GetSecretValue", new { SecretId = "app/db" });
        var describe = await _client.CallAsync("DescribeSecret", new { SecretId = "app/db" });
        var hidden = await _client.CallAsync("ListSecrets", new { });
        var shown = await _client.CallAsync("ListSecrets", new { IncludePlannedDeletion = true });
        var restored = await _client.CallAsync("RestoreSecret", new { SecretId = "app/db" });
        var after = await _client.CallAsync("GetSecretValue", new { SecretId = "app/db" });

        Assert.Equal(JsonValueKind.Number, deleted.Body.GetProperty("DeletionDate").ValueKind);
        Assert.Equal((400, "InvalidRequestException"), (get.Status, get.Code));
        Assert.Contains("marked for deletion", get.Body.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Number, describe.Body.GetProperty("DeletedDate").ValueKind);
        Assert.Equal(0, hidden.Body.GetProperty("SecretList").GetArrayLength());
        Assert.Equal(1, shown.Body.GetProperty("SecretList").GetArrayLength());
        Assert.Equal(200, restored.Status);
        Assert.Equal("v", after.Body.GetProperty("SecretString").GetString());
    }

    [Fact]
    public async Task ForceDelete_RemovesTheSecretAtOnce()
    {
        _aws.PutSecret("app/db", "v");

        await _client.CallAsync("DeleteSecret", new { SecretId = "app/db", ForceDeleteWithoutRecovery = true });
        var get = await _client.CallAsync("GetSecretValue", new { SecretId = "app/db" });
        var both = await _client.CallAsync("DeleteSecret", new { SecretId = "x", ForceDeleteWithoutRecovery = true, RecoveryWindowInDays = 7 });

        Assert.Equal("ResourceNotFoundException", get.Code);
        Assert.Null(_aws.Describe("app/db"));
        Assert.Equal("ResourceNotFoundException", both.Code);
    }

    [Fact]
    public async Task ListSecrets_PagesWithNextToken_AndFiltersByNamePrefix()
    {
        for (var i = 0; i < 25; i++)
        {
            _aws.PutSecret($"team/s{i:00}", "v");
        }

        _aws.PutSecret("other/x", "v");
        var names = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await _client.CallAsync("ListSecrets", token is null
                ? new { MaxResults = 10, Filters = new[] { new { Key = "name", Values = new[] { "team/" } } } }
                : (object)new { MaxResults = 10, NextToken = token, Filters = new[] { new { Key = "name", Values = new[] { "team/" } } } });
            pages++;
            names.AddRange(page.Body.GetProperty("SecretList").EnumerateArray().Select(e => e.GetProperty("Name").GetString()!));
            token = page.Body.TryGetProperty("NextToken", out var next) ? next.GetString() : null;
            var entry = page.Body.GetProperty("SecretList")[0];
            Assert.Equal(JsonValueKind.Object, entry.GetProperty("SecretVersionsToStages").ValueKind);
            Assert.Equal(JsonValueKind.Number, entry.GetProperty("LastChangedDate").ValueKind);
        }
        while (token is not null);

        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Range(0, 25).Select(i => $"team/s{i:00}"), names);
        var negated = await _client.CallAsync("ListSecrets", new { Filters = new[] { new { Key = "name", Values = new[] { "!team/" } } } });
        Assert.Equal("other/x", Assert.Single(negated.Body.GetProperty("SecretList").EnumerateArray()).GetProperty("Name").GetString());
        var badMax = await _client.CallAsync("ListSecrets", new { MaxResults = 101 });
        Assert.Equal("ValidationException", badMax.Code);
    }

    [Fact]
    public async Task BatchGetSecretValue_AnswersValuesAndPerSecretErrors_UpToTwenty()
    {
        _aws.PutSecret("a", "1");
        _aws.PutSecretBinary("b", [1, 2, 3]);
        _aws.PutSecret("gone", "x");
        _aws.DeleteSecret("gone");

        var batch = await _client.CallAsync("BatchGetSecretValue", new { SecretIdList = new[] { "a", "b", "gone", "missing" } });
        var tooMany = await _client.CallAsync("BatchGetSecretValue", new { SecretIdList = Enumerable.Range(0, 21).Select(i => $"s{i}").ToArray() });

        var values = batch.Body.GetProperty("SecretValues").EnumerateArray().ToDictionary(e => e.GetProperty("Name").GetString()!);
        Assert.Equal("1", values["a"].GetProperty("SecretString").GetString());
        Assert.Equal("AQID", values["b"].GetProperty("SecretBinary").GetString());
        var errors = batch.Body.GetProperty("Errors").EnumerateArray().ToDictionary(e => e.GetProperty("SecretId").GetString()!, e => e.GetProperty("ErrorCode").GetString());
        Assert.Equal("InvalidRequestException", errors["gone"]);
        Assert.Equal("ResourceNotFoundException", errors["missing"]);
        Assert.Equal("ValidationException", tooMany.Code);
    }

    [Fact]
    public async Task ListSecretVersionIds_AndUpdateSecret_WorkAsDocumented()
    {
        _aws.PutSecret("app/db", "v1");
        var update = await _client.CallAsync("UpdateSecret", new { SecretId = "app/db", Description = "db", SecretString = "v2" });
        var versions = await _client.CallAsync("ListSecretVersionIds", new { SecretId = "app/db" });
        var describe = await _client.CallAsync("DescribeSecret", new { SecretId = "app/db" });

        Assert.True(update.Body.TryGetProperty("VersionId", out _));
        Assert.Equal(2, versions.Body.GetProperty("Versions").GetArrayLength());
        Assert.Equal("db", describe.Body.GetProperty("Description").GetString());
        Assert.Equal(2, describe.Body.GetProperty("VersionIdsToStages").EnumerateObject().Count());
    }

    [Fact]
    public async Task Signatures_AreVerified_AsAwsDoes()
    {
        _aws.PutSecret("app/db", "v");
        var now = TimeProvider.System.GetUtcNow();

        var wrongSecret = await _client.CallAsync("GetSecretValue", new { SecretId = "app/db" }, _aws.AccessKeyId, "wrong", now, _aws.Region);
        var unknownKey = await _client.CallAsync("GetSecretValue", new { SecretId = "app/db" }, "AKIAUNKNOWN", _aws.SecretAccessKey, now, _aws.Region);
        var wrongRegion = await _client.CallAsync("GetSecretValue", new { SecretId = "app/db" }, _aws.AccessKeyId, _aws.SecretAccessKey, now, "eu-west-1");
        var stale = await _client.CallAsync("GetSecretValue", new { SecretId = "app/db" }, _aws.AccessKeyId, _aws.SecretAccessKey, now.AddMinutes(-20), _aws.Region);
        var unsigned = await _client.CallAsync("GetSecretValue", new { SecretId = "app/db" }, _aws.AccessKeyId, _aws.SecretAccessKey, now, _aws.Region, sign: false);
        var good = await _client.CallAsync("GetSecretValue", new { SecretId = "app/db" });

        Assert.Equal((403, "InvalidSignatureException"), (wrongSecret.Status, wrongSecret.Code));
        Assert.Contains("signature we calculated does not match", wrongSecret.Body.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("UnrecognizedClientException", unknownKey.Code);
        Assert.Equal("InvalidSignatureException", wrongRegion.Code);
        Assert.StartsWith("Signature expired", stale.Body.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("MissingAuthenticationTokenException", unsigned.Code);
        Assert.Equal(200, good.Status);
    }

    [Fact]
    public async Task Faults_AnswerInAwsShape_AndTheLogNamesOperations()
    {
        _aws.PutSecret("app/db", "v");
        using (_aws.Faults.Add(new FaultRule { StatusCode = 429, RetryAfter = TimeSpan.FromSeconds(3), Verb = "GetSecretValue" }))
        {
            var throttled = await _client.CallAsync("GetSecretValue", new { SecretId = "app/db" });
            var listed = await _client.CallAsync("ListSecrets", new { });
            Assert.Equal((400, "ThrottlingException", "3"), (throttled.Status, throttled.Code, throttled.RetryAfter));
            Assert.Equal(200, listed.Status);
        }

        using (_aws.Faults.Add(new FaultRule { StatusCode = 500 }))
        {
            var failed = await _client.CallAsync("ListSecrets", new { });
            Assert.Equal((500, "InternalServiceError"), (failed.Status, failed.Code));
        }

        Assert.Equal(["GetSecretValue", "ListSecrets", "ListSecrets"], _aws.Requests.Snapshot().Select(r => r.Verb));
    }

    [Fact]
    public async Task Denials_StandInForIam()
    {
        _aws.PutSecret("app/db", "v");
        using var deny = _aws.Deny("GetSecretValue", "app/db");

        var denied = await _client.CallAsync("GetSecretValue", new { SecretId = "app/db" });
        var described = await _client.CallAsync("DescribeSecret", new { SecretId = "app/db" });

        Assert.Equal("AccessDeniedException", denied.Code);
        Assert.Equal(200, described.Status);
    }

    [Fact]
    public async Task ValuesOverTheQuota_AreRefused()
    {
        var large = new string('x', 65_537);

        var refused = await _client.CallAsync("CreateSecret", new { Name = "big", SecretString = large });

        Assert.Equal("ValidationException", refused.Code);
        Assert.Throws<InvalidOperationException>(() => _aws.PutSecret("big", large));
    }

    [Fact]
    public async Task SeededSecrets_RecoverVersionIds_AndStagesMove()
    {
        var first = _aws.PutSecret("app/db", "v1");
        var second = _aws.PutSecret("app/db", "v2");
        var third = _aws.PutSecret("app/db", "v3");

        var snapshot = _aws.Describe("app/db")!;

        Assert.Equal(third, snapshot.CurrentVersionId);
        Assert.Equal(["AWSPREVIOUS"], snapshot.VersionStages[second]);
        Assert.Empty(snapshot.VersionStages[first]);
        var all = await _client.CallAsync("ListSecretVersionIds", new { SecretId = "app/db", IncludeDeprecated = true });
        Assert.Equal(3, all.Body.GetProperty("Versions").GetArrayLength());
    }

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];
}
