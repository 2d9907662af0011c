using System.Text.Json.Nodes;

namespace SecretSync.Integration.Tests.Chart;

/// <summary>One admission request as a ValidatingAdmissionPolicy sees it.</summary>
/// <param name="Operation">CREATE, UPDATE or DELETE (a PATCH is an UPDATE).</param>
/// <param name="Group">API group; empty for core.</param>
/// <param name="Resource">Plural resource.</param>
/// <param name="Namespace">The request's namespace.</param>
/// <param name="Username">request.userInfo.username.</param>
/// <param name="Object">The object after the write; null for DELETE.</param>
/// <param name="OldObject">The object before; null for CREATE.</param>
/// <param name="NamespaceObject">The Namespace the object is in, as stored then.</param>
public sealed record AdmissionRequest(
    string Operation, string Group, string Resource, string Namespace, string Username, JsonObject? Object, JsonObject? OldObject, JsonObject? NamespaceObject)
{
    public string Name => (Object ?? OldObject)?["metadata"]?["name"]?.GetValue<string>() ?? "";

    public override string ToString() => $"{Operation} {(Group.Length == 0 ? "" : Group + "/")}{Resource} {Namespace}/{Name} by {Username}";
}

/// <summary>The chart's rendered ValidatingAdmissionPolicies, evaluated as the API server does for a request.</summary>
/// <remarks>
/// A policy applies when one of its resourceRules matches and every matchCondition is true; then every validation must be
/// true. With <c>failurePolicy: Fail</c> (the only one the chart uses, asserted here) an evaluation error refuses the
/// request, in a matchCondition as in a validation. Bindings are checked to bind each policy with Deny and no
/// further selection, so a policy's own match is the whole match.
/// </remarks>
public sealed class AdmissionPolicies
{
    private readonly List<Policy> _policies;

    public AdmissionPolicies(IEnumerable<JsonObject> manifests)
    {
        var documents = manifests.ToList();
        _policies = [.. documents.Where(d => Kind(d) == "ValidatingAdmissionPolicy").Select(Policy.From)];
        var bindings = documents.Where(d => Kind(d) == "ValidatingAdmissionPolicyBinding").ToList();
        foreach (var policy in _policies)
        {
            var binding = Assert.Single(bindings, b => b["spec"]!["policyName"]!.GetValue<string>() == policy.Name);
            Assert.Equal(["Deny"], binding["spec"]!["validationActions"]!.AsArray().Select(a => a!.GetValue<string>()));
            Assert.Null(binding["spec"]!["matchResources"]);
            Assert.Null(binding["spec"]!["paramRef"]);
        }

        Assert.Equal(_policies.Count, bindings.Count);
    }

    public IReadOnlyList<string> Names => [.. _policies.Select(p => p.Name)];

    /// <summary>Null when the request is admitted; otherwise the refusing policy and its message (or the error).</summary>
    public string? Refusal(AdmissionRequest request) =>
        _policies.Select(p => p.Refusal(request)).FirstOrDefault(r => r is not null);

    /// <summary>The names of the policies that match the request.</summary>
    public IReadOnlyList<string> Matching(AdmissionRequest request) => [.. _policies.Where(p => p.Matches(request)).Select(p => p.Name)];

    private static string? Kind(JsonObject manifest) => manifest["kind"]?.GetValue<string>();

    private sealed record Rule(IReadOnlyList<string> Groups, IReadOnlyList<string> Resources, IReadOnlyList<string> Operations);

    private sealed record Check(CelSubset.Node Expression, string Message);

    private sealed record Policy(string Name, IReadOnlyList<Rule> Rules, IReadOnlyList<CelSubset.Node> Conditions, IReadOnlyList<(string Name, CelSubset.Node Expression)> Variables, IReadOnlyList<Check> Validations)
    {
        public static Policy From(JsonObject manifest)
        {
            var spec = manifest["spec"]!;
            Assert.Equal("Fail", spec["failurePolicy"]!.GetValue<string>());
            Assert.Null(spec["paramKind"]);
            Assert.Null(spec["matchConstraints"]!["namespaceSelector"]);
            Assert.Null(spec["matchConstraints"]!["objectSelector"]);
            return new Policy(
                manifest["metadata"]!["name"]!.GetValue<string>(),
                [.. spec["matchConstraints"]!["resourceRules"]!.AsArray().Select(r => new Rule(Strings(r!["apiGroups"]), Strings(r["resources"]), Strings(r["operations"])))],
                [.. (spec["matchConditions"] as JsonArray ?? []).Select(c => CelSubset.Parse(c!["expression"]!.GetValue<string>()))],
                [.. (spec["variables"] as JsonArray ?? []).Select(v => (v!["name"]!.GetValue<string>(), CelSubset.Parse(v["expression"]!.GetValue<string>())))],
                [.. spec["validations"]!.AsArray().Select(v => new Check(CelSubset.Parse(v!["expression"]!.GetValue<string>()), v["message"]!.GetValue<string>()))]);
        }

        public bool Matches(AdmissionRequest request) =>
            Rules.Any(r => r.Groups.Contains(request.Group) && r.Resources.Contains(request.Resource) && r.Operations.Contains(request.Operation));

        public string? Refusal(AdmissionRequest request)
        {
            if (!Matches(request))
            {
                return null;
            }

            var cache = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
            JsonNode? Resolve(string name)
            {
                if (name.StartsWith("variables.", StringComparison.Ordinal))
                {
                    var variable = name["variables.".Length..];
                    if (!cache.TryGetValue(variable, out var value))
                    {
                        var expression = Variables.FirstOrDefault(v => v.Name == variable).Expression ?? throw new CelError($"no variable {variable}");
                        cache[variable] = value = CelSubset.Evaluate(expression, Resolve);
                    }

                    return value?.DeepClone();
                }

                return name switch
                {
                    "request" => new JsonObject
                    {
                        ["operation"] = request.Operation,
                        ["namespace"] = request.Namespace,
                        ["name"] = request.Name,
                        ["userInfo"] = new JsonObject { ["username"] = request.Username },
                        ["resource"] = new JsonObject { ["group"] = request.Group, ["version"] = "v1", ["resource"] = request.Resource },
                    },
                    "object" => request.Object?.DeepClone(),
                    "oldObject" => request.OldObject?.DeepClone(),
                    "namespaceObject" => request.NamespaceObject?.DeepClone(),
                    _ => throw new CelError($"undeclared reference '{name}'"),
                };
            }

            try
            {
                if (!Conditions.All(c => CelSubset.IsTrue(c, Resolve)))
                {
                    return null;
                }

                return Validations.FirstOrDefault(v => !CelSubset.IsTrue(v.Expression, Resolve)) is { } failed ? $"{Name}: {failed.Message}" : null;
            }
            catch (CelError error)
            {
                return $"{Name}: evaluation error ({error.Message}), refused under failurePolicy Fail";
            }
        }

        private static List<string> Strings(JsonNode? node) => node is JsonArray list ? [.. list.Select(i => i!.GetValue<string>())] : [];
    }
}
