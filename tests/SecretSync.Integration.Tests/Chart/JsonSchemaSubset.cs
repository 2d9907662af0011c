using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace SecretSync.Integration.Tests.Chart;

/// <summary>A JSON Schema draft-07 validator for the keywords values.schema.json uses, and nothing more.</summary>
/// <remarks>
/// Checked: type (one or a list), properties, required, additionalProperties (boolean or schema), items (one schema),
/// enum (of strings), const, minimum, maximum, pattern, allOf, and if/then (then applies when the value passes if).
/// <see cref="UnsupportedKeywords"/> lists any other keyword a schema uses, so the schema cannot grow a rule this
/// validator would silently skip.
/// </remarks>
public static class JsonSchemaSubset
{
    public static readonly IReadOnlySet<string> Checked = new HashSet<string>(StringComparer.Ordinal)
    {
        "type", "properties", "required", "additionalProperties", "items", "enum", "const", "minimum", "maximum", "pattern",
        "allOf", "if", "then",
    };

    public static readonly IReadOnlySet<string> Annotations = new HashSet<string>(StringComparer.Ordinal)
    {
        "$schema", "title", "description", "default", "examples", "$comment",
    };

    /// <summary>Every violation, as <c>path: message</c>; empty when the value is valid.</summary>
    public static IReadOnlyList<string> Validate(JsonNode? value, JsonObject schema)
    {
        var errors = new List<string>();
        Check(value, schema, "", errors);
        return errors;
    }

    /// <summary>Keywords in the schema (at any depth) that are neither checked nor pure annotations.</summary>
    public static IReadOnlyList<string> UnsupportedKeywords(JsonObject schema)
    {
        var found = new List<string>();
        foreach (var (path, sub) in Subschemas(schema, ""))
        {
            found.AddRange(sub.Select(p => p.Key).Where(k => !Checked.Contains(k) && !Annotations.Contains(k)).Select(k => $"{Display(path)}: {k}"));
        }

        return found;
    }

    /// <summary>Every schema nested in this one (itself, properties, items, additionalProperties, allOf, if, then), with its path.</summary>
    /// <remarks>Paths name where a value sits: a schema under allOf, if or then has the path of the value it applies to.</remarks>
    public static IEnumerable<(string Path, JsonObject Schema)> Subschemas(JsonObject schema, string path)
    {
        yield return (path, schema);
        if (schema["properties"] is JsonObject properties)
        {
            foreach (var (name, sub) in properties)
            {
                foreach (var nested in Subschemas((JsonObject)sub!, $"{path}.{name}"))
                {
                    yield return nested;
                }
            }
        }

        if (schema["items"] is JsonObject items)
        {
            foreach (var nested in Subschemas(items, $"{path}[]"))
            {
                yield return nested;
            }
        }

        if (schema["additionalProperties"] is JsonObject additional)
        {
            foreach (var nested in Subschemas(additional, $"{path}.*"))
            {
                yield return nested;
            }
        }

        foreach (var applied in Applied(schema))
        {
            foreach (var nested in Subschemas(applied, path))
            {
                yield return nested;
            }
        }
    }

    /// <summary>The schemas of allOf, if and then: they apply to the same value as their parent.</summary>
    public static IEnumerable<JsonObject> Applied(JsonObject schema) =>
        (schema["allOf"] as JsonArray ?? []).OfType<JsonObject>()
            .Concat(new[] { schema["if"], schema["then"] }.OfType<JsonObject>());

