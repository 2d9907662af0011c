using System.Net;
using System.Text.Json;
using static SecretSync.DevStack.Tests.Vault.VaultShape;

namespace SecretSync.DevStack.Tests.Vault;

/// <summary>KV version 2, pinned to reference vault.md §1 and §2.</summary>
public sealed class VaultKvTests
{
    // vault.md §2 "Write response" and "Read response"; §1 "Response envelope".
    [Fact]
    public async Task Write_ThenRead_AnswersTheDocumentedEnvelopeAndVersionMetadata()
    {
        await using var c = await VaultTestClient.StartAsync();

        var write = await c.PostAsync("v1/secret/data/foo", new { data = new { foo = "bar", n = 1 } });
        Assert.Equal(HttpStatusCode.OK, write.Status);
        Assert.Equal("application/json", write.ContentType);
        AssertEnvelope(write.Json);
        Assert.Equal(["created_time", "custom_metadata", "deletion_time", "destroyed", "version"], Names(write.Data));
        Assert.Equal(1, write.Data.GetProperty("version").GetInt32());
        Assert.Equal("", write.Data.GetProperty("deletion_time").GetString());

        var read = await c.GetAsync("v1/secret/data/foo");
        Assert.Equal(HttpStatusCode.OK, read.Status);
        AssertEnvelope(read.Json);
        Assert.Equal(["data", "metadata"], Names(read.Data));
        Assert.Equal("bar", read.Data.GetProperty("data").GetProperty("foo").GetString());
        Assert.Equal(1, read.Data.GetProperty("data").GetProperty("n").GetInt32());
        var metadata = read.Data.GetProperty("metadata");
        Assert.Equal(["created_time", "custom_metadata", "deletion_time", "destroyed", "version"], Names(metadata));
        Assert.Equal(JsonValueKind.Null, metadata.GetProperty("custom_metadata").ValueKind);
        Assert.False(metadata.GetProperty("destroyed").GetBoolean());
        Assert.Equal(1, metadata.GetProperty("version").GetInt32());
        Assert.EndsWith("Z", metadata.GetProperty("created_time").GetString());
        Assert.True(DateTimeOffset.TryParse(metadata.GetProperty("created_time").GetString(), out _));
    }

    // vault.md §2 "Read latest / given version" and "Missing key, or version number that never existed".
    [Fact]
    public async Task Read_OfAVersion_ReturnsThatVersion_AndMissingKeysOrVersionsAre404WithEmptyErrors()
    {
        await using var c = await VaultTestClient.StartAsync();
        await c.PostAsync("v1/secret/data/app/db", new { data = new { pw = "one" } });
        await c.PostAsync("v1/secret/data/app/db", new { data = new { pw = "two" } });

        var first = await c.GetAsync("v1/secret/data/app/db?version=1");
        Assert.Equal("one", first.Data.GetProperty("data").GetProperty("pw").GetString());
        Assert.Equal(1, first.Data.GetProperty("metadata").GetProperty("version").GetInt32());
        var latest = await c.GetAsync("v1/secret/data/app/db");
        Assert.Equal("two", latest.Data.GetProperty("data").GetProperty("pw").GetString());

        AssertErrors(await c.GetAsync("v1/secret/data/app/db?version=9"), HttpStatusCode.NotFound);
        AssertErrors(await c.GetAsync("v1/secret/data/app/nope"), HttpStatusCode.NotFound);
        Assert.Equal("{\"errors\":[]}", (await c.GetAsync("v1/secret/data/app/nope")).Raw);
    }

