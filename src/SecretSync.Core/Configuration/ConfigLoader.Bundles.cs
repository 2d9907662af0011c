using System.Collections.Frozen;
using SecretSync.Core.Model;
using YamlDotNet.RepresentationModel;

namespace SecretSync.Core.Configuration;

/// <summary>Bundles: their providers, the namespaces that may ask for them (tenancy), and their mappings.</summary>
public static partial class ConfigLoader
{
    private const string OpenToAll = "all";
    private const string NamespaceNameLabel = "kubernetes.io/metadata.name";

    private static FrozenDictionary<string, BundleConfig> ReadBundles(ConfigReader reader, Section section, IEnumerable<string> providerNames)
    {
        var known = providerNames.ToList();
        var result = new Dictionary<string, BundleConfig>(StringComparer.Ordinal);
        var written = new List<(string Bundle, string Target, YamlNode Node)>();
        foreach (var (name, keyNode, value) in section.Entries())
        {
            var field = section.FieldOf(name);
            RequireLabel(reader, keyNode, field, name, "bundle name");
            var bundle = reader.Open(value, field, reader.At(keyNode), BundleKeys);
            var provider = bundle.RequiredText("provider");
            if (provider.Length > 0 && !known.Contains(provider, StringComparer.Ordinal))
            {
                reader.Report(bundle.Get("provider")!, bundle.FieldOf("provider"),
                    $"no provider named '{provider}'{Suggestions.Hint(provider, known)}; configured providers: {(known.Count == 0 ? "none" : string.Join(", ", known))}");
            }

            var selector = ReadNamespaces(reader, bundle, name);
            var secrets = ReadMappings(reader, bundle, (target, node) => written.Add((name, target, node)));
            result[name] = new BundleConfig(name, provider, selector, secrets);
        }

        // Two bundles writing one Secret name into a namespace both may serve compete for it; the daemon settles it,
        // but the author most likely meant something else.
        foreach (var group in written.GroupBy(w => w.Target, StringComparer.Ordinal))
        {
            var writers = group.ToList();
            for (var i = 1; i < writers.Count; i++)
            {
                var clash = writers.Take(i).FirstOrDefault(
                    w => w.Bundle != writers[i].Bundle && result[w.Bundle].Namespaces.CanOverlap(result[writers[i].Bundle].Namespaces));
                if (clash.Bundle is not null)
                {
                    reader.Warn(writers[i].Node, $"bundles.{writers[i].Bundle}.secrets",
                        $"target '{group.Key}' is also written by bundle '{clash.Bundle}' ({reader.At(clash.Node)}) and a namespace could ask for both; " +
                        "rename one target or make the bundles' namespace selectors exclusive");
                }
            }
        }

        return result.ToFrozenDictionary(StringComparer.Ordinal);
    }

    // A bundle open to every namespace must say so: a forgotten selector must not hand a secret to every tenant.
    private static LabelSelector ReadNamespaces(ConfigReader reader, Section bundle, string name)
    {
        var field = bundle.FieldOf("namespaces");
        switch (bundle.Get("namespaces"))
        {
            case null:
                reader.Report(bundle.Location, field,
                    $"is required: say which namespaces may ask for bundle '{name}', e.g. " +
                    "'namespaces: { matchLabels: { kubernetes.io/metadata.name: payments } }', or write 'namespaces: all' to open it to every namespace");
                return LabelSelector.Everything;
            case YamlScalarNode { Value: var text } node:
                if (text != OpenToAll)
                {
                    reader.Report(node, field, $"'{text}' is not a selector: use a mapping with matchLabels / matchExpressions, or 'all' for every namespace");
                }

                return LabelSelector.Everything;
            default:
                var selector = ReadSelector(reader, bundle.Map("namespaces", SelectorKeys));
                if (selector.IsEmpty)
                {
                    reader.Report(bundle.Get("namespaces")!, field,
                        "an empty selector would match every namespace; name the namespaces, or write 'namespaces: all' if that is meant");
                }

                return selector;
        }
    }

