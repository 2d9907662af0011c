using SecretSync.Integration.Tests.Cli;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SecretSync.Testing;
using SecretSync.Testing.Cluster;

namespace SecretSync.Integration.Tests.Chart;

/// <summary>Checks of the Helm chart and samples that need no helm binary.</summary>
public sealed partial class ChartTests
{
    private const string ReleaseNamespace = "secretsync";

    public static TheoryData<string> StaticYamlFiles()
    {
        var files = new TheoryData<string>();
        files.Add("charts/secretsync/Chart.yaml");
        files.Add("charts/secretsync/values.yaml");
        foreach (var file in Directory.EnumerateFiles(ChartFiles.SamplesFolder, "*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            files.Add(Path.GetRelativePath(Repository.Root, file));
        }

        return files;
    }

    [Theory]
    [MemberData(nameof(StaticYamlFiles))]
    public void StaticYaml_Parses(string file)
    {
        var documents = ChartFiles.LoadAll(Path.Combine(Repository.Root, file));

        Assert.NotEmpty(documents);
        Assert.All(documents, d => Assert.NotNull(d));
    }

    [Fact]
    public void ChartYaml_NamesAnApplicationChartWithVersions()
    {
        var chart = (JsonObject)ChartFiles.LoadSingle(Path.Combine(ChartFiles.ChartFolder, "Chart.yaml"))!;

        Assert.Equal(("v2", "secretsync", "application"), (chart["apiVersion"]!.GetValue<string>(), chart["name"]!.GetValue<string>(), chart["type"]!.GetValue<string>()));
        Assert.Matches(@"^\d+\.\d+\.\d+$", chart["version"]!.GetValue<string>());
        Assert.Matches(@"^\d+\.\d+\.\d+$", chart["appVersion"]!.GetValue<string>());
    }

    [Fact]
    public async Task TheExecutablesVersion_IsTheChartsAppVersion()
    {
        var chart = (JsonObject)ChartFiles.LoadSingle(Path.Combine(ChartFiles.ChartFolder, "Chart.yaml"))!;

        var result = await Tool.RunAsync("dotnet", [DaemonProcess.Executable, "--version"], new Dictionary<string, string?> { ["DOTNET_NOLOGO"] = "1" });

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(chart["appVersion"]!.GetValue<string>(), result.StandardOutput.Trim().Split('+')[0]);
    }

    [Fact]
    public void EveryValuesPath_UsedInTheTemplates_ExistsInValuesYaml()
    {
        var values = ChartFiles.Values();
        var missing = TemplateValuePaths().Where(use => !ChartFiles.Exists(values, use.Path)).Select(use => $"{use.File}: .Values.{use.Path}").ToList();

        Assert.True(missing.Count == 0, "templates use values that values.yaml does not define:\n" + string.Join("\n", missing));
    }

    [Fact]
    public void EveryValue_OutsideTheDaemonConfig_IsUsedByATemplate()
    {
        var used = TemplateValuePaths().Select(u => u.Path).ToHashSet(StringComparer.Ordinal);
        var unused = Leaves(ChartFiles.Values(), "")
            .Where(path => !path.StartsWith("config.", StringComparison.Ordinal))
            .Where(path => !used.Any(u => path == u || path.StartsWith(u + ".", StringComparison.Ordinal)))
            .ToList();

        Assert.True(unused.Count == 0, "values.yaml defines values no template reads:\n" + string.Join("\n", unused));
    }

    [Fact]
    public void ValuesYaml_SatisfiesTheSchema()
    {
        var errors = JsonSchemaSubset.Validate(ChartFiles.Values(), ChartFiles.Schema());

        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public void SampleHelmValues_SatisfyTheSchema()
    {
        foreach (var file in Directory.EnumerateFiles(Path.Combine(ChartFiles.SamplesFolder, "helm"), "*.yaml"))
        {
            var errors = JsonSchemaSubset.Validate(ChartFiles.LoadSingle(file), ChartFiles.Schema());
            Assert.True(errors.Count == 0, $"{file}:\n{string.Join("\n", errors)}");
        }
    }

    [Fact]
    public void Schema_UsesOnlyKeywordsTheValidatorChecks_AndTypesAndDocumentsEveryValue()
    {
        var schema = ChartFiles.Schema();

        Assert.Equal("http://json-schema.org/draft-07/schema#", schema["$schema"]!.GetValue<string>());
        Assert.Empty(JsonSchemaSubset.UnsupportedKeywords(schema));
        var undocumented = JsonSchemaSubset.Subschemas(schema, "")
            .Where(s => s.Schema["type"] is null || string.IsNullOrWhiteSpace(s.Schema["description"]?.GetValue<string>()))
            .Select(s => s.Path)
            .ToList();
        Assert.True(undocumented.Count == 0, "schema entries without a type or description:\n" + string.Join("\n", undocumented));
    }

    [Theory]
    [InlineData("replicaCount", "\"two\"", "replicaCount: expected integer")]
    [InlineData("replicaCount", "0", "replicaCount: 0 is below the minimum 1")]
    [InlineData("replicaCunt", "2", "unknown key 'replicaCunt'")]
    [InlineData("config.audit.sinks", "[\"stdout\", \"syslog\"]", "config.audit.sinks[1]: \"syslog\" is not one of")]
    [InlineData("config.sync.interval", "\"1 minute\"", "config.sync.interval: '1 minute' does not match")]
    [InlineData("config.providers", "{\"vault-main\": {\"type\": \"vault\", \"events\": true}}", "config.providers.vault-main.events: expected string")]
    [InlineData("config.bundles", "{\"b\": {\"provider\": \"p\"}}", "config.bundles.b: 'secrets' is required")]
    [InlineData("config.bundles", "{\"b\": {\"provider\": \"p\", \"secrets\": []}}", "config.bundles.b: 'namespaces' is required")]
    [InlineData("config.bundles", "{\"b\": {\"provider\": \"p\", \"namespaces\": \"everyone\", \"secrets\": []}}", "config.bundles.b.namespaces: 'everyone' does not match")]
    [InlineData("config.providers", "{\"main\": {\"type\": \"vault\", \"adress\": \"https://vault:8200\"}}", "config.providers.main: unknown key 'adress'")]
    [InlineData("config.providers", "{\"main\": {\"type\": \"vault\", \"auth\": {\"methd\": \"kubernetes\"}}}", "config.providers.main.auth: unknown key 'methd'")]
    [InlineData("config.providers", "{\"main\": {\"type\": \"aws\", \"region\": \"eu-west-1\", \"address\": \"x\"}}", "config.providers.main: unknown key 'address'")]
    [InlineData("config.providers", "{\"main\": {\"type\": \"azure\", \"retry\": {\"maxRetry\": 2}}}", "config.providers.main.retry: unknown key 'maxRetry'")]
    public void Schema_RejectsValuesHelmWouldRefuse(string path, string json, string expected)
    {
        var values = ChartFiles.Values();
        var steps = path.Split('.');
        var parent = steps[..^1].Aggregate((JsonObject)values, (node, step) => (JsonObject)node[step]!);
        parent[steps[^1]] = JsonNode.Parse(json);

        var errors = JsonSchemaSubset.Validate(values, ChartFiles.Schema());

        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void AnUnquotedOn_ReadsAsABoolean_AsHelmReadsIt_SoTheSchemaCatchesIt()
    {
        var values = (JsonObject)ChartFiles.ParseAll("config:\n  providers:\n    v:\n      type: vault\n      events: on\n")[0]!;

        Assert.Contains(JsonSchemaSubset.Validate(values, ChartFiles.Schema()), e => e.Contains("events: expected string", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DefaultValues_WithAClusterAndAProvider_RenderAConfigurationTheDaemonAccepts()
    {
        var folder = Directory.CreateTempSubdirectory("secretsync-chart-").FullName;
        try
        {
            var file = Path.Combine(folder, "config.yaml");
            await File.WriteAllTextAsync(file, ChartConfig.Render(ChartFiles.Values(), ReleaseNamespace, config =>
            {
                config["cluster"] = "prod-eu-1";
                config["providers"] = JsonNode.Parse("""{"vault-main": {"type": "vault", "address": "https://vault.example:8200", "auth": {"method": "kubernetes", "role": "secretsync"}}}""");
                config["bundles"] = JsonNode.Parse("""{"payments-db": {"provider": "vault-main", "namespaces": {"matchLabels": {"kubernetes.io/metadata.name": "payments"}}, "secrets": [{"source": "payments/db", "target": "db-credentials"}]}}""");
            }));

            var result = await ValidateCommand.RunAsync(file);

            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Contains("cluster prod-eu-1, 1 provider(s), 1 bundle(s), 1 mapping(s)", result.StandardOutput, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task SampleHelmValues_RenderAConfigurationTheDaemonAccepts()
    {
        var folder = Directory.CreateTempSubdirectory("secretsync-chart-").FullName;
        try
        {
            foreach (var sample in Directory.EnumerateFiles(Path.Combine(ChartFiles.SamplesFolder, "helm"), "*.yaml"))
            {
                var merged = ChartFiles.Values();
                Merge(merged, (JsonObject)ChartFiles.LoadSingle(sample)!);
                var file = Path.Combine(folder, Path.GetFileName(sample));
                await File.WriteAllTextAsync(file, ChartConfig.Render(merged, ReleaseNamespace));

                var result = await ValidateCommand.RunAsync(file);

                Assert.True(result.ExitCode == 0, $"{sample}: {result}");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void ClusterRole_WithoutTheEventsSink_GrantsNothingOnEvents()
    {
        var values = ChartFiles.Values();
        values["config"]!["audit"]!["sinks"] = new JsonArray("stdout");

        var rules = RenderRbac(values);

        Assert.DoesNotContain(rules.SelectMany(r => r.Permissions), p => p.Resource == "events");
        Assert.Contains(rules.SelectMany(r => r.Permissions), p => p == new Permission("", "secrets", "create"));
    }

    [Fact]
    public void Role_WithoutLeaderElection_IsNotRendered()
    {
        var values = ChartFiles.Values();
        values["config"]!["leaderElection"]!["enabled"] = false;

        Assert.DoesNotContain(RenderRbac(values), r => r.Source == "Role");
    }

    [Fact]
    public void Deployment_CarriesTheSecurityAndRunSettingsTheBriefRequires()
    {
        var deployment = ChartFiles.Template("deployment.yaml");
        var values = ChartFiles.Values();

        Assert.Contains("args: [run, --config, /etc/secretsync/config.yaml]", deployment, StringComparison.Ordinal);
        Assert.Contains("fieldPath: metadata.name", deployment, StringComparison.Ordinal);
        Assert.Contains("path: /healthz", deployment, StringComparison.Ordinal);
        Assert.Contains("path: /readyz", deployment, StringComparison.Ordinal);
        Assert.Contains("checksum/config:", deployment, StringComparison.Ordinal);
        Assert.Contains("mountPath: /tmp", deployment, StringComparison.Ordinal);
        Assert.DoesNotContain("subPath", deployment, StringComparison.Ordinal); // subPath mounts never see rotated Secrets or tokens
        Assert.Equal(2, values["replicaCount"]!.GetValue<long>());
        Assert.True(values["securityContext"]!["readOnlyRootFilesystem"]!.GetValue<bool>());
        Assert.True(values["securityContext"]!["runAsNonRoot"]!.GetValue<bool>());
        Assert.False(values["securityContext"]!["allowPrivilegeEscalation"]!.GetValue<bool>());
        Assert.Equal("ALL", values["securityContext"]!["capabilities"]!["drop"]![0]!.GetValue<string>());
        Assert.Equal("RuntimeDefault", values["podSecurityContext"]!["seccompProfile"]!["type"]!.GetValue<string>());
        Assert.Equal(1654, values["podSecurityContext"]!["runAsUser"]!.GetValue<long>());
        Assert.NotNull(values["resources"]!["requests"]!["memory"]);
        Assert.NotNull(values["resources"]!["limits"]!["memory"]);
    }

    internal static IReadOnlyList<RbacRule> RenderRbac(JsonObject values) =>
        RbacRules.Rules(
            new[] { "clusterrole.yaml", "role.yaml" }.SelectMany(t => ChartFiles.ParseAll(RbacRules.Render(ChartFiles.Template(t), values, ReleaseNamespace))));

    private static IEnumerable<(string File, string Path)> TemplateValuePaths() =>
        from file in Directory.EnumerateFiles(ChartFiles.TemplatesFolder)
        from Match match in ValuesReference().Matches(File.ReadAllText(file))
        select (Path.GetFileName(file), match.Groups[1].Value.TrimStart('.'));

    private static IEnumerable<string> Leaves(JsonNode? node, string path) => node switch
    {
        JsonObject map when map.Count > 0 => map.SelectMany(p => Leaves(p.Value, path.Length == 0 ? p.Key : $"{path}.{p.Key}")),
        _ => [path],
    };

    /// <summary>Helm's values merge: maps merge key by key, anything else replaces.</summary>
    internal static void Merge(JsonObject into, JsonObject from)
    {
        foreach (var (key, value) in from)
        {
            if (value is JsonObject map && into[key] is JsonObject existing)
            {
                Merge(existing, map);
            }
            else
            {
                into[key] = value?.DeepClone();
            }
        }
    }

    [GeneratedRegex(@"\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)")]
    private static partial Regex ValuesReference();
}