    // vault.md §2 "Version soft-deleted ... 404 with the normal envelope" and "Soft-delete latest version" (204).
    [Fact]
    public async Task Read_OfASoftDeletedVersion_Is404WithTheEnvelopeAndDeletionTime_UntilUndeleted()
    {
        await using var c = await VaultTestClient.StartAsync();
        await c.PostAsync("v1/secret/data/gone", new { data = new { k = "v" } });

        var delete = await c.DeleteAsync("v1/secret/data/gone");
        Assert.Equal(HttpStatusCode.NoContent, delete.Status);
        Assert.Equal("", delete.Raw);

        var read = await c.GetAsync("v1/secret/data/gone");
        Assert.Equal(HttpStatusCode.NotFound, read.Status);
        AssertEnvelope(read.Json);
        Assert.Equal(JsonValueKind.Null, read.Data.GetProperty("data").ValueKind);
        var metadata = read.Data.GetProperty("metadata");
        Assert.NotEqual("", metadata.GetProperty("deletion_time").GetString());
        Assert.False(metadata.GetProperty("destroyed").GetBoolean());
        Assert.Equal(1, metadata.GetProperty("version").GetInt32());

        Assert.Equal(HttpStatusCode.NoContent, (await c.PostAsync("v1/secret/undelete/gone", new { versions = new[] { 1 } })).Status);
        var back = await c.GetAsync("v1/secret/data/gone");
        Assert.Equal(HttpStatusCode.OK, back.Status);
        Assert.Equal("", back.Data.GetProperty("metadata").GetProperty("deletion_time").GetString());
    }

    // vault.md §2 "Soft-delete given versions", "Destroy versions", and the 404-with-envelope rule for destroyed versions.
    [Fact]
    public async Task DeleteAndDestroyOfGivenVersions_LeaveTheirMarksInReadsAndMetadata()
    {
        await using var c = await VaultTestClient.StartAsync();
        for (var i = 1; i <= 3; i++)
        {
            await c.PostAsync("v1/secret/data/multi", new { data = new { i } });
        }

        Assert.Equal(HttpStatusCode.NoContent, (await c.PostAsync("v1/secret/delete/multi", new { versions = new[] { 1 } })).Status);
        Assert.Equal(HttpStatusCode.NoContent, (await c.PostAsync("v1/secret/destroy/multi", new { versions = new[] { 2 } })).Status);

        var destroyed = await c.GetAsync("v1/secret/data/multi?version=2");
        Assert.Equal(HttpStatusCode.NotFound, destroyed.Status);
        AssertEnvelope(destroyed.Json);
        Assert.Equal(JsonValueKind.Null, destroyed.Data.GetProperty("data").ValueKind);
        Assert.True(destroyed.Data.GetProperty("metadata").GetProperty("destroyed").GetBoolean());
        Assert.Equal("", destroyed.Data.GetProperty("metadata").GetProperty("deletion_time").GetString());

        // A destroyed version cannot be undeleted.
        await c.PostAsync("v1/secret/undelete/multi", new { versions = new[] { 2 } });
        Assert.Equal(HttpStatusCode.NotFound, (await c.GetAsync("v1/secret/data/multi?version=2")).Status);

        var versions = (await c.GetAsync("v1/secret/metadata/multi")).Data.GetProperty("versions");
        Assert.NotEqual("", versions.GetProperty("1").GetProperty("deletion_time").GetString());
        Assert.True(versions.GetProperty("2").GetProperty("destroyed").GetBoolean());
        Assert.Equal("", versions.GetProperty("3").GetProperty("deletion_time").GetString());
        Assert.Equal(HttpStatusCode.OK, (await c.GetAsync("v1/secret/data/multi")).Status);

        AssertErrors(await c.PostAsync("v1/secret/destroy/multi", new { }), HttpStatusCode.BadRequest, "no version number provided");
    }

    // vault.md §2 "Check-and-set (options.cas)".
    [Fact]
    public async Task CheckAndSet_ZeroCreatesOnlyIfAbsent_AndAMismatchIs400()
    {
        await using var c = await VaultTestClient.StartAsync();

        Assert.Equal(HttpStatusCode.OK, (await c.PostAsync("v1/secret/data/cas", new { options = new { cas = 0 }, data = new { v = 1 } })).Status);
        AssertErrors(await c.PostAsync("v1/secret/data/cas", new { options = new { cas = 0 }, data = new { v = 2 } }),
            HttpStatusCode.BadRequest, "check-and-set parameter did not match the current version");
        AssertErrors(await c.PostAsync("v1/secret/data/cas", new { options = new { cas = 5 }, data = new { v = 2 } }),
            HttpStatusCode.BadRequest, "check-and-set parameter did not match the current version");

        var ok = await c.PostAsync("v1/secret/data/cas", new { options = new { cas = 1 }, data = new { v = 2 } });
        Assert.Equal(2, ok.Data.GetProperty("version").GetInt32());
    }