    private static LabelSelector ReadSelector(ConfigReader reader, Section section)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var matchLabels = section.Map("matchLabels", null);
        foreach (var (key, keyNode, value) in matchLabels.Entries())
        {
            var field = matchLabels.FieldOf(key);
            RequireLabelKey(reader, keyNode, field, key);
            if (reader.Scalar(value, field, "a label value") is { } text)
            {
                RequireLabelValue(reader, value, field, text);
                WarnIfTenantSettable(reader, keyNode, field, key);
                labels[key] = text;
            }
        }

        var expressions = new List<LabelRequirement>();
        var list = section.List("matchExpressions");
        for (var i = 0; i < list.Count; i++)
        {
            var field = $"{section.FieldOf("matchExpressions")}[{i}]";
            var entry = reader.Open(list[i], field, reader.At(list[i]), ExpressionKeys);
            var key = entry.RequiredText("key");
            if (key.Length > 0)
            {
                RequireLabelKey(reader, entry.Get("key")!, entry.FieldOf("key"), key);
            }

            var values = ReadStrings(reader, entry, "values");
            foreach (var (text, node) in values)
            {
                RequireLabelValue(reader, node, entry.FieldOf("values"), text);
            }

            if (entry.Get("operator") is not { } operatorNode)
            {
                reader.Report(entry.Location, entry.FieldOf("operator"), "is required (In, NotIn, Exists or DoesNotExist)");
                continue;
            }

            if (reader.Choice<SelectorOperator>(operatorNode, entry.FieldOf("operator"), op => op.ToString()) is not { } op)
            {
                continue;
            }

            if (op is SelectorOperator.NotIn or SelectorOperator.DoesNotExist)
            {
                reader.Warn(operatorNode, entry.FieldOf("operator"),
                    $"{op} on '{key}' is met by a namespace without that label, so a tenant satisfies it by removing a label; select with In or matchLabels instead");
            }
            else if (key.Length > 0)
            {
                WarnIfTenantSettable(reader, entry.Get("key")!, entry.FieldOf("key"), key);
            }

            var needsValues = op is SelectorOperator.In or SelectorOperator.NotIn;
            if (needsValues != (values.Count > 0))
            {
                reader.Report(entry.Location, entry.FieldOf("values"),
                    needsValues ? $"must list at least one value for operator {op}" : $"must be empty for operator {op}");
            }

            expressions.Add(new LabelRequirement(key, op, [.. values.Select(v => v.Text)]));
        }

