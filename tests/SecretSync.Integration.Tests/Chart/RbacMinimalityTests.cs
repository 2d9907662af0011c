using SecretSync.DevStack.Hosting;

namespace SecretSync.Integration.Tests.Chart;

/// <summary>The chart's ClusterRole and Role grant exactly what the real daemon uses: no more, no less.</summary>
/// <remarks>
/// The daemon goes through every kind of write it makes (<see cref="DaemonWrites"/>). Every request it sent must be
/// authorized by the rendered rules, and every rule's every (verb, resource) must have authorized at least one request.
/// </remarks>
public sealed class RbacMinimalityTests
{
    private const string ReleaseNamespace = DaemonWrites.ReleaseNamespace;

    [Fact]
    public async Task TheChartsRbacRules_AreExactlyThePermissionsTheDaemonUses()
    {
        var recorded = await DaemonWrites.RecordAsync();
        var values = recorded.Values;

        var requests = Requests(recorded.Requests);
        var rules = ChartTests.RenderRbac(values);
        var unauthorized = requests.Where(r => !rules.Any(rule => rule.Allows(r))).Select(r => $"{r.Permission} {r.Path}").Distinct().ToList();
        var unused = (from rule in rules
                      from permission in rule.Permissions
                      let scoped = rule with { Groups = [permission.Group], Resources = [permission.Resource], Verbs = [permission.Verb] }
                      where !requests.Any(scoped.Allows)
                      select $"{rule.Source} grants {permission}{(rule.ResourceNames.Count > 0 ? $" on {string.Join(",", rule.ResourceNames)}" : "")}").ToList();
        var observed = requests.Select(r => r.Permission).Distinct().Order(Comparer<Permission>.Create((a, b) => string.CompareOrdinal(a.ToString(), b.ToString()))).ToList();

        Assert.True(unauthorized.Count == 0 && unused.Count == 0,
            $"the daemon made requests the chart does not allow:\n{string.Join("\n", unauthorized)}\n"
            + $"the chart grants permissions the daemon never used:\n{string.Join("\n", unused)}\n"
            + $"observed:\n{string.Join("\n", observed)}");
        string[] workloads = ["apps/daemonsets", "apps/deployments", "apps/statefulsets"];
        Assert.Equal(
            ["create events", "create coordination.k8s.io/leases", "create secrets", "delete secrets", "get coordination.k8s.io/leases", "get secrets",
             "list namespaces", "list secrets", "patch events", "patch secrets", "update coordination.k8s.io/leases", "update secrets",
             "watch namespaces", "watch secrets",
             .. (from verb in new[] { "get", "list", "patch", "watch" } from resource in workloads select $"{verb} {resource}")],
            observed.Select(p => p.ToString())
                .OrderBy(p => p.Contains(" apps/", StringComparison.Ordinal))
                .ThenBy(p => p.Replace("coordination.k8s.io/", "", StringComparison.Ordinal), StringComparer.Ordinal));
        Assert.All(requests.Where(r => r.Permission.Resource == "leases"), r => Assert.Equal(ReleaseNamespace, r.Namespace));
    }

    /// <summary>The daemon's resource requests; anything else it sent must be a non-resource path.</summary>
    private static List<ApiRequest> Requests(IReadOnlyList<RecordedRequest> mine)
    {
        var parsed = mine.Select(r => RbacRules.Parse(r.Verb, r.Path)).ToList();
        var nonResource = mine.Where((_, i) => parsed[i] is null).Select(r => r.Path).Distinct().ToList();
        Assert.True(nonResource.Count == 0, "requests outside the resource API (RBAC nonResourceURLs) need their own rules:\n" + string.Join("\n", nonResource));
        return [.. parsed.OfType<ApiRequest>()];
    }
}
