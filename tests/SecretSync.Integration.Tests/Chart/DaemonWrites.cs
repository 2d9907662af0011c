using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SecretSync.Core.Audit;
using SecretSync.DevStack;
using SecretSync.DevStack.Hosting;
using SecretSync.Integration.Tests.Restarts;
using SecretSync.Testing;
using SecretSync.Testing.Cluster;

namespace SecretSync.Integration.Tests.Chart;

/// <summary>What the real daemon, run with the chart's default configuration, sent to and changed in the emulated API server.</summary>
/// <remarks>
/// The daemon logs in to the emulated Vault with Kubernetes auth under samples/vault/secretsync-policy.hcl, and goes
/// through every kind of write it makes: install-key creation, leader election and release, create, rotation
/// (update), a denied request and a repeated condition (Event create and aggregation patch), retain marking (patch),
/// pruning (delete), and a rollout restart (get and patch) of an opted-in Deployment, StatefulSet and DaemonSet.
/// </remarks>
/// <param name="Values">The chart values the daemon's configuration was rendered from.</param>
/// <param name="Requests">The daemon's requests (by its User-Agent).</param>
/// <param name="Changes">Every committed write, the daemon's and the set-up's (<see cref="KubernetesChange.UserAgent"/> tells them apart).</param>
internal sealed partial record DaemonWrites(JsonObject Values, IReadOnlyList<RecordedRequest> Requests, IReadOnlyList<KubernetesChange> Changes)
{
    public const string ReleaseNamespace = "secretsync";
    private const string PodName = "secretsync-7d9f8b6c5-x2x4q";

    /// <summary>Runs the scenario and returns what the daemon sent and changed.</summary>
    public static async Task<DaemonWrites> RecordAsync()
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

        var config = (JsonObject)values["config"]!;
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
        }

        await File.WriteAllTextAsync(cluster.ConfigPath, ChartConfig.Render(values, ReleaseNamespace));
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
                () => ResourceRequests(cluster).Any(r => r.Permission == new Permission("", "events", "patch")),
                "the second rotation event aggregated into the first (an Event patch)");
            Assert.Equal(0, await daemon.StopAsync());
        }

        return new DaemonWrites(values, [.. DaemonRequests(cluster)], cluster.Kubernetes.History);
    }

    private static IEnumerable<RecordedRequest> DaemonRequests(TestCluster cluster) =>
        cluster.Kubernetes.Requests.Snapshot().Where(r => r.UserAgent?.StartsWith("secretsync", StringComparison.Ordinal) == true);

    private static IEnumerable<ApiRequest> ResourceRequests(TestCluster cluster) =>
        DaemonRequests(cluster).Select(r => RbacRules.Parse(r.Verb, r.Path)).OfType<ApiRequest>();

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
