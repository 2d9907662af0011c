using System.Text;

namespace SecretSync.Providers.Vault.Tests;

public sealed class VaultEventParserTests
{
    // vault.md §5: the 1.15 JSON payload, verbatim apart from the id.
    private const string DataWrite115 = """
        { "id": "a3be9fb1-b514-519f-5b25-b6f144a8c1ce", "source": "https://vaultproject.io/", "specversion": "1.0", "type": "*",
          "data": {
            "event": { "id": "a3be9fb1-b514-519f-5b25-b6f144a8c1ce",
              "metadata": { "current_version": "1", "oldest_version": "0", "data_path": "secret/data/foo",
                            "modified": "true", "operation": "data-write", "path": "secret/data/foo" } },
            "event_type": "kv-v2/data-write",
            "plugin_info": { "mount_class": "secret", "mount_accessor": "kv_5dc4d18e", "mount_path": "secret/", "plugin": "kv" } },
          "datacontentype": "application/cloudevents", "time": "2023-09-12T15:19:49.394915-07:00" }

        """;

    private static (bool Ok, VaultChange Change, string Skipped) Parse(string json, string mount = "secret", string? ns = null)
    {
        var ok = VaultEventParser.TryParse(Encoding.UTF8.GetBytes(json), mount, ns, out var change, out var skipped);
        return (ok, change, skipped);
    }

    [Fact]
    public void DocumentedDataWrite_YieldsPathRelativeToMount_AndVersion()
    {
        var (ok, change, _) = Parse(DataWrite115);

        Assert.True(ok);
        Assert.Equal(new VaultChange("foo", "1"), change);
    }

    [Fact]
    public void EarlyRelativePaths_AndCamelCaseNames_AreUnderstood()
    {
        // 1.13 samples: path relative to the mount; protobuf-JSON camelCase field names.
        const string json = """
            { "data": { "event": { "metadata": { "currentVersion": "7", "path": "data/team/db", "operation": "data-write" } },
                        "eventType": "kv-v2/data-write", "pluginInfo": { "mountPath": "secret/" } } }
            """;

        var (ok, change, _) = Parse(json);

        Assert.True(ok);
        Assert.Equal(new VaultChange("team/db", "7"), change);
    }

    [Fact]
    public void InnerObjectWithoutEnvelope_IsUnderstood()
    {
        const string json = """{ "event": { "metadata": { "path": "secret/data/a/b", "current_version": 3 } }, "event_type": "kv-v2/data-patch" }""";

        var (ok, change, _) = Parse(json);

        Assert.True(ok);
        Assert.Equal(new VaultChange("a/b", "3"), change);
    }

    [Theory]
    [InlineData("kv-v2/delete", "secret/delete/foo")]
    [InlineData("kv-v2/destroy", "secret/destroy/foo")]
    [InlineData("kv-v2/undelete", "secret/undelete/foo")]
    [InlineData("kv-v2/data-delete", "secret/data/foo")]
    [InlineData("kv-v2/metadata-delete", "secret/metadata/foo")]
    public void DeletionKinds_YieldAChangeWithoutVersion(string type, string path)
    {
        var json = $$"""
            { "data": { "event": { "metadata": { "path": "{{path}}", "current_version": "4" } }, "event_type": "{{type}}",
                        "plugin_info": { "mount_path": "secret/" } } }
            """;

        var (ok, change, _) = Parse(json);

        Assert.True(ok);
        Assert.Equal(new VaultChange("foo", null), change);
    }

    [Fact]
    public void DataPath_IsPreferredOverThePathOfTheOperation()
    {
        const string json = """
            { "data": { "event": { "metadata": { "path": "secret/undelete/x/y", "data_path": "secret/data/x/y" } }, "event_type": "kv-v2/undelete" } }
            """;

        Assert.Equal("x/y", Parse(json).Change.Path);
    }

    [Fact]
    public void EventsOfAnotherMount_AreSkipped()
    {
        var (byPluginInfo, _, reason) = Parse(DataWrite115.Replace("\"mount_path\": \"secret/\"", "\"mount_path\": \"other/\"", StringComparison.Ordinal));
        var (byPath, _, _) = Parse("""{ "data": { "event": { "metadata": { "path": "other/data/foo" } }, "event_type": "kv-v2/data-write" } }""");

        Assert.False(byPluginInfo);
        Assert.Contains("other", reason, StringComparison.Ordinal);
        Assert.False(byPath);
    }

    [Fact]
    public void ANestedMount_IsMatchedExactly()
    {
        const string json = """
            { "data": { "event": { "metadata": { "path": "team/kv/data/app" } }, "event_type": "kv-v2/data-write", "plugin_info": { "mount_path": "team/kv/" } } }
            """;

        Assert.Equal(new VaultChange("app", null), Parse(json, mount: "team/kv").Change);
        Assert.False(Parse(json, mount: "secret").Ok);
    }

    [Fact]
    public void NamespacePrefixes_AreStripped()
    {
        const string json = """
            { "data": { "event": { "metadata": { "path": "ns1/secret/data/app", "current_version": "2" } }, "event_type": "kv-v2/data-write",
                        "plugin_info": { "mount_path": "ns1/secret/" } } }
            """;

        Assert.Equal(new VaultChange("app", "2"), Parse(json, ns: "ns1/").Change);
    }

    [Theory]
    [InlineData("kv-v2/metadata-write")]
    [InlineData("kv-v2/metadata-patch")]
    [InlineData("kv-v2/config-write")]
    [InlineData("kv-v1/write")]
    public void EventsThatDoNotChangeData_AreSkipped(string type)
    {
        var json = $$"""{ "data": { "event": { "metadata": { "path": "secret/metadata/foo" } }, "event_type": "{{type}}" } }""";

        Assert.False(Parse(json).Ok);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("""{ "data": {} }""")]
    [InlineData("""{ "data": { "event": { "metadata": { } }, "event_type": "kv-v2/data-write" } }""")]
    [InlineData("""{ "data": { "event": { "metadata": { "path": "secret/data/" } }, "event_type": "kv-v2/data-write" } }""")]
    public void MalformedEvents_AreSkipped_NotThrown(string json) => Assert.False(Parse(json).Ok);

    [Fact]
    public void NonNumericVersions_AreDropped()
    {
        const string json = """{ "data": { "event": { "metadata": { "path": "secret/data/foo", "current_version": "latest" } }, "event_type": "kv-v2/data-write" } }""";

        Assert.Equal(new VaultChange("foo", null), Parse(json).Change);
    }
}
