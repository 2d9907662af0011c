using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SecretSync.Testing;
using YamlDotNet.RepresentationModel;

namespace SecretSync.Integration.Tests.Chart;

/// <summary>The chart's files, and YAML read the way Helm reads values (YAML 1.1 scalars, as go-yaml v2 resolves them).</summary>
public static partial class ChartFiles
{
    public static string ChartFolder { get; } = Path.Combine(Repository.Root, "charts", "secretsync");

    public static string TemplatesFolder { get; } = Path.Combine(ChartFolder, "templates");

    public static string SamplesFolder { get; } = Path.Combine(Repository.Root, "samples");

    public static string Template(string name) => File.ReadAllText(Path.Combine(TemplatesFolder, name));

    /// <summary>values.yaml as a JSON tree.</summary>
    public static JsonObject Values() => (JsonObject)LoadSingle(Path.Combine(ChartFolder, "values.yaml"))!;

    /// <summary>values.schema.json.</summary>
    public static JsonObject Schema() => (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(ChartFolder, "values.schema.json")))!;

    /// <summary>Every document of a YAML file, as JSON trees; throws YamlException with the line when it does not parse.</summary>
    public static IReadOnlyList<JsonNode?> LoadAll(string path) => ParseAll(File.ReadAllText(path));

    public static JsonNode? LoadSingle(string path) => LoadAll(path) is [var single] ? single : throw new InvalidDataException($"{path}: expected one YAML document");

    public static IReadOnlyList<JsonNode?> ParseAll(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return [.. stream.Documents.Select(d => ToJson(d.RootNode))];
    }

    /// <summary>The node at a dotted path (<c>config.audit.sinks</c>), or null when any step is missing.</summary>
    public static JsonNode? At(JsonNode? root, string dottedPath)
    {
        var node = root;
        foreach (var step in dottedPath.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            if (node is not JsonObject map || !map.TryGetPropertyValue(step, out node))
            {
                return null;
            }
        }

        return node;
    }

    /// <summary>Whether a dotted path exists, even with a null value.</summary>
    public static bool Exists(JsonNode? root, string dottedPath)
    {
        var steps = dottedPath.Split('.', StringSplitOptions.RemoveEmptyEntries);
        var node = root;
        foreach (var step in steps)
        {
            if (node is not JsonObject map || !map.TryGetPropertyValue(step, out node))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Go template truthiness: false, 0, "", null, empty maps and lists are false.</summary>
    public static bool Truthy(JsonNode? node) => node switch
    {
        null => false,
        JsonObject map => map.Count > 0,
        JsonArray list => list.Count > 0,
        JsonValue value when value.TryGetValue<bool>(out var b) => b,
        JsonValue value when value.TryGetValue<string>(out var s) => s.Length > 0,
        JsonValue value when value.TryGetValue<long>(out var l) => l != 0,
        JsonValue value when value.TryGetValue<double>(out var d) => d != 0,
        _ => true,
    };

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value ?? "", ToJson(c.Value)))),
        YamlSequenceNode list => new JsonArray([.. list.Children.Select(ToJson)]),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new InvalidDataException($"unsupported YAML node {node.NodeType} at {node.Start}"),
    };

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style is not YamlDotNet.Core.ScalarStyle.Plain)
        {
            return JsonValue.Create(text);
        }

        if (text is "" or "~" or "null" or "Null" or "NULL")
        {
            return null;
        }

        if (Yaml11Bool().IsMatch(text))
        {
            return JsonValue.Create(text.ToUpperInvariant() is "Y" or "YES" or "ON" or "TRUE");
        }

        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }

        return FloatLiteral().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            ? JsonValue.Create(number)
            : JsonValue.Create(text);
    }

    // go-yaml v2 (what Helm's values go through) still reads YAML 1.1 booleans: an unquoted `events: on` is true.
    [GeneratedRegex("^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$")]
    private static partial Regex Yaml11Bool();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatLiteral();
}

/// <summary>What the chart's <c>secretsync.config</c> helper renders into the ConfigMap, built from values the same way.</summary>
/// <remarks>HelmTests checks this against Helm's own rendering.</remarks>
public static class ChartConfig
{
    /// <summary>Where the chart projects the audience-bound token for Vault's Kubernetes login.</summary>
    public const string VaultJwtPath = "/var/run/secrets/secretsync/vault-jwt/token";

    /// <summary>The config section of <paramref name="values"/>, adjusted, with the Lease in the release namespace, as YAML.</summary>
    /// <remarks>
    /// While <c>auth.vault.kubernetesAudience</c> is set, each vault provider with <c>auth.method: kubernetes</c> and no
    /// <c>auth.jwtPath</c> gets <see cref="VaultJwtPath"/>, as the chart does.
    /// </remarks>
    /// <remarks>Written as JSON, which is YAML: the daemon reads it with the same YAML parser as Helm's block output.</remarks>
    public static string Render(JsonObject values, string releaseNamespace, Action<JsonObject>? adjust = null)
    {
        var config = (JsonObject)values["config"]!.DeepClone();
        adjust?.Invoke(config);
        if (config["leaderElection"] is not JsonObject election)
        {
            config["leaderElection"] = election = [];
        }

        election["namespace"] = releaseNamespace;
        if (ChartFiles.Truthy(ChartFiles.At(values, "auth.vault.kubernetesAudience")))
        {
            foreach (var (_, provider) in config["providers"] as JsonObject ?? [])
            {
                if (provider?["type"]?.ToString() == "vault" && provider["auth"] is JsonObject auth
                    && auth["method"]?.ToString() == "kubernetes" && !auth.ContainsKey("jwtPath"))
                {
                    auth["jwtPath"] = VaultJwtPath;
                }
            }
        }

        return config.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
    }
}
