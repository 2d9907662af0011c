using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using SecretSync.DevStack.Hosting;
using SecretSync.Testing;

namespace SecretSync.DevStack.Tests.Gcp;

public sealed class GcpEmulatorTests
{
    [Fact]
    public async Task CreateAddAccess_RoundTripsThePayload_WithItsCrc32cAndTheProjectNumber()
    {
        await using var api = await GcpTestHttp.StartAsync();
        var created = await api.PostAsync($"{api.Secrets}?secretId=db", new { replication = new { automatic = new { } }, labels = new { team = "payments" } });
        var added = await api.PostAsync($"{api.Secrets}/db:addVersion", new { payload = new { data = GcpTestHttp.Base64("s3cr3t"), dataCrc32c = "825573743" } });

        var access = await api.GetAsync($"{api.Secrets}/db/versions/latest:access");

        Assert.Equal(HttpStatusCode.OK, created.Status);
        Assert.Equal("projects/123456789012/secrets/db", created.Json.GetProperty("name").GetString());
        Assert.Equal("payments", created.Json.GetProperty("labels").GetProperty("team").GetString());
        Assert.Equal("projects/123456789012/secrets/db/versions/1", added.Json.GetProperty("name").GetString());
        Assert.Equal("ENABLED", added.Json.GetProperty("state").GetString());
        Assert.True(added.Json.GetProperty("clientSpecifiedPayloadChecksum").GetBoolean());
        Assert.Equal("projects/123456789012/secrets/db/versions/1", access.Json.GetProperty("name").GetString());
        Assert.Equal("czNjcjN0", access.Json.GetProperty("payload").GetProperty("data").GetString());
        // int64 as a JSON string (proto3 JSON mapping), computed by CRC-32C.
        Assert.Equal(JsonValueKind.String, access.Json.GetProperty("payload").GetProperty("dataCrc32c").ValueKind);
        Assert.Equal("825573743", access.Json.GetProperty("payload").GetProperty("dataCrc32c").GetString());
        Assert.StartsWith("application/json", access.Response.Content.Headers.ContentType!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AccessChecksums_MatchAnIndependentCrc32c_ForBinaryPayloads()
    {
        await using var api = await GcpTestHttp.StartAsync();
        var bytes = Enumerable.Range(0, 4096).Select(i => (byte)(i * 31 % 256)).ToArray();
        api.Gcp.AddVersion("bin", bytes);

        var access = await api.GetAsync($"{api.Secrets}/bin/versions/1:access");

        Assert.Equal(bytes, Convert.FromBase64String(access.Json.GetProperty("payload").GetProperty("data").GetString()!));
        Assert.Equal(GcpTestHttp.Crc32C(bytes).ToString(CultureInfo.InvariantCulture), access.Json.GetProperty("payload").GetProperty("dataCrc32c").GetString());
    }

    [Fact]
    public async Task AddVersion_WithAWrongChecksum_IsInvalidArgument_AndAddsNothing()
    {
        await using var api = await GcpTestHttp.StartAsync();
        api.Gcp.CreateSecret("db");

        var refused = await api.PostAsync($"{api.Secrets}/db:addVersion", new { payload = new { data = GcpTestHttp.Base64("s3cr3t"), dataCrc32c = "1" } });

        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Equal("INVALID_ARGUMENT", refused.ErrorStatus);
        Assert.Empty(api.Gcp.GetVersions("db")!);
    }

    [Fact]
    public async Task APayloadOver64KiB_IsInvalidArgument()
    {
        await using var api = await GcpTestHttp.StartAsync();
        api.Gcp.CreateSecret("big");

        var refused = await api.PostAsync($"{api.Secrets}/big:addVersion", new { payload = new { data = Convert.ToBase64String(new byte[65_537]) } });

        Assert.Equal(("INVALID_ARGUMENT", 400), (refused.ErrorStatus, (int)refused.Status));
        Assert.Throws<InvalidOperationException>(() => api.Gcp.AddVersion("big", new byte[65_537]));
    }

    [Fact]
    public async Task DisabledAndDestroyedVersions_AnswerFailedPrecondition_AndLatestIsTheNewestWhateverItsState()
    {
        await using var api = await GcpTestHttp.StartAsync();
        api.Gcp.AddVersion("db", "one");
        api.Gcp.AddVersion("db", "two");
        var disabled = await api.PostAsync($"{api.Secrets}/db/versions/2:disable", new { });
        api.Gcp.DestroyVersion("db", 1);

        var latest = await api.GetAsync($"{api.Secrets}/db/versions/latest:access");
        var first = await api.GetAsync($"{api.Secrets}/db/versions/1:access");
        var destroyedMeta = await api.GetAsync($"{api.Secrets}/db/versions/1");
        var enableDestroyed = await api.PostAsync($"{api.Secrets}/db/versions/1:enable", new { });

        Assert.Equal("DISABLED", disabled.Json.GetProperty("state").GetString());
        Assert.Equal((HttpStatusCode.BadRequest, "FAILED_PRECONDITION"), (latest.Status, latest.ErrorStatus));
        Assert.Equal("Secret Version [projects/123456789012/secrets/db/versions/2] is in DISABLED state.", latest.ErrorMessage);
        Assert.Equal("Secret Version [projects/123456789012/secrets/db/versions/1] is in DESTROYED state.", first.ErrorMessage);
        Assert.Equal("DESTROYED", destroyedMeta.Json.GetProperty("state").GetString());
        Assert.True(destroyedMeta.Json.TryGetProperty("destroyTime", out _));
        Assert.Equal("FAILED_PRECONDITION", enableDestroyed.ErrorStatus);
        Assert.Null(api.Gcp.GetVersions("db")!.Single(v => v.Version == 1).Data);
    }

    [Fact]
    public async Task NotFound_HasGooglesMessages_ForSecretsVersionsAndEmptySecrets()
    {
        await using var api = await GcpTestHttp.StartAsync();
        api.Gcp.CreateSecret("empty");
        api.Gcp.AddVersion("one", "v");

        var missing = await api.GetAsync($"{api.Secrets}/nope/versions/latest:access");
        var empty = await api.GetAsync($"{api.Secrets}/empty/versions/latest:access");
        var version = await api.GetAsync($"{api.Secrets}/one/versions/9:access");
        var secret = await api.GetAsync($"{api.Secrets}/nope");

        Assert.Equal("Secret [projects/123456789012/secrets/nope] not found or has no versions.", missing.ErrorMessage);
        Assert.Equal("Secret [projects/123456789012/secrets/empty] not found or has no versions.", empty.ErrorMessage);
        Assert.Equal("Secret Version [projects/123456789012/secrets/one/versions/9] not found.", version.ErrorMessage);
        Assert.Equal(("NOT_FOUND", 404), (secret.ErrorStatus, secret.Json.GetProperty("error").GetProperty("code").GetInt32()));
    }

    [Fact]
    public async Task ListVersions_IsNewestFirst_FiltersByState_AndPages()
    {
        await using var api = await GcpTestHttp.StartAsync();
        for (var i = 0; i < 5; i++)
        {
            api.Gcp.AddVersion("db", $"v{i}");
        }

        api.Gcp.DisableVersion("db", 4);

        var all = await api.GetAsync($"{api.Secrets}/db/versions");
        var enabled = await api.GetAsync($"{api.Secrets}/db/versions?filter={Uri.EscapeDataString("state:ENABLED")}");
        var notEnabled = await api.GetAsync($"{api.Secrets}/db/versions?filter={Uri.EscapeDataString("NOT state:ENABLED")}");
        var either = await api.GetAsync($"{api.Secrets}/db/versions?filter={Uri.EscapeDataString("state:DISABLED OR state:DESTROYED")}");
        var pages = new List<long>();
        string? token = null;
        var calls = 0;
        do
        {
            var page = await api.GetAsync($"{api.Secrets}/db/versions?pageSize=2" + (token is null ? "" : $"&pageToken={Uri.EscapeDataString(token)}"));
            calls++;
            pages.AddRange(Numbers(page));
            Assert.Equal(5, page.Json.GetProperty("totalSize").GetInt32());
            token = page.Json.TryGetProperty("nextPageToken", out var next) ? next.GetString() : null;
        }
        while (token is not null);

        Assert.Equal([5, 4, 3, 2, 1], Numbers(all));
        Assert.Equal([5, 3, 2, 1], Numbers(enabled));
        Assert.Equal([4], Numbers(notEnabled));
        Assert.Equal([4], Numbers(either));
        Assert.Equal([5, 4, 3, 2, 1], pages);
        Assert.Equal(3, calls);
        Assert.Equal("INVALID_ARGUMENT", (await api.GetAsync($"{api.Secrets}/db/versions?pageToken=garbage!")).ErrorStatus);
        Assert.Equal("INVALID_ARGUMENT", (await api.GetAsync($"{api.Secrets}/db/versions?filter=colour:red")).ErrorStatus);

        static long[] Numbers(GcpAnswer answer) =>
            answer.Json.TryGetProperty("versions", out var versions)
                ? [.. versions.EnumerateArray().Select(v => long.Parse(v.GetProperty("name").GetString()!.Split('/')[^1], CultureInfo.InvariantCulture))]
                : [];
    }

    [Fact]
    public async Task ListSecrets_IsNewestFirst_Pages_AndFiltersByNameAndLabel()
    {
        await using var api = await GcpTestHttp.StartAsync();
        api.Gcp.CreateSecret("alpha", new Dictionary<string, string> { ["team"] = "payments" });
        api.Gcp.CreateSecret("beta");
        api.Gcp.CreateSecret("gamma", new Dictionary<string, string> { ["team"] = "sre" });

        var all = await api.GetAsync(api.Secrets);
        var first = await api.GetAsync($"{api.Secrets}?pageSize=2");
        var rest = await api.GetAsync($"{api.Secrets}?pageSize=2&pageToken={Uri.EscapeDataString(first.Json.GetProperty("nextPageToken").GetString()!)}");
        var byName = await api.GetAsync($"{api.Secrets}?filter={Uri.EscapeDataString("name:alpha OR name:beta")}");
        var byLabel = await api.GetAsync($"{api.Secrets}?filter={Uri.EscapeDataString("labels.team=payments")}");
        var empty = await api.GetAsync($"{api.Secrets}?filter={Uri.EscapeDataString("name:zzz")}");

        Assert.Equal(["gamma", "beta", "alpha"], Ids(all));
        Assert.Equal(["gamma", "beta"], Ids(first));
        Assert.Equal(["alpha"], Ids(rest));
        Assert.False(rest.Json.TryGetProperty("nextPageToken", out _));
        Assert.Equal(["beta", "alpha"], Ids(byName));
        Assert.Equal(["alpha"], Ids(byLabel));
        Assert.Empty(Ids(empty));

        static string[] Ids(GcpAnswer answer) =>
            answer.Json.TryGetProperty("secrets", out var secrets) ? [.. secrets.EnumerateArray().Select(s => s.GetProperty("name").GetString()!.Split('/')[^1])] : [];
    }

    [Fact]
    public async Task CreateSecret_NeedsReplication_AValidId_AndIsRefusedTwice()
    {
        await using var api = await GcpTestHttp.StartAsync();

        var noReplication = await api.PostAsync($"{api.Secrets}?secretId=db", new { });
        var badId = await api.PostAsync($"{api.Secrets}?secretId=a%2Fb", new { replication = new { automatic = new { } } });
        var ok = await api.PostAsync($"{api.Secrets}?secretId=db", new { replication = new { userManaged = new { replicas = new[] { new { location = "us-east1" } } } } });
        var again = await api.PostAsync($"{api.Secrets}?secretId=db", new { replication = new { automatic = new { } } });

        Assert.Equal("INVALID_ARGUMENT", noReplication.ErrorStatus);
        Assert.Equal("INVALID_ARGUMENT", badId.ErrorStatus);
        Assert.Equal("us-east1", ok.Json.GetProperty("replication").GetProperty("userManaged").GetProperty("replicas")[0].GetProperty("location").GetString());
        Assert.Equal((HttpStatusCode.Conflict, "ALREADY_EXISTS"), (again.Status, again.ErrorStatus));
    }

    [Fact]
    public async Task DeleteSecret_AnswersAnEmptyObject_HonoursTheEtag_AndRemovesEveryVersion()
    {
        await using var api = await GcpTestHttp.StartAsync();
        api.Gcp.AddVersion("db", "v");
        var etag = (await api.GetAsync($"{api.Secrets}/db")).Json.GetProperty("etag").GetString()!;

        var stale = await api.SendAsync("DELETE", $"{api.Secrets}/db?etag={Uri.EscapeDataString("\"0000\"")}", null);
        var deleted = await api.SendAsync("DELETE", $"{api.Secrets}/db?etag={Uri.EscapeDataString(etag)}", null);
        var access = await api.GetAsync($"{api.Secrets}/db/versions/1:access");

        Assert.Equal("FAILED_PRECONDITION", stale.ErrorStatus);
        Assert.Equal((HttpStatusCode.OK, "{}"), (deleted.Status, deleted.Raw.Replace("\n", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal)));
        Assert.Equal("NOT_FOUND", access.ErrorStatus);
        Assert.Null(api.Gcp.GetVersions("db"));
    }

    [Fact]
    public async Task UpdateSecret_ChangesLabelsAndAliases_AndAnAliasCanBeAccessed()
    {
        await using var api = await GcpTestHttp.StartAsync();
        api.Gcp.AddVersion("db", "one");
        api.Gcp.AddVersion("db", "two");

        var updated = await api.SendAsync("PATCH", $"{api.Secrets}/db?updateMask=labels,versionAliases",
            new { labels = new { env = "prod" }, versionAliases = new Dictionary<string, string> { ["stable"] = "1" } });
        var aliased = await api.GetAsync($"{api.Secrets}/db/versions/stable:access");

        Assert.Equal("prod", updated.Json.GetProperty("labels").GetProperty("env").GetString());
        Assert.Equal("1", updated.Json.GetProperty("versionAliases").GetProperty("stable").GetString());
        Assert.Equal("one", Encoding.UTF8.GetString(Convert.FromBase64String(aliased.Json.GetProperty("payload").GetProperty("data").GetString()!)));
    }

    [Fact]
    public async Task TheNodeClientsQuery_GetsEnumsAsNumbers_AndGcloudsGetsNames()
    {
        await using var api = await GcpTestHttp.StartAsync();
        api.Gcp.AddVersion("db", "v");

        var node = await api.GetAsync($"{api.Secrets}/db/versions/1?$alt=json%3Benum-encoding%3Dint");
        var gcloud = await api.GetAsync($"{api.Secrets}/db/versions/1?alt=json");

        Assert.Equal(1, node.Json.GetProperty("state").GetInt32());
        Assert.Equal("ENABLED", gcloud.Json.GetProperty("state").GetString());
    }

    [Fact]
    public async Task Timestamps_AreRfc3339InUtc_WithProtobufFractionDigits()
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 11, 21, 10, 30, 0, TimeSpan.Zero).AddTicks(1234560));
        await using var api = await GcpTestHttp.StartAsync(new GcpSecretManagerEmulatorOptions { Time = clock });
        api.Gcp.AddVersion("db", "v");
        clock.Advance(TimeSpan.FromTicks(8765440));
        api.Gcp.AddVersion("db", "w");

        var first = await api.GetAsync($"{api.Secrets}/db/versions/1");
        var second = await api.GetAsync($"{api.Secrets}/db/versions/2");

        Assert.Equal("2026-11-21T10:30:00.123456Z", first.Json.GetProperty("createTime").GetString());
        Assert.Equal("2026-11-21T10:30:01Z", second.Json.GetProperty("createTime").GetString());
    }

    [Fact]
    public async Task RequestsWithoutTheBearerToken_AreUnauthenticated_InGooglesShape()
    {
        await using var api = await GcpTestHttp.StartAsync();

        var none = await api.GetAsync(api.Secrets, token: null);
        var wrong = await api.GetAsync(api.Secrets, token: "ya29.wrong");
        var issued = await api.GetAsync(api.Secrets, token: api.Gcp.IssueAccessToken());

        Assert.Equal((HttpStatusCode.Unauthorized, "UNAUTHENTICATED", 401), (none.Status, none.ErrorStatus, none.Json.GetProperty("error").GetProperty("code").GetInt32()));
        Assert.Contains("Bearer", none.Response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.Status);
        Assert.Equal(HttpStatusCode.OK, issued.Status);
        Assert.Equal(0, issued.Json.EnumerateObject().Count(p => p.Name == "secrets"));
    }

    [Fact]
    public async Task TheProject_MayBeNamedByNumber_AndAnotherProjectIsPermissionDenied()
    {
        await using var api = await GcpTestHttp.StartAsync();
        api.Gcp.AddVersion("db", "v");

        var byNumber = await api.GetAsync($"v1/projects/{api.Gcp.ProjectNumber}/secrets/db/versions/latest:access");
        var other = await api.GetAsync("v1/projects/someone-else/secrets/db/versions/latest:access");

        Assert.Equal(HttpStatusCode.OK, byNumber.Status);
        Assert.Equal((HttpStatusCode.Forbidden, "PERMISSION_DENIED"), (other.Status, other.ErrorStatus));
    }

    [Fact]
    public async Task UnknownUrls_AreAnHtml404_NotAJsonNotFound()
    {
        await using var api = await GcpTestHttp.StartAsync();

        var answer = await api.GetAsync("v2/projects/demo-project/secrets");

        Assert.Equal(HttpStatusCode.NotFound, answer.Status);
        Assert.Equal(JsonValueKind.Undefined, answer.Json.ValueKind);
    }

    [Fact]
    public async Task Faults_AnswerInGooglesErrorShape_WithRetryAfter_AndAreLogged()
    {
        await using var api = await GcpTestHttp.StartAsync();
        api.Gcp.AddVersion("db", "v");
        using (api.Gcp.Faults.Add(new FaultRule { Verb = "access", StatusCode = 429, RetryAfter = TimeSpan.FromSeconds(7) }))
        {
            var throttled = await api.GetAsync($"{api.Secrets}/db/versions/latest:access");
            var listed = await api.GetAsync($"{api.Secrets}/db/versions");

            Assert.Equal((HttpStatusCode.TooManyRequests, "RESOURCE_EXHAUSTED"), (throttled.Status, throttled.ErrorStatus));
            Assert.Equal(TimeSpan.FromSeconds(7), throttled.Response.Headers.RetryAfter!.Delta);
            Assert.Equal(HttpStatusCode.OK, listed.Status);
        }

        using (api.Gcp.Faults.Add(new FaultRule { StatusCode = 503 }))
        {
            Assert.Equal("UNAVAILABLE", (await api.GetAsync($"{api.Secrets}/db/versions/latest:access")).ErrorStatus);
        }

        // Each request is logged as its response completes, which can trail the client by a moment.
        await Eventually.TrueAsync(() => api.Gcp.Requests.Count >= 3, "three requests are logged", TimeSpan.FromSeconds(5));
        Assert.Equal(["access", "list-versions", "access"], api.Gcp.Requests.Snapshot().Select(r => r.Verb));
        Assert.Equal([429, 200, 503], api.Gcp.Requests.Snapshot().Select(r => r.Status));
    }

    [Fact]
    public async Task TheMetadataTokenPath_NeedsTheMetadataFlavorHeader_AndIssuesAnAcceptedToken()
    {
        await using var api = await GcpTestHttp.StartAsync();

        var refused = await api.Http.GetAsync(api.Gcp.MetadataTokenUri);
        using var request = new HttpRequestMessage(HttpMethod.Get, api.Gcp.MetadataTokenUri);
        request.Headers.Add("Metadata-Flavor", "Google");
        var granted = await api.Http.SendAsync(request);
        using var token = JsonDocument.Parse(await granted.Content.ReadAsStringAsync());
        var listed = await api.GetAsync(api.Secrets, token.RootElement.GetProperty("access_token").GetString());

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("Bearer", token.RootElement.GetProperty("token_type").GetString());
        Assert.Equal(HttpStatusCode.OK, listed.Status);
    }

    [Fact]
    public async Task TheTokenEndpoint_RefusesAnUnsignedAssertion()
    {
        await using var api = await GcpTestHttp.StartAsync();
        api.Gcp.CreateServiceAccountKey();
        var header = Base64Url("{\"alg\":\"RS256\",\"typ\":\"JWT\"}");
        var claims = Base64Url($"{{\"iss\":\"secretsync@{api.Gcp.Project}.iam.gserviceaccount.com\",\"scope\":\"https://www.googleapis.com/auth/cloud-platform\",\"exp\":9999999999}}");

        var answer = await api.Http.PostAsync(api.Gcp.TokenUri, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "urn:ietf:params:oauth:grant-type:jwt-bearer",
            ["assertion"] = $"{header}.{claims}.{Base64Url("forged")}",
        }));
        using var body = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Equal("invalid_grant", body.RootElement.GetProperty("error").GetString());

        static string Base64Url(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}