    // vault.md §2 "Check-and-set": cas_required on the engine config or on the key metadata.
    [Fact]
    public async Task CasRequired_OnTheEngineOrTheKey_RefusesWritesWithoutCas()
    {
        await using var c = await VaultTestClient.StartAsync();
        await c.PostAsync("v1/secret/data/guarded", new { data = new { v = 1 } });
        Assert.Equal(HttpStatusCode.NoContent, (await c.PostAsync("v1/secret/metadata/guarded", new { cas_required = true })).Status);

        AssertErrors(await c.PostAsync("v1/secret/data/guarded", new { data = new { v = 2 } }),
            HttpStatusCode.BadRequest, "check-and-set parameter required for this call");
        Assert.Equal(HttpStatusCode.OK, (await c.PostAsync("v1/secret/data/guarded", new { options = new { cas = 1 }, data = new { v = 2 } })).Status);
        Assert.Equal(HttpStatusCode.OK, (await c.PostAsync("v1/secret/data/free", new { data = new { v = 1 } })).Status);

        Assert.Equal(HttpStatusCode.NoContent, (await c.PostAsync("v1/secret/config", new { cas_required = true })).Status);
        AssertErrors(await c.PostAsync("v1/secret/data/free", new { data = new { v = 2 } }),
            HttpStatusCode.BadRequest, "check-and-set parameter required for this call");
    }

    // vault.md §2 "Patch (new version)": merge-patch content type, key must exist and be live, cas honoured.
    [Fact]
    public async Task Patch_MergesIntoANewVersion_AndNeedsTheMergePatchContentTypeAndALiveKey()
    {
        await using var c = await VaultTestClient.StartAsync();
        await c.PostAsync("v1/secret/data/p", new { data = new { user = "bob", pw = "p1", extra = "x" } });

        var wrongType = await c.PatchAsync("v1/secret/data/p", new { data = new { pw = "p2" } }, contentType: "application/json");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, wrongType.Status);

        var patch = await c.PatchAsync("v1/secret/data/p", "{\"data\":{\"pw\":\"p2\",\"extra\":null}}");
        Assert.Equal(HttpStatusCode.OK, patch.Status);
        AssertEnvelope(patch.Json);
        Assert.Equal(2, patch.Data.GetProperty("version").GetInt32());
        var data = (await c.GetAsync("v1/secret/data/p")).Data.GetProperty("data");
        Assert.Equal(["pw", "user"], Names(data));
        Assert.Equal("p2", data.GetProperty("pw").GetString());

        AssertErrors(await c.PatchAsync("v1/secret/data/p", new { options = new { cas = 1 }, data = new { pw = "p3" } }),
            HttpStatusCode.BadRequest, "check-and-set parameter did not match the current version");
        AssertErrors(await c.PatchAsync("v1/secret/data/absent", new { data = new { pw = "p" } }), HttpStatusCode.NotFound);

