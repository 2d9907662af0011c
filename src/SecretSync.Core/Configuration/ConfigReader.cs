using System.Globalization;
using SecretSync.Core.Providers;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SecretSync.Core.Configuration;

/// <summary>Collects configuration errors, each with file, line, column and field.</summary>
internal sealed class ConfigReader(string fileName)
{
    private readonly List<ConfigError> _errors = [];
    private readonly List<ConfigError> _warnings = [];

    public IReadOnlyList<ConfigError> Errors => _errors;

    public IReadOnlyList<ConfigError> Warnings => _warnings;

    public SourceLocation At(Mark mark) => new(fileName, checked((int)mark.Line), checked((int)mark.Column));

    public SourceLocation At(YamlNode node) => At(node.Start);

    public void Report(SourceLocation location, string field, string message) => _errors.Add(new ConfigError(location, field, message));

    public void Report(YamlNode node, string field, string message) => Report(At(node), field, message);

    /// <summary>Records a finding that does not stop the configuration.</summary>
    public void Warn(SourceLocation location, string field, string message) =>
        _warnings.Add(new ConfigError(location, field, message, SettingSeverity.Warning));

    public void Warn(YamlNode node, string field, string message) => Warn(At(node), field, message);

    /// <summary>YAML's null: absent, empty, <c>~</c> or <c>null</c> unquoted.</summary>
    public static bool IsNull(YamlNode? node) =>
        node is null or YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    /// <summary>Opens a mapping; absent or null gives an empty section, anything else but a mapping is reported.</summary>
    /// <param name="node">The node, or null when the key is absent.</param>
    /// <param name="field">The dotted field path of the node.</param>
    /// <param name="fallback">Where to point "required" errors when the node is absent.</param>
    /// <param name="allowedKeys">Keys allowed in the mapping; null allows any key.</param>
    public Section Open(YamlNode? node, string field, SourceLocation fallback, IReadOnlyList<string>? allowedKeys)
    {
        if (IsNull(node))
        {
            return new Section(this, new YamlMappingNode(), field, fallback, exists: false);
        }

        if (node is not YamlMappingNode mapping)
        {
            Report(node!, field, $"must be a mapping, not {Describe(node!)}");
            return new Section(this, new YamlMappingNode(), field, At(node!), exists: false);
        }

        var section = new Section(this, mapping, field, At(mapping), exists: true);
        if (allowedKeys is not null)
        {
            foreach (var (key, keyNode, _) in section.Entries())
            {
                if (!allowedKeys.Contains(key, StringComparer.Ordinal))
                {
                    Report(keyNode, section.FieldOf(key),
                        $"unknown key '{key}'{Suggestions.Hint(key, allowedKeys)}; allowed keys: {string.Join(", ", allowedKeys)}");
                }
            }
        }

        return section;
    }

    /// <summary>The text of a scalar, or null (reported) when the node is a mapping or a list.</summary>
    public string? Scalar(YamlNode node, string field, string expected)
    {
        if (node is YamlScalarNode scalar)
        {
            return scalar.Value ?? "";
        }

        Report(node, field, $"must be {expected}, not {Describe(node)}");
        return null;
    }

    /// <summary>Parses an enum from its spelling; null (reported) when it is not one of the choices.</summary>
    public TEnum? Choice<TEnum>(YamlNode node, string field, Func<TEnum, string>? spell = null)
        where TEnum : struct, Enum
    {
        spell ??= value => value.ToString().ToLowerInvariant();
        var choices = Enum.GetValues<TEnum>().ToDictionary(spell, StringComparer.Ordinal);
        var text = Scalar(node, field, $"one of {string.Join(", ", choices.Keys)}");
        if (text is null)
        {
            return null;
        }

        if (choices.TryGetValue(text, out var value))
        {
            return value;
        }

        Report(node, field, $"'{text}' is not one of {string.Join(", ", choices.Keys)}{Suggestions.Hint(text, choices.Keys)}");
        return null;
    }

    private static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        _ => "a scalar",
    };
}

/// <summary>A YAML mapping being read, with typed getters that report problems and fall back to defaults.</summary>
internal sealed class Section(ConfigReader reader, YamlMappingNode node, string path, SourceLocation location, bool exists)
{
    public delegate bool TryParse<T>(string text, out T value);