        return labels.Count == 0 && expressions.Count == 0
            ? LabelSelector.Everything
            : new LabelSelector(labels.ToFrozenDictionary(StringComparer.Ordinal), [.. expressions]);
    }

    // Tenants who may label their own namespace can meet any selector on their labels; only the API server sets this one.
    private static void WarnIfTenantSettable(ConfigReader reader, YamlNode node, string field, string key)
    {
        if (key != NamespaceNameLabel)
        {
            reader.Warn(node, field,
                $"tenants can usually set '{key}' on their own namespace and so obtain this bundle; select on {NamespaceNameLabel} " +
                "(set by the API server), or keep this label only if an admission policy lets administrators alone set it");
        }
    }

    private static List<(string Text, YamlNode Node)> ReadStrings(ConfigReader reader, Section section, string key)
    {
        var list = section.List(key);
        var result = new List<(string, YamlNode)>();
        for (var i = 0; i < list.Count; i++)
        {
            if (reader.Scalar(list[i], $"{section.FieldOf(key)}[{i}]", "a string") is { } text)
            {
                result.Add((text, list[i]));
            }
        }

        return result;
    }

    private static SecretMapping[] ReadMappings(ConfigReader reader, Section bundle, Action<string, YamlNode> wrote)
    {
        var list = bundle.List("secrets");
        if (list.Count == 0)
        {
            reader.Report(bundle.Get("secrets") is { } node ? reader.At(node) : bundle.Location, bundle.FieldOf("secrets"), "must list at least one secret");
        }

        var targets = new Dictionary<string, int>(StringComparer.Ordinal);
        var mappings = new List<SecretMapping>();
        for (var i = 0; i < list.Count; i++)
        {
            var field = $"{bundle.FieldOf("secrets")}[{i}]";
            var entry = reader.Open(list[i], field, reader.At(list[i]), MappingKeys);
            var source = entry.RequiredText("source");
            var target = entry.RequiredText("target");
            if (entry.Get("target") is { } targetNode && target.Length > 0)
            {
                if (!KubernetesNames.IsDns1123Subdomain(target))
                {
                    reader.Report(targetNode, entry.FieldOf("target"),
                        $"'{target}' must be a DNS-1123 subdomain: at most 253 lowercase letters, digits, '-' and '.', starting and ending with a letter or digit");
                }
                else if (!targets.TryAdd(target, i))
                {
                    reader.Report(targetNode, entry.FieldOf("target"), $"'{target}' is already the target of {bundle.FieldOf("secrets")}[{targets[target]}]; each target in a bundle must be distinct");
                }
                else
                {
                    wrote(target, targetNode);
                }
            }

            if (entry.Get("source") is { } sourceNode && source.Length > 0 && SourcePaths.Problem(source) is { } problem)
            {
                reader.Report(sourceNode, entry.FieldOf("source"), $"'{SourcePaths.Printable(source)}' {problem}");
            }

            var type = entry.Text("type") ?? "Opaque";
            if (entry.Get("type") is { } typeNode && type.Length > 0 && SecretTypes.Problem(type) is { } typeProblem)
            {
                reader.Report(typeNode, entry.FieldOf("type"), typeProblem);
            }

            mappings.Add(new SecretMapping(source, target, ReadKeyRenames(reader, entry.Map("keys", null)), type.Length == 0 ? "Opaque" : type));
        }

        return [.. mappings];
    }

    private static FrozenDictionary<string, string> ReadKeyRenames(ConfigReader reader, Section keys)
    {
        var renames = new Dictionary<string, string>(StringComparer.Ordinal);
        var renamedTo = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (from, keyNode, value) in keys.Entries())
        {
            var field = keys.FieldOf(from);
            RequireSecretKey(reader, keyNode, field, from);
            if (reader.Scalar(value, field, "a Secret key name") is not { } to)
            {
                continue;
            }

            RequireSecretKey(reader, value, field, to);
            if (!renamedTo.Add(to))
            {
                reader.Report(value, field, $"'{to}' is already the new name of another key");
            }

            renames[from] = to;
        }

        return renames.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static void RequireLabel(ConfigReader reader, YamlNode node, string field, string name, string what)
    {
        if (!KubernetesNames.IsDns1123Label(name))
        {
            reader.Report(node, field, $"'{name}' is not a valid {what}: use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit");
        }
    }

    private static void RequireLabelKey(ConfigReader reader, YamlNode node, string field, string key)
    {
        if (!KubernetesNames.IsLabelKey(key))
        {
            reader.Report(node, field, $"'{key}' is not a valid label key");
        }
    }

    private static void RequireLabelValue(ConfigReader reader, YamlNode node, string field, string value)
    {
        if (!KubernetesNames.IsLabelValue(value))
        {
            reader.Report(node, field, $"'{value}' is not a valid label value");
        }
    }

    private static void RequireSecretKey(ConfigReader reader, YamlNode node, string field, string key)
    {
        if (!KubernetesNames.IsSecretKey(key))
        {
            reader.Report(node, field, $"'{key}' is not a valid Secret key: use letters, digits, '-', '_' and '.'");
        }
    }
}
