using SecretSync.Integration.Tests.Cli;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SecretSync.Core.Configuration;
using SecretSync.Providers.Aws;
using SecretSync.Providers.Azure;
using SecretSync.Providers.Gcp;
using SecretSync.Providers.Vault;

namespace SecretSync.Integration.Tests.Chart;

/// <summary>values.schema.json allows exactly the keys the daemon's configuration reader accepts, section by section and per provider type.</summary>
/// <remarks>
/// A key the schema refuses but the reader accepts makes a working configuration uninstallable; a key the schema allows
/// but the reader refuses turns a typo into a crash-looping pod instead of a refused <c>helm install</c>.
/// </remarks>
public sealed partial class SchemaKeysTests
{
    /// <summary>Each provider type's setting keys, as its reader checks them.</summary>
    private static readonly Dictionary<string, (Type Declaring, IReadOnlyList<string> Keys)> ProviderKeys = new(StringComparer.Ordinal)
    {
        ["vault"] = (typeof(VaultSettingKeys), VaultSettingKeys.All),
        ["aws"] = (typeof(AwsSettingKeys), AwsSettingKeys.All),
        ["gcp"] = (typeof(GcpSettingKeys), GcpSettingKeys.All),
        ["azure"] = (typeof(AzureSettingKeys), AzureSettingKeys.All),
    };

    /// <summary>Loader keys the chart sets itself, so values may not: the Lease lives in the release namespace.</summary>
    private static readonly HashSet<string> ChartOwned = new(StringComparer.Ordinal) { "leaderElection.namespace" };

    public static TheoryData<string> ProviderTypes() => [.. ProviderKeys.Keys];

    [Theory]
    [MemberData(nameof(ProviderTypes))]
    public void ProviderSchema_AllowsExactlyTheKeysTheProvidersReaderAccepts(string type)
    {
        var branch = ProviderBranch(type);
        var closedEverywhere = JsonSchemaSubset.Subschemas(branch, "")
            .Where(s => s.Schema["properties"] is not null && s.Schema["additionalProperties"]?.GetValue<bool>() != false)
            .Select(s => s.Path)
            .ToList();

        Assert.Equal(
            ProviderKeys[type].Keys.Append("type").Order(StringComparer.Ordinal),
            FlattenedKeys(branch, "").Order(StringComparer.Ordinal));
        Assert.True(closedEverywhere.Count == 0, $"{type}: objects that accept unknown keys: {string.Join(", ", closedEverywhere)}");
    }

    [Theory]
    [MemberData(nameof(ProviderTypes))]
    public void SettingKeysAll_ListsEveryKeyTheProviderDeclares(string type)
    {
        var (declaring, keys) = ProviderKeys[type];
        var declared = declaring.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => (string)f.GetRawConstantValue()!);

        Assert.Equal(declared.Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ConfigSchema_AllowsExactlyTheKeysTheLoaderAccepts_InEverySection()
    {
        var config = ConfigSchema();
        var mismatches = new List<string>();
        foreach (var (section, keys) in ConfigLoader.SectionKeys)
        {
            var node = Resolve(config, section);
            if (node is null)
            {
                mismatches.Add($"{Display(section)}: missing from the schema");
                continue;
            }

            var expected = keys.Where(k => !ChartOwned.Contains(section.Length == 0 ? k : $"{section}.{k}")).ToHashSet(StringComparer.Ordinal);
            var allowed = (node["properties"] as JsonObject ?? []).Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
            mismatches.AddRange(expected.Except(allowed).Select(k => $"{Display(section)}: the loader accepts '{k}', the schema refuses it"));
            mismatches.AddRange(allowed.Except(expected).Select(k => $"{Display(section)}: the schema allows '{k}', the loader refuses it"));
            if (node["additionalProperties"]?.GetValue<bool>() != false)
            {
                mismatches.Add($"{Display(section)}: the schema lets unknown keys through");
            }
        }

        var unlisted = JsonSchemaSubset.Subschemas(config, "")
            .Select(s => (Path: s.Path.TrimStart('.'), s.Schema))
            .Where(s => s.Schema["additionalProperties"] is JsonValue && !s.Path.StartsWith("providers.*", StringComparison.Ordinal))
            .Where(s => !ConfigLoader.SectionKeys.ContainsKey(s.Path))
            .Select(s => $"{Display(s.Path)}: closed in the schema but not a section the loader knows");
        mismatches.AddRange(unlisted);

        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    [Fact]
    public async Task ProviderTypes_InTheSchema_AreTheTypesTheExecutableRegisters()
    {
        var folder = Directory.CreateTempSubdirectory("secretsync-schema-").FullName;
        try
        {
            var file = Path.Combine(folder, "config.yaml");
            await File.WriteAllTextAsync(file, "cluster: c\nproviders:\n  p: {type: no-such-type}\n");

            var result = await ValidateCommand.RunAsync(file);

            var known = KnownTypes().Match(result.StandardError);
            Assert.True(result.ExitCode != 0 && known.Success, result.ToString());
            var registered = known.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal).ToList();
            var typeEnum = ProviderEntrySchema()["properties"]!["type"]!["enum"]!.AsArray().Select(t => t!.GetValue<string>()).Order(StringComparer.Ordinal);
            var branches = ProviderEntrySchema()["allOf"]!.AsArray().Select(b => b!["if"]!["properties"]!["type"]!["const"]!.GetValue<string>()).Order(StringComparer.Ordinal);
            Assert.Equal(registered, typeEnum);
            Assert.Equal(registered, branches);
            Assert.Equal(registered, ProviderKeys.Keys.Order(StringComparer.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static JsonObject ConfigSchema() => (JsonObject)ChartFiles.Schema()["properties"]!["config"]!;

    private static JsonObject ProviderEntrySchema() => (JsonObject)ConfigSchema()["properties"]!["providers"]!["additionalProperties"]!;

    private static JsonObject ProviderBranch(string type) =>
        (JsonObject)ProviderEntrySchema()["allOf"]!.AsArray()
            .Single(b => b!["if"]?["properties"]?["type"]?["const"]?.GetValue<string>() == type)!["then"]!;

    /// <summary>Dotted keys of a provider branch, as the loader flattens nested maps (<c>auth.method</c>).</summary>
    private static IEnumerable<string> FlattenedKeys(JsonObject schema, string prefix) =>
        from property in schema["properties"] as JsonObject ?? []
        let child = (JsonObject)property.Value!
        let key = prefix + property.Key
        from flattened in child["properties"] is JsonObject ? FlattenedKeys(child, key + ".") : [key]
        select flattened;

    /// <summary>The schema at a loader section path: names step into properties, <c>*</c> into additionalProperties, <c>[]</c> into items.</summary>
    private static JsonObject? Resolve(JsonObject schema, string path)
    {
        JsonObject? node = schema;
        foreach (Match step in PathStep().Matches(path))
        {
            node = step.Value switch
            {
                "*" => node?["additionalProperties"] as JsonObject,
                "[]" => node?["items"] as JsonObject,
                var name => node?["properties"]?[name] as JsonObject,
            };
        }

        return node;
    }

    private static string Display(string section) => section.Length == 0 ? "config" : $"config.{section}";

    [GeneratedRegex(@"[^.\[\]]+|\[\]")]
    private static partial Regex PathStep();

    [GeneratedRegex(@"known types: ([a-z0-9, -]+)")]
    private static partial Regex KnownTypes();
}