    public string Field => path;

    public SourceLocation Location => location;

    /// <summary>False when the section was absent, null or not a mapping.</summary>
    public bool Exists => exists;

    public string FieldOf(string key) => path.Length == 0 ? key : $"{path}.{key}";

    /// <summary>The value under <paramref name="key"/>, or null when absent or YAML null.</summary>
    public YamlNode? Get(string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && !ConfigReader.IsNull(value) ? value : null;

    /// <summary>Every entry with a scalar key; other keys are reported.</summary>
    public IEnumerable<(string Key, YamlNode KeyNode, YamlNode Value)> Entries()
    {
        foreach (var (keyNode, value) in node.Children)
        {
            if (keyNode is YamlScalarNode { Value: { } key })
            {
                yield return (key, keyNode, value);
            }
            else
            {
                reader.Report(keyNode, path, "keys must be plain strings");
            }
        }
    }

    public Section Map(string key, IReadOnlyList<string>? allowedKeys) => reader.Open(Get(key), FieldOf(key), location, allowedKeys);

    /// <summary>The list under <paramref name="key"/>; empty when absent, reported when not a list.</summary>
    public IReadOnlyList<YamlNode> List(string key)
    {
        switch (Get(key))
        {
            case null:
                return [];
            case YamlSequenceNode sequence:
                return [.. sequence.Children];
            case var other:
                reader.Report(other, FieldOf(key), "must be a list");
                return [];
        }
    }

    public string? Text(string key) => Get(key) is { } value ? reader.Scalar(value, FieldOf(key), "a string") : null;

    /// <summary>A non-empty string that must be present; reports and returns empty when it is not.</summary>
    public string RequiredText(string key)
    {
        var value = Get(key);
        var text = Text(key);
        if (value is null)
        {
            reader.Report(location, FieldOf(key), "is required");
        }
        else if (text is { Length: 0 })
        {
            reader.Report(value, FieldOf(key), "must not be empty");
        }

        return text ?? "";
    }

    public T Value<T>(string key, T fallback, TryParse<T> parse, string expected)
    {
        if (Get(key) is not { } value || reader.Scalar(value, FieldOf(key), expected) is not { } text)
        {
            return fallback;
        }

        if (parse(text, out var result))
        {
            return result;
        }

        reader.Report(value, FieldOf(key), $"must be {expected}, got '{text}'");
        return fallback;
    }

    public int Int(string key, int fallback, int min, int max) =>
        Value(key, fallback, (string text, out int v) =>
            int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out v) && v >= min && v <= max,
            max == int.MaxValue ? $"an integer of at least {min}" : $"an integer from {min} to {max}");

    public long Long(string key, long fallback, long min) =>
        Value(key, fallback, (string text, out long v) =>
            long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out v) && v >= min,
            $"an integer of at least {min}");

    public double Number(string key, double fallback, Func<double, bool> valid, string expected) =>
        Value(key, fallback, (string text, out double v) =>
            double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out v) && double.IsFinite(v) && valid(v),
            expected);

    /// <summary>A positive <see cref="Configuration.Duration"/>; a bare number is reported with the unit it needs.</summary>
    public TimeSpan Duration(string key, TimeSpan fallback)
    {
        var expected = $"a positive duration such as {Configuration.Duration.Examples}";
        if (Get(key) is not { } value || reader.Scalar(value, FieldOf(key), expected) is not { } text)
        {
            return fallback;
        }

        if (Configuration.Duration.TryParse(text, out var duration) && duration > TimeSpan.Zero)
        {
            return duration;
        }

        var hint = Configuration.Duration.TryParse(text, out _) ? "" : $"; {Configuration.Duration.Hint(text)}";
        reader.Report(value, FieldOf(key), $"must be {expected}, got '{text}'{hint}");
        return fallback;
    }

    public bool Bool(string key, bool fallback) =>
        Value(key, fallback, (string text, out bool v) => (v = text == "true") || text == "false", "true or false");

    public TEnum Choice<TEnum>(string key, TEnum fallback)
        where TEnum : struct, Enum =>
        Get(key) is { } value ? reader.Choice<TEnum>(value, FieldOf(key)) ?? fallback : fallback;
}
