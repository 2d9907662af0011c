using SecretSync.Integration.Tests.Cli;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SecretSync.Testing;

namespace SecretSync.Integration.Tests.Chart;

/// <summary>The chart under the real Helm (v4, from tests/peers): lint, render, and the schema's refusals.</summary>
public sealed partial class HelmTests
{
    private const string Chart = "charts/secretsync";
    private const string ReleaseNamespace = "secretsync";

    /// <summary>The two values the chart requires, so that the defaults render.</summary>
    private static readonly string[] Required =
        ["--set", "image.repository=registry.example.com/platform/secretsync", "--set", "config.cluster=prod-eu-1"];

    public static TheoryData<string> ValuesFiles()
    {
        var files = new TheoryData<string> { "" };
        foreach (var file in Directory.EnumerateFiles(Path.Combine(ChartFiles.SamplesFolder, "helm"), "*.yaml").Order(StringComparer.Ordinal))
        {
            files.Add(Path.GetRelativePath(Repository.Root, file));
        }

        return files;
    }

    [PeerFact("helm")]
    public async Task HelmLint_Strict_Passes()
    {
        var result = await Helm.RunAsync(["lint", "--strict", Chart, .. Required]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("1 chart(s) linted, 0 chart(s) failed", result.StandardOutput, StringComparison.Ordinal);
    }

    /// <param name="valuesFile">A values sample, or empty for the chart's defaults.</param>
    [PeerTheory("helm")]
    [MemberData(nameof(ValuesFiles))]
    public async Task HelmTemplate_RendersAConfigMap_WhoseConfigTheDaemonValidates(string valuesFile)
    {
        var manifests = await TemplateAsync(valuesFile.Length == 0 ? [] : ["-f", valuesFile]);

        var configMap = manifests.Single(m => m["kind"]?.GetValue<string>() == "ConfigMap");
        var folder = Directory.CreateTempSubdirectory("secretsync-helm-config-").FullName;
        try
        {
            var file = Path.Combine(folder, "config.yaml");
            await File.WriteAllTextAsync(file, configMap["data"]!["config.yaml"]!.GetValue<string>());

            var result = await ValidateCommand.RunAsync(file);

            Assert.True(result.ExitCode == 0, $"{(valuesFile.Length == 0 ? "defaults" : valuesFile)}: {result}");
            Assert.Contains("cluster prod-eu-1", result.StandardOutput, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [PeerTheory("helm")]
    [InlineData("config.providers.main.adress=https://vault:8200", "/config/providers/main", "'adress' not allowed")]
    [InlineData("config.providers.main.auth.methd=kubernetes", "/config/providers/main/auth", "'methd' not allowed")]
    public async Task HelmTemplate_RefusesAMisspeltProviderKey_NamingIt(string misspelt, string at, string refusal)
    {
        var result = await Helm.RunAsync(
            ["template", "secretsync", Chart, "-n", ReleaseNamespace, .. Required, "--set", "config.providers.main.type=vault", "--set", misspelt]);

        Assert.True(result.ExitCode != 0, result.ToString());
        Assert.Contains($"at '{at}'", result.StandardError, StringComparison.Ordinal);
        Assert.Contains(refusal, result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("kind: ConfigMap", result.StandardOutput, StringComparison.Ordinal);
    }

    [PeerFact("helm")]
    public async Task HelmTemplate_WithTheKeysSpeltRight_Renders()
    {
        var manifests = await TemplateAsync(
            ["--set", "config.providers.main.type=vault", "--set", "config.providers.main.address=https://vault:8200", "--set", "config.providers.main.auth.method=kubernetes"]);

        var config = RenderedConfig(manifests);
        Assert.Equal("https://vault:8200", ChartFiles.At(config, "providers.main.address")?.GetValue<string>());
        Assert.Equal("kubernetes", ChartFiles.At(config, "providers.main.auth.method")?.GetValue<string>());
    }

    [PeerFact("helm")]
    public async Task DefaultRender_LogsInToVaultWithAnAudienceBoundProjectedToken_NotThePodsApiToken()
    {
        var manifests = await TemplateAsync(
            ["--set", "config.providers.main.type=vault", "--set", "config.providers.main.address=https://vault:8200",
             "--set", "config.providers.main.auth.method=kubernetes", "--set", "config.providers.main.auth.role=secretsync",
             "--set", "config.providers.pinned.type=vault", "--set", "config.providers.pinned.address=https://vault:8200",
             "--set", "config.providers.pinned.auth.method=kubernetes", "--set", "config.providers.pinned.auth.jwtPath=/mnt/jwt",
             "--set", "config.providers.plain.type=vault", "--set", "config.providers.plain.address=https://vault:8200"]);

        var pod = manifests.Single(m => m["kind"]?.GetValue<string>() == "Deployment")["spec"]!["template"]!["spec"]!;
        var volume = pod["volumes"]!.AsArray().Single(v => v!["name"]!.GetValue<string>() == "vault-jwt")!;
        var token = volume["projected"]!["sources"]![0]!["serviceAccountToken"]!;
        Assert.Equal(("vault", 3600L, "token"), (token["audience"]!.GetValue<string>(), token["expirationSeconds"]!.GetValue<long>(), token["path"]!.GetValue<string>()));
        var mount = pod["containers"]![0]!["volumeMounts"]!.AsArray().Single(m => m!["name"]!.GetValue<string>() == "vault-jwt")!;
        Assert.Equal(Path.GetDirectoryName(ChartConfig.VaultJwtPath), mount["mountPath"]!.GetValue<string>());
        // The API token stays mounted: it is the daemon's own credential for the Kubernetes API.
        Assert.True(pod["automountServiceAccountToken"]!.GetValue<bool>());

        var config = RenderedConfig(manifests);
        Assert.Equal(ChartConfig.VaultJwtPath, ChartFiles.At(config, "providers.main.auth.jwtPath")?.GetValue<string>());
        Assert.Equal("/mnt/jwt", ChartFiles.At(config, "providers.pinned.auth.jwtPath")?.GetValue<string>());
        Assert.Null(ChartFiles.At(config, "providers.plain.auth"));
    }

    [PeerFact("helm")]
    public async Task WithoutAnAudience_NoTokenIsProjected_AndTheDaemonsDefaultJwtPathStays()
    {
        var manifests = await TemplateAsync(
            ["--set", "auth.vault.kubernetesAudience=", "--set", "config.providers.main.type=vault",
             "--set", "config.providers.main.address=https://vault:8200", "--set", "config.providers.main.auth.method=kubernetes"]);

        var pod = manifests.Single(m => m["kind"]?.GetValue<string>() == "Deployment")["spec"]!["template"]!["spec"]!;
        Assert.DoesNotContain(pod["volumes"]!.AsArray(), v => v!["name"]!.GetValue<string>() == "vault-jwt");
        Assert.Null(ChartFiles.At(RenderedConfig(manifests), "providers.main.auth.jwtPath"));
    }

    /// <param name="valuesFile">A values sample, or empty for the chart's defaults.</param>
    [PeerTheory("helm")]
    [MemberData(nameof(ValuesFiles))]
    public async Task ChartConfig_TheTestsRendering_MatchesHelms(string valuesFile)
    {
        var values = ChartFiles.Values();
        values["image"]!["repository"] = "registry.example.com/platform/secretsync";
        if (valuesFile.Length > 0)
        {
            ChartTests.Merge(values, (JsonObject)ChartFiles.LoadSingle(Path.Combine(Repository.Root, valuesFile))!);
        }

        values["config"]!["cluster"] = "prod-eu-1";
        var mine = ChartFiles.ParseAll(ChartConfig.Render(values, ReleaseNamespace))[0];

        var helms = RenderedConfig(await TemplateAsync(valuesFile.Length == 0 ? [] : ["-f", valuesFile]));

        Assert.True(JsonNode.DeepEquals(mine, helms), $"ChartConfig.Render:\n{mine}\nhelm template:\n{helms}");
    }

    [PeerFact("helm")]
    public async Task DefaultRender_ShipsNeitherDashboardNorAlerts()
    {
        var manifests = await TemplateAsync([]);

        Assert.DoesNotContain(manifests, m => m["kind"]?.GetValue<string>() == "PrometheusRule");
        Assert.DoesNotContain(manifests, m => m["metadata"]?["labels"]?["grafana_dashboard"] is not null);
    }

    [PeerFact("helm")]
    public async Task HelmLint_Strict_WithTheMonitoringToggles_Passes()
    {
        var result = await Helm.RunAsync(["lint", "--strict", Chart, .. Required, .. MonitoringToggles]);

        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [PeerFact("helm")]
    public async Task MonitoringToggles_RenderADashboardAndAlerts_OnDocumentedMetricsOnly()
    {
        var manifests = await TemplateAsync([.. MonitoringToggles, "--set", "metrics.dashboard.labels.team=platform"]);

        var dashboardMap = manifests.Single(m => m["metadata"]?["labels"]?["grafana_dashboard"]?.GetValue<string>() == "1");
        Assert.Equal("ConfigMap", dashboardMap["kind"]!.GetValue<string>());
        Assert.Equal("platform", dashboardMap["metadata"]!["labels"]!["team"]!.GetValue<string>());
        var dashboard = JsonNode.Parse(dashboardMap["data"]!["secretsync.json"]!.GetValue<string>())!;
        Assert.True(JsonNode.DeepEquals(dashboard, JsonNode.Parse(File.ReadAllText(Path.Combine(ChartFiles.ChartFolder, "dashboards", "secretsync.json")))));
        var panelQueries = dashboard["panels"]!.AsArray().SelectMany(p => p!["targets"]!.AsArray().Select(t => t!["expr"]!.GetValue<string>())).ToList();
        Assert.NotEmpty(panelQueries);

        var rule = manifests.Single(m => m["kind"]?.GetValue<string>() == "PrometheusRule");
        Assert.Equal("monitoring.coreos.com/v1", rule["apiVersion"]!.GetValue<string>());
        var alerts = rule["spec"]!["groups"]!.AsArray().SelectMany(g => g!["rules"]!.AsArray()).Select(r => r!.AsObject()).ToList();
        Assert.Equal(
            ["SecretSyncAuditEventsLost", "SecretSyncAuditSinkFailing", "SecretSyncDeleteGuardHolding", "SecretSyncNoLeader", "SecretSyncProviderDown",
             "SecretSyncRotationNotPropagated", "SecretSyncStale", "SecretSyncWorkloadRestartsFailing"],
            alerts.Select(a => a["alert"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.All(alerts, a => Assert.Contains($"namespace=\"{ReleaseNamespace}\"", a["expr"]!.GetValue<string>(), StringComparison.Ordinal));
        // Helm must leave Prometheus's own template markers for the alert text.
        Assert.Contains("{{ $labels.provider }}", alerts.Single(a => a["alert"]!.GetValue<string>() == "SecretSyncProviderDown")["annotations"]!["description"]!.GetValue<string>(), StringComparison.Ordinal);

        var documented = ReadmeMetrics.Names();
        var used = panelQueries.Concat(alerts.Select(a => a["expr"]!.GetValue<string>())).SelectMany(MetricNames).ToHashSet(StringComparer.Ordinal);
        var undocumented = used.Where(name => !documented.Contains(name) && !documented.Contains(HistogramSeries().Replace(name, "")))
            .Order(StringComparer.Ordinal).ToList();
        Assert.True(undocumented.Count == 0, "the dashboard or alerts query metrics README's table does not list: " + string.Join(", ", undocumented));
        Assert.Contains("secretsync_audit_sink_failures_total", used);
        Assert.Contains("secretsync_provider_up", used);
    }

    private static readonly string[] MonitoringToggles = ["--set", "metrics.dashboard.enabled=true", "--set", "metrics.prometheusRule.enabled=true"];

    private static IEnumerable<string> MetricNames(string promql) => MetricName().Matches(promql).Select(m => m.Value);

    [GeneratedRegex("secretsync_[a-z0-9_]+")]
    private static partial Regex MetricName();

    /// <summary>A histogram's series suffix; its family is the name without it.</summary>
    [GeneratedRegex("_(bucket|sum|count)$")]
    private static partial Regex HistogramSeries();

    private static JsonNode? RenderedConfig(IReadOnlyList<JsonObject> manifests) =>
        ChartFiles.ParseAll(manifests.Single(m => m["kind"]?.GetValue<string>() == "ConfigMap")["data"]!["config.yaml"]!.GetValue<string>())[0];

    /// <summary>The manifests <c>helm template</c> renders with the required values and <paramref name="extra"/>.</summary>
    internal static async Task<IReadOnlyList<JsonObject>> TemplateAsync(IEnumerable<string> extra)
    {
        var result = await Helm.RunAsync(["template", "secretsync", Chart, "-n", ReleaseNamespace, .. Required, .. extra]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return [.. ChartFiles.ParseAll(result.StandardOutput).OfType<JsonObject>()];
    }
}