    private static void Check(JsonNode? value, JsonObject schema, string path, List<string> errors)
    {
        if (schema["type"] is { } type)
        {
            var allowed = type is JsonArray list ? list.Select(t => t!.GetValue<string>()).ToList() : [type.GetValue<string>()];
            if (!allowed.Any(t => IsType(value, t)))
            {
                errors.Add($"{Display(path)}: expected {string.Join(" or ", allowed)}, found {Describe(value)}");
                return;
            }
        }

        if (schema["enum"] is JsonArray choices && !choices.Any(c => JsonNode.DeepEquals(c, value)))
        {
            errors.Add($"{Display(path)}: {Describe(value)} is not one of {string.Join(", ", choices.Select(c => c?.ToJsonString()))}");
        }

        if (schema.TryGetPropertyValue("const", out var constant) && !JsonNode.DeepEquals(constant, value))
        {
            errors.Add($"{Display(path)}: {Describe(value)} is not {Describe(constant)}");
        }

        foreach (var part in (schema["allOf"] as JsonArray ?? []).OfType<JsonObject>())
        {
            Check(value, part, path, errors);
        }

        if (schema["if"] is JsonObject condition && schema["then"] is JsonObject consequence)
        {
            var failed = new List<string>();
            Check(value, condition, path, failed);
            if (failed.Count == 0)
            {
                Check(value, consequence, path, errors);
            }
        }

        if (AsNumber(value) is { } n)
        {
            if (schema["minimum"] is { } minimum && n < minimum.GetValue<double>())
            {
                errors.Add($"{Display(path)}: {n.ToString(CultureInfo.InvariantCulture)} is below the minimum {minimum}");
            }

            if (schema["maximum"] is { } maximum && n > maximum.GetValue<double>())
            {
                errors.Add($"{Display(path)}: {n.ToString(CultureInfo.InvariantCulture)} is above the maximum {maximum}");
            }
        }

        if (schema["pattern"] is { } pattern && value is JsonValue text && text.TryGetValue<string>(out var s)
            && !Regex.IsMatch(s, pattern.GetValue<string>(), RegexOptions.None, TimeSpan.FromSeconds(1)))
        {
            errors.Add($"{Display(path)}: '{s}' does not match {pattern}");
        }

        if (value is JsonObject map)
        {
            var properties = schema["properties"] as JsonObject;
            foreach (var required in (schema["required"] as JsonArray ?? []).Select(r => r!.GetValue<string>()))
            {
                if (!map.ContainsKey(required))
                {
                    errors.Add($"{Display(path)}: '{required}' is required");
                }
            }

            foreach (var (key, child) in map)
            {
                if (properties?[key] is JsonObject known)
                {
                    Check(child, known, $"{path}.{key}", errors);
                }
                else if (schema["additionalProperties"] is JsonObject additional)
                {
                    Check(child, additional, $"{path}.{key}", errors);
                }
                else if (schema["additionalProperties"] is JsonValue flag && !flag.GetValue<bool>())
                {
                    errors.Add($"{Display(path)}: unknown key '{key}'");
                }
            }
        }

        if (value is JsonArray array && schema["items"] is JsonObject itemSchema)
        {
            for (var i = 0; i < array.Count; i++)
            {
                Check(array[i], itemSchema, $"{path}[{i}]", errors);
            }
        }
    }

    private static bool IsType(JsonNode? value, string type) => type switch
    {
        "null" => value is null,
        "object" => value is JsonObject,
        "array" => value is JsonArray,
        "boolean" => value is JsonValue v && v.TryGetValue<bool>(out _),
        "string" => value is JsonValue v && v.TryGetValue<string>(out _),
        "integer" => AsNumber(value) is { } d && Math.Floor(d) == d,
        "number" => AsNumber(value) is not null,
        _ => throw new NotSupportedException($"JSON Schema type '{type}' is not supported here"),
    };

    private static double? AsNumber(JsonNode? value) => value switch
    {
        JsonValue v when v.TryGetValue<long>(out var l) => l,
        JsonValue v when v.TryGetValue<int>(out var i) => i,
        JsonValue v when v.TryGetValue<double>(out var d) => d,
        _ => null,
    };

    private static string Describe(JsonNode? value) => value switch
    {
        null => "null",
        JsonObject => "an object",
        JsonArray => "an array",
        _ => value.ToJsonString(),
    };

    private static string Display(string path) => path.Length == 0 ? "(root)" : path.TrimStart('.');
}
