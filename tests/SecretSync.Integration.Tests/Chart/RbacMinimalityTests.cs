using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SecretSync.Core.Audit;
using SecretSync.Integration.Tests.Restarts;
using SecretSync.Testing;
using SecretSync.Testing.Cluster;

namespace SecretSync.Integration.Tests.Chart;

/// <summary>The chart's ClusterRole and Role grant exactly what the real daemon uses: no more, no less.</summary>
/// <remarks>
/// The daemon runs with the chart's default configuration (audit sinks, leader election) against the emulated API
/// server, logs in to the emulated Vault with Kubernetes auth under samples/vault/secretsync-policy.hcl, and goes
/// through every kind of write it makes: install-key creation, leader election and release, create, rotation
/// (update), a denied request and a repeated condition (Event create and aggregation patch), retain marking (patch),
/// pruning (delete), and a rollout restart (get and patch) of an opted-in Deployment, StatefulSet and DaemonSet. Every request it sent must be authorized by the rendered rules, and every rule's every
/// (verb, resource) must have authorized at least one request.
/// </remarks>
public sealed partial class RbacMinimalityTests
{
    private const string ReleaseNamespace = "secretsync";
    private const string PodName = "secretsync-7d9f8b6c5-x2x4q";

    [Fact]
    public async Task TheChartsRbacRules_AreExactlyThePermissionsTheDaemonUses()
    {
        await using var cluster = await TestCluster.StartAsync(vaultEvents: true);
        var values = ChartFiles.Values();
        var jwtFile = Path.Combine(cluster.Folder, "sa-token");
        await File.WriteAllTextAsync(jwtFile, SetUpVault(cluster));
        cluster.Vault.WriteSecret("secret", "app/db", new Dictionary<string, object?> { ["password"] = "pw-rbac-db-1" });
        cluster.Vault.WriteSecret("secret", "app/api", new Dictionary<string, object?> { ["key"] = "pw-rbac-api-1" });
        cluster.Namespace(ReleaseNamespace);
        cluster.Namespace("team-a", new Dictionary<string, string> { ["team"] = "a" }, "app");
        cluster.Namespace("intruder", new Dictionary<string, string> { ["team"] = "x" }, "app");
        foreach (var kind in new[] { "Deployment", "StatefulSet", "DaemonSet" })
        {
            cluster.Kubernetes.Apply(RestartWorkloads.Workload(kind, "team-a", kind.ToLowerInvariant(), "true", RestartWorkloads.EnvFrom("db", "password")));
        }

        await File.WriteAllTextAsync(cluster.ConfigPath, ChartConfig.Render(values, ReleaseNamespace, config =>
        {
            config["cluster"] = "rbac";
            config["providers"] = new JsonObject
            {
                ["vault-main"] = new JsonObject
                {
                    ["type"] = "vault",
                    ["address"] = cluster.Vault.BaseAddress.ToString().TrimEnd('/'),
                    ["events"] = "auto",
                    ["auth"] = new JsonObject { ["method"] = "kubernetes", ["role"] = "secretsync", ["jwtPath"] = jwtFile },
                },
            };
            config["bundles"] = JsonNode.Parse("""
                {"app": {"provider": "vault-main", "namespaces": {"matchLabels": {"team": "a"}},
                         "secrets": [{"source": "app/db", "target": "db"}, {"source": "app/api", "target": "api"}]}}
                """);
            config["sync"]!["interval"] = "1s";
            config["sync"]!["onSourceDeleted"] = "retain";
            config["leaderElection"]!["leaseDuration"] = "3s";
            config["leaderElection"]!["renewDeadline"] = "2s";
            config["leaderElection"]!["retryPeriod"] = "500ms";
            config["restarts"]!["debounce"] = "1s";
        }));
        var kubeconfig = Path.Combine(cluster.Folder, "in-cluster-kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, cluster.Kubernetes.CreateKubeconfig(ReleaseNamespace));

        var daemon = DaemonProcess.Start(["run", "--config", cluster.ConfigPath, "--kubeconfig", kubeconfig], new Dictionary<string, string> { ["POD_NAME"] = PodName });
        await using (daemon)
        {
            await daemon.WaitLeadingAsync();
            await daemon.WaitForAuditCountAsync(e => e.Action == AuditActions.Created && e.Namespace == "team-a", 2, "db and api created");
            await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Denied && e.Namespace == "intruder", "intruder denied");
            await Eventually.TrueAsync(() => daemon.StandardError.Contains("pushes changes", StringComparison.Ordinal), "the sample Vault policy lets the event subscription through");

            for (var version = 2; version <= 3; version++)
            {
                cluster.Vault.WriteSecret("secret", "app/db", new Dictionary<string, object?> { ["password"] = $"pw-rbac-db-{version}" });
                var expected = version.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Updated && e.SourceVersion == expected, $"rotation to version {expected}");
            }

            await daemon.WaitForAuditCountAsync(e => e.Action == AuditActions.Restarted, 3, "the Deployment, StatefulSet and DaemonSet restarted");

            cluster.Vault.DeleteMetadata("secret", "app/api");
            await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Revoked && e.Secret == "api", "api retained and marked");
            cluster.Annotate("team-a", null);
            await daemon.WaitForAuditCountAsync(e => e.Action == AuditActions.Pruned, 2, "db and api pruned");
            await Eventually.TrueAsync(
                () => Requests(cluster).Any(r => r.Permission == new Permission("", "events", "patch")),
                "the second rotation event aggregated into the first (an Event patch)");
            Assert.Equal(0, await daemon.StopAsync());
        }

        var requests = Requests(cluster);
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

    /// <summary>The daemon's resource requests (by its User-Agent); anything else it sent must be a non-resource path.</summary>
    private static List<ApiRequest> Requests(TestCluster cluster)
    {
        var mine = cluster.Kubernetes.Requests.Snapshot().Where(r => r.UserAgent?.StartsWith("secretsync", StringComparison.Ordinal) == true).ToList();
        var parsed = mine.Select(r => RbacRules.Parse(r.Verb, r.Path)).ToList();
        var nonResource = mine.Where((_, i) => parsed[i] is null).Select(r => r.Path).Distinct().ToList();
        Assert.True(nonResource.Count == 0, "requests outside the resource API (RBAC nonResourceURLs) need their own rules:\n" + string.Join("\n", nonResource));
        return [.. parsed.OfType<ApiRequest>()];
    }

    /// <summary>A Kubernetes auth role for the chart's ServiceAccount under the sample policy; returns the account's JWT.</summary>
    private static string SetUpVault(TestCluster cluster)
    {
        var hcl = File.ReadAllText(Path.Combine(ChartFiles.SamplesFolder, "vault", "secretsync-policy.hcl"));
        var rules = PolicyPath().Matches(hcl)
            .Select(m => (m.Groups[1].Value, Capabilities().Match(m.Groups[2].Value).Groups[1].Value.Split(',').Select(c => c.Trim().Trim('"')).ToArray()))
            .ToArray();
        Assert.NotEmpty(rules);
        cluster.Vault.SetPolicy("secretsync", rules);
        return cluster.Vault.AddKubernetesRole("secretsync", RbacRules.ReleaseName, ReleaseNamespace, ["secretsync"], TimeSpan.FromHours(1));
    }

    [GeneratedRegex(@"(?m)^path\s+""([^""]+)""\s*\{([^}]*)\}")]
    private static partial Regex PolicyPath();

    [GeneratedRegex(@"(?m)^\s*capabilities\s*=\s*\[([^\]]*)\]")]
    private static partial Regex Capabilities();
}
