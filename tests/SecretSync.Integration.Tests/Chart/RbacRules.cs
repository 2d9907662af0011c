using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace SecretSync.Integration.Tests.Chart;

/// <summary>One (API group, resource, verb) triple, as RBAC and the request log name it.</summary>
public sealed record Permission(string Group, string Resource, string Verb)
{
    public override string ToString() => $"{Verb} {(Group.Length == 0 ? "" : Group + "/")}{Resource}";
}

/// <summary>One API request: what it is on, and where.</summary>
/// <param name="Permission">The group, resource and verb.</param>
/// <param name="Namespace">The namespace in the path; null for cluster-scoped requests (and for Namespace objects).</param>
/// <param name="Name">The object name in the path; null for list, watch and create.</param>
/// <param name="Path">The request path, for messages.</param>
public sealed record ApiRequest(Permission Permission, string? Namespace, string? Name, string Path);

/// <summary>One RBAC rule and where it applies: a ClusterRole's everywhere, a Role's in its namespace only.</summary>
public sealed record RbacRule(string Source, string? Namespace, IReadOnlyList<string> Groups, IReadOnlyList<string> Resources, IReadOnlyList<string> Verbs, IReadOnlyList<string> ResourceNames)
{
    public IEnumerable<Permission> Permissions =>
        from g in Groups from r in Resources from v in Verbs select new Permission(g, r, v);

    /// <summary>Whether this rule authorizes the request, as the RBAC authorizer decides (no wildcards are used here).</summary>
    public bool Allows(ApiRequest request) =>
        Groups.Contains(request.Permission.Group) && Resources.Contains(request.Permission.Resource) && Verbs.Contains(request.Permission.Verb)
        && (Namespace is null || Namespace == request.Namespace)
        && (ResourceNames.Count == 0 || request.Name is not null && ResourceNames.Contains(request.Name));

    public override string ToString() =>
        $"{Source}: {string.Join(",", Verbs)} {string.Join(",", Resources)}{(ResourceNames.Count > 0 ? $" [{string.Join(",", ResourceNames)}]" : "")}";
}

/// <summary>Renders the chart's RBAC templates without Helm and reads their rules; parses request-log paths.</summary>
/// <remarks>
/// The RBAC templates are kept to a handful of template forms so that this renderer can evaluate them exactly:
/// whole-line <c>if</c>/<c>end</c> on values (<c>.Values.a.b</c>, <c>has "x" .Values.a.b</c>, <c>and …</c>), names from
/// <c>include</c>, <c>.Release.Namespace</c>, <c>.Values.a.b | quote</c>, and label blocks. Anything else fails the
/// test, so new template logic in RBAC cannot slip past the minimality check.
/// </remarks>
public static partial class RbacRules
{
    public const string ReleaseName = "secretsync";

    public static string Render(string template, JsonObject values, string releaseNamespace)
    {
        var output = new StringBuilder();
        var conditions = new Stack<bool>();
        foreach (var line in template.Split('\n'))
        {
            var trimmed = line.Trim();
            if (IfLine().Match(trimmed) is { Success: true } ifLine)
            {
                conditions.Push(Evaluate(ifLine.Groups[1].Value, values));
                continue;
            }

            if (EndLine().IsMatch(trimmed))
            {
                conditions.Pop();
                continue;
            }

            if (conditions.Contains(false))
            {
                continue;
            }

            if (LabelsLine().IsMatch(trimmed))
            {
                output.AppendLine(CultureInfo.InvariantCulture, $"{line[..line.IndexOf('{', StringComparison.Ordinal)]}app.kubernetes.io/name: secretsync");
                continue;
            }

            output.AppendLine(Expression().Replace(line, m => Substitute(m.Groups[1].Value, values, releaseNamespace)));
        }

        return conditions.Count == 0 ? output.ToString() : throw new InvalidDataException("unbalanced if/end in an RBAC template");
    }

    /// <summary>The rules of every ClusterRole and Role in rendered manifests; Roles keep their namespace.</summary>
    public static IReadOnlyList<RbacRule> Rules(IEnumerable<JsonNode?> documents)
    {
        var rules = new List<RbacRule>();
        foreach (var doc in documents.OfType<JsonObject>())
        {
            var kind = doc["kind"]?.GetValue<string>();
            if (kind is not ("ClusterRole" or "Role"))
            {
                continue;
            }

            var ns = kind == "Role" ? doc["metadata"]!["namespace"]!.GetValue<string>() : null;
            foreach (var rule in (doc["rules"] as JsonArray ?? []).OfType<JsonObject>())
            {
                rules.Add(new RbacRule(kind, ns, Strings(rule["apiGroups"]), Strings(rule["resources"]), Strings(rule["verbs"]), Strings(rule["resourceNames"])));
            }
        }

        return rules;
    }

