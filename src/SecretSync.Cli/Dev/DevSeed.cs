using System.Reflection;
using YamlDotNet.RepresentationModel;

namespace SecretSync.Cli.Dev;

/// <summary>The dev stack's seed: a configuration, namespaces and Vault secrets (samples/dev/).</summary>
internal sealed class DevSeed
{
    private readonly Func<string, string> _read;

    private DevSeed(string origin, Func<string, string> read)
    {
        Origin = origin;
        _read = read;
    }

    /// <summary>Where the seed was read from.</summary>
    public string Origin { get; }

    public string ConfigText => _read("config.yaml");

    /// <summary>The seed built into the executable, or a folder given with <c>--seed</c>.</summary>
    public static DevSeed Load(DirectoryInfo? folder)
    {
        if (folder is not null)
        {
            return new DevSeed(folder.FullName, name => File.ReadAllText(Path.Combine(folder.FullName, name)));
        }

        var assembly = Assembly.GetExecutingAssembly();
        return new DevSeed("built-in samples/dev", name =>
        {
            using var stream = assembly.GetManifestResourceStream("dev/" + name)
                ?? throw new FileNotFoundException($"The built-in dev seed has no {name}.");
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        });
    }

    /// <summary>Namespaces with labels and annotations.</summary>
    public IReadOnlyList<(string Name, Dictionary<string, string> Labels, Dictionary<string, string> Annotations)> Namespaces()
    {
        var list = new List<(string, Dictionary<string, string>, Dictionary<string, string>)>();
        if (Parse("namespaces.yaml") is not YamlSequenceNode items)
        {
            return list;
        }

        foreach (var item in items.OfType<YamlMappingNode>())
        {
            list.Add((Scalar(item, "name") ?? throw new InvalidDataException("namespaces.yaml: every entry needs a name"), Map(item, "labels"), Map(item, "annotations")));
        }

        return list;
    }

    /// <summary>Vault secrets by mount and path.</summary>
    public IReadOnlyList<(string Mount, string Path, Dictionary<string, object?> Data)> VaultSecrets()
    {
        var list = new List<(string, string, Dictionary<string, object?>)>();
        if (Parse("vault.yaml") is not YamlMappingNode mounts)
        {
            return list;
        }

        foreach (var (mount, paths) in mounts.Children)
        {
            foreach (var (path, values) in ((YamlMappingNode)paths).Children)
            {
                var data = ((YamlMappingNode)values).Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => (object?)((YamlScalarNode)kv.Value).Value);
                list.Add((((YamlScalarNode)mount).Value!, ((YamlScalarNode)path).Value!, data));
            }
        }

        return list;
    }

    private YamlNode? Parse(string name)
    {
        var yaml = new YamlStream();
        using var reader = new StringReader(_read(name));
        yaml.Load(reader);
        return yaml.Documents.FirstOrDefault()?.RootNode;
    }

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? ((YamlScalarNode)value).Value : null;

    private static Dictionary<string, string> Map(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlMappingNode map
            ? map.Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => ((YamlScalarNode)kv.Value).Value ?? "")
            : [];
}
