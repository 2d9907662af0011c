using SecretSync.Integration.Tests.Cli;
using System.Text.Json.Nodes;
using SecretSync.Testing;

namespace SecretSync.Integration.Tests.Chart;

/// <summary>The chart under the real Helm (v4, from tests/peers): lint, render, and the schema's refusals.</summary>
public sealed class HelmTests
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