        await c.DeleteAsync("v1/secret/data/p");
        var deleted = await c.PatchAsync("v1/secret/data/p", new { data = new { pw = "p4" } });
        Assert.Equal(HttpStatusCode.NotFound, deleted.Status);
        Assert.NotEqual("", deleted.Data.GetProperty("deletion_time").GetString());
    }

    // vault.md §1 "LIST" and §2 "List keys": LIST verb or ?list=true, folders end with '/', empty is 404 {"errors":[]}.
    [Fact]
    public async Task List_ByVerbOrQuery_ShowsKeysAndFolders_AndAnEmptyFolderIs404()
    {
        await using var c = await VaultTestClient.StartAsync();
        foreach (var path in new[] { "app/db", "app/api/key", "app", "other" })
        {
            await c.PostAsync($"v1/secret/data/{path}", new { data = new { v = 1 } });
        }

        var root = await c.ListAsync("v1/secret/metadata/");
        Assert.Equal(HttpStatusCode.OK, root.Status);
        AssertEnvelope(root.Json);
        Assert.Equal(["app", "app/", "other"], root.Data.GetProperty("keys").EnumerateArray().Select(k => k.GetString()));
        Assert.Equal(root.Data.GetProperty("keys").GetRawText(), (await c.ListAsync("v1/secret/metadata")).Data.GetProperty("keys").GetRawText());

        // hvac sends the folder without its slash (peers.md §2b); node-vault's noCustomHTTPVerbs sends ?list=1 (§2a).
        var app = await c.ListAsync("v1/secret/metadata/app");
        Assert.Equal(["api/", "db"], app.Data.GetProperty("keys").EnumerateArray().Select(k => k.GetString()));
        Assert.Equal(app.Raw.Length, (await c.GetAsync("v1/secret/metadata/app/?list=true")).Raw.Length);
        Assert.Equal(HttpStatusCode.OK, (await c.GetAsync("v1/secret/metadata/app?list=1")).Status);

        AssertErrors(await c.ListAsync("v1/secret/metadata/empty/"), HttpStatusCode.NotFound);
        Assert.Equal("{\"errors\":[]}", (await c.ListAsync("v1/secret/metadata/empty/")).Raw);

        await c.DeleteAsync("v1/secret/metadata/app/api/key");
        Assert.Equal(["db"], (await c.ListAsync("v1/secret/metadata/app/")).Data.GetProperty("keys").EnumerateArray().Select(k => k.GetString()));
    }

    // vault.md §2 "Metadata response": versions keyed by the number as a string; max_versions trims the oldest.
    [Fact]
    public async Task Metadata_ReportsTheVersionsMap_AndMaxVersionsTrimsTheOldest()
    {
        await using var c = await VaultTestClient.StartAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await c.PostAsync("v1/secret/metadata/trim", new { max_versions = 2, custom_metadata = new { owner = "jdoe" } })).Status);
        for (var i = 1; i <= 3; i++)
        {
            await c.PostAsync("v1/secret/data/trim", new { data = new { i } });
        }

        var metadata = await c.GetAsync("v1/secret/metadata/trim");
        Assert.Equal(HttpStatusCode.OK, metadata.Status);
        AssertEnvelope(metadata.Json);
        var data = metadata.Data;
        Assert.Equal(
            ["cas_required", "created_time", "current_version", "custom_metadata", "delete_version_after", "max_versions", "oldest_version", "updated_time", "versions"],
            Names(data));
        Assert.Equal(3, data.GetProperty("current_version").GetInt32());
        Assert.Equal(2, data.GetProperty("oldest_version").GetInt32());
        Assert.Equal(2, data.GetProperty("max_versions").GetInt32());
        Assert.Equal("0s", data.GetProperty("delete_version_after").GetString());
        Assert.Equal("jdoe", data.GetProperty("custom_metadata").GetProperty("owner").GetString());
        Assert.Equal(["2", "3"], Names(data.GetProperty("versions")));
        Assert.Equal(["created_time", "deletion_time", "destroyed"], Names(data.GetProperty("versions").GetProperty("3")));
        AssertErrors(await c.GetAsync("v1/secret/data/trim?version=1"), HttpStatusCode.NotFound);

        // Reads carry the key's custom metadata too (§2 "Read response").
        Assert.Equal("jdoe", (await c.GetAsync("v1/secret/data/trim")).Data.GetProperty("metadata").GetProperty("custom_metadata").GetProperty("owner").GetString());
    }

    // vault.md §2 default max_versions (0/unset means 10) and oldest_version staying 0 until something is trimmed.
    [Fact]
    public async Task MaxVersions_DefaultsToTen()
    {
        await using var c = await VaultTestClient.StartAsync();
        for (var i = 1; i <= 12; i++)
        {
            c.Vault.WriteSecret("secret", "ten", new Dictionary<string, object?> { ["i"] = i });
            if (i == 9)
            {
                Assert.Equal(0, c.Vault.ReadMetadata("secret", "ten")!.OldestVersion);
            }
        }

        var metadata = (await c.GetAsync("v1/secret/metadata/ten")).Data;
        Assert.Equal(10, metadata.GetProperty("versions").EnumerateObject().Count());
        Assert.Equal(3, metadata.GetProperty("oldest_version").GetInt32());
        Assert.Equal(0, metadata.GetProperty("max_versions").GetInt32());
    }

    // vault.md §2 "Create/update metadata" (no version), "Patch metadata", "Delete metadata + all versions".
    [Fact]
    public async Task MetadataWritePatchAndDelete_CreateNoVersion_MergeCustomMetadata_AndRemoveTheKey()
    {
        await using var c = await VaultTestClient.StartAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await c.PostAsync("v1/secret/metadata/meta", new { custom_metadata = new { a = "1", b = "2" } })).Status);
        var created = (await c.GetAsync("v1/secret/metadata/meta")).Data;
        Assert.Equal(0, created.GetProperty("current_version").GetInt32());
        Assert.Equal(["meta"], (await c.ListAsync("v1/secret/metadata")).Data.GetProperty("keys").EnumerateArray().Select(k => k.GetString()));
        AssertErrors(await c.GetAsync("v1/secret/data/meta"), HttpStatusCode.NotFound);

        Assert.Equal(HttpStatusCode.NoContent, (await c.PatchAsync("v1/secret/metadata/meta", "{\"custom_metadata\":{\"a\":null,\"c\":\"3\"},\"max_versions\":4}")).Status);
        var patched = (await c.GetAsync("v1/secret/metadata/meta")).Data;
        Assert.Equal(["b", "c"], Names(patched.GetProperty("custom_metadata")));
        Assert.Equal(4, patched.GetProperty("max_versions").GetInt32());
        AssertErrors(await c.PatchAsync("v1/secret/metadata/none", new { max_versions = 1 }), HttpStatusCode.NotFound);

        await c.PostAsync("v1/secret/data/meta", new { data = new { v = 1 } });
        Assert.Equal(HttpStatusCode.NoContent, (await c.DeleteAsync("v1/secret/metadata/meta")).Status);
        AssertErrors(await c.GetAsync("v1/secret/metadata/meta"), HttpStatusCode.NotFound);
        AssertErrors(await c.GetAsync("v1/secret/data/meta"), HttpStatusCode.NotFound);
        AssertErrors(await c.ListAsync("v1/secret/metadata"), HttpStatusCode.NotFound);
    }

    // vault.md §2 "Read engine config" / "Write engine config", and delete_version_after on new versions.
    [Fact]
    public async Task EngineConfig_ReadsBackWhatWasWritten_AndDeleteVersionAfterExpiresVersionsOnTheClock()
    {
        var clock = new SecretSync.Testing.ManualTimeProvider();
        await using var c = await VaultTestClient.StartAsync(new VaultEmulatorOptions { Time = clock });
        Assert.Equal(HttpStatusCode.NoContent, (await c.PostAsync("v1/secret/config", new { max_versions = 5, cas_required = false, delete_version_after = "3h25m19s" })).Status);

        var config = await c.GetAsync("v1/secret/config");
        AssertEnvelope(config.Json);
        Assert.Equal(["cas_required", "delete_version_after", "max_versions"], Names(config.Data));
        Assert.Equal("3h25m19s", config.Data.GetProperty("delete_version_after").GetString());
        Assert.Equal(5, config.Data.GetProperty("max_versions").GetInt32());

        await c.PostAsync("v1/secret/data/ttl", new { data = new { v = 1 } });
        var live = await c.GetAsync("v1/secret/data/ttl");
        Assert.Equal(HttpStatusCode.OK, live.Status);
        Assert.NotEqual("", live.Data.GetProperty("metadata").GetProperty("deletion_time").GetString());
        clock.Advance(TimeSpan.FromHours(4));
        Assert.Equal(HttpStatusCode.NotFound, (await c.GetAsync("v1/secret/data/ttl")).Status);
    }

    // vault.md §2 "Read subkeys": leaf values replaced by null, depth limits the nesting.
    [Fact]
    public async Task Subkeys_ReplaceLeavesWithNull()
    {
        await using var c = await VaultTestClient.StartAsync();
        await c.PostAsync("v1/secret/data/nested", "{\"data\":{\"a\":1,\"b\":{\"c\":{\"d\":2}}}}");

        var all = await c.GetAsync("v1/secret/subkeys/nested");
        Assert.Equal("{\"a\":null,\"b\":{\"c\":{\"d\":null}}}", all.Data.GetProperty("subkeys").GetRawText());
        Assert.Equal(1, all.Data.GetProperty("metadata").GetProperty("version").GetInt32());
        var shallow = await c.GetAsync("v1/secret/subkeys/nested?depth=1");
        Assert.Equal("{\"a\":null,\"b\":null}", shallow.Data.GetProperty("subkeys").GetRawText());
    }

    // vault.md §1 "Errors" and the status table: unknown paths 404, wrong methods 405, bad bodies 400.
    [Fact]
    public async Task UnknownPathsWrongMethodsAndBadBodies_AnswerTheDocumentedErrorCodes()
    {
        await using var c = await VaultTestClient.StartAsync();

        var unknown = await c.GetAsync("v1/nomount/data/x");
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        Assert.Single(unknown.Errors);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await c.SendAsync("GET", "v1/secret/destroy/x", null)).Status);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await c.ListAsync("v1/secret/data/x")).Status);
        AssertErrors(await c.PostAsync("v1/secret/data/x", "{not json"), HttpStatusCode.BadRequest, "error parsing JSON");
        AssertErrors(await c.PostAsync("v1/secret/data/x", new { options = new { } }), HttpStatusCode.BadRequest, "no data provided");
    }

    // vault.md §1 "Auth header" (X-Vault-Token or Authorization: Bearer) and "Namespaces" (header accepted).
    [Fact]
    public async Task Requests_AcceptEitherTokenHeader_AndTheNamespaceHeader_AndRefuseNoToken()
    {
        await using var c = await VaultTestClient.StartAsync();
        c.Vault.WriteSecret("secret", "h", new Dictionary<string, object?> { ["v"] = "1" });

        var bearer = await c.SendAsync("GET", "v1/secret/data/h", null, token: null,
            headers: new Dictionary<string, string> { ["Authorization"] = "Bearer root", ["X-Vault-Namespace"] = "ns1/" });
        Assert.Equal(HttpStatusCode.OK, bearer.Status);
        AssertErrors(await c.GetAsync("v1/secret/data/h", token: null), HttpStatusCode.Forbidden, "permission denied");
        AssertErrors(await c.GetAsync("v1/secret/data/h", token: "hvs.unknown"), HttpStatusCode.Forbidden, "permission denied");
    }

    // The seeding and inspection API mirrors the HTTP state (vault.md §2 shapes).
    [Fact]
    public async Task ProgrammaticSeeding_IsServedOverHttp_AndInspectionSeesHttpWrites()
    {
        await using var vault = await VaultEmulator.StartAsync(new VaultEmulatorOptions { KvMounts = ["secret", "team/kv"] });
        using var http = new HttpClient { BaseAddress = vault.BaseAddress };
        http.DefaultRequestHeaders.Add("X-Vault-Token", vault.RootToken);

        Assert.Equal(1, vault.WriteSecret("team/kv", "a/b", new Dictionary<string, object?> { ["user"] = "u", ["port"] = 5432 }));
        using var doc = JsonDocument.Parse(await http.GetStringAsync("v1/team/kv/data/a/b"));
        Assert.Equal(5432, doc.RootElement.GetProperty("data").GetProperty("data").GetProperty("port").GetInt32());

        vault.DeleteLatestVersion("team/kv", "a/b");
        var deleted = vault.ReadSecret("team/kv", "a/b")!;
        Assert.Null(deleted.Data);
        Assert.NotNull(deleted.DeletionTime);
        Assert.Equal(["a/"], vault.ListKeys("team/kv"));
        Assert.Null(vault.ReadSecret("secret", "a/b"));
    }
}