    /// <summary>The resource request a Kubernetes API path names, or null for non-resource paths (discovery, /version).</summary>
    public static ApiRequest? Parse(string verb, string path)
    {
        var segments = path.Trim('/').Split('/');
        string group;
        string[] rest;
        if (segments is ["api", "v1", .. var core])
        {
            (group, rest) = ("", core);
        }
        else if (segments is ["apis", var named, _, .. var grouped])
        {
            (group, rest) = (named, grouped);
        }
        else
        {
            return null;
        }

        if (rest is ["watch", .. var watched])
        {
            rest = watched;
        }

        return rest switch
        {
            ["namespaces"] => new ApiRequest(new Permission(group, "namespaces", verb), null, null, path),
            ["namespaces", var name] => new ApiRequest(new Permission(group, "namespaces", verb), null, name, path),
            ["namespaces", var ns, var plural] => new ApiRequest(new Permission(group, plural, verb), ns, null, path),
            ["namespaces", var ns, var plural, var name] => new ApiRequest(new Permission(group, plural, verb), ns, name, path),
            ["namespaces", var ns, var plural, var name, var sub] => new ApiRequest(new Permission(group, $"{plural}/{sub}", verb), ns, name, path),
            [var plural] => new ApiRequest(new Permission(group, plural, verb), null, null, path),
            [var plural, var name] => new ApiRequest(new Permission(group, plural, verb), null, name, path),
            _ => null,
        };
    }

    private static bool Evaluate(string condition, JsonObject values)
    {
        var tokens = condition.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return tokens switch
        {
            ["and", .. var operands] when operands.All(o => o.StartsWith(".Values.", StringComparison.Ordinal)) =>
                operands.All(o => ChartFiles.Truthy(ChartFiles.At(values, o[".Values.".Length..]))),
            ["has", var quoted, var list] when list.StartsWith(".Values.", StringComparison.Ordinal) =>
                (ChartFiles.At(values, list[".Values.".Length..]) as JsonArray ?? []).Any(i => i?.GetValue<string>() == quoted.Trim('"')),
            [var single] when single.StartsWith(".Values.", StringComparison.Ordinal) =>
                ChartFiles.Truthy(ChartFiles.At(values, single[".Values.".Length..])),
            _ => throw new NotSupportedException($"RBAC templates may only test values; cannot evaluate 'if {condition}'"),
        };
    }

    private static string Substitute(string expression, JsonObject values, string releaseNamespace)
    {
        var text = expression.Trim();
        if (text is "include \"secretsync.fullname\" ." or "include \"secretsync.serviceAccountName\" .")
        {
            return ReleaseName;
        }

        if (text == ".Release.Namespace")
        {
            return releaseNamespace;
        }

        if (ValueExpression().Match(text) is { Success: true } value)
        {
            var node = ChartFiles.At(values, value.Groups[1].Value) ?? throw new InvalidDataException($"no value {value.Groups[1].Value}");
            var rendered = node.GetValue<string>();
            return value.Groups[2].Success ? $"\"{rendered}\"" : rendered;
        }

        throw new NotSupportedException($"RBAC templates may not use '{{{{ {text} }}}}'; keep their rules free of template logic");
    }

    private static List<string> Strings(JsonNode? node) => node is JsonArray list ? [.. list.Select(i => i!.GetValue<string>())] : [];

    [GeneratedRegex(@"^\{\{-?\s*if\s+(.+?)\s*-?\}\}$")]
    private static partial Regex IfLine();

    [GeneratedRegex(@"^\{\{-?\s*end\s*-?\}\}$")]
    private static partial Regex EndLine();

    [GeneratedRegex(@"^\{\{-?\s*include ""secretsync\.labels"" \. \| nindent \d+\s*-?\}\}$")]
    private static partial Regex LabelsLine();

    [GeneratedRegex(@"\{\{-?(.+?)-?\}\}")]
    private static partial Regex Expression();

    [GeneratedRegex(@"^\.Values\.([A-Za-z0-9_.]+)(\s*\|\s*quote)?$")]
    private static partial Regex ValueExpression();
}
