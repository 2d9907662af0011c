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

            var result = await ChartTests.ValidateAsync(file);

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

        var config = ChartFiles.ParseAll(manifests.Single(m => m["kind"]?.GetValue<string>() == "ConfigMap")["data"]!["config.yaml"]!.GetValue<string>())[0];
        Assert.Equal("https://vault:8200", ChartFiles.At(config, "providers.main.address")?.GetValue<string>());
        Assert.Equal("kubernetes", ChartFiles.At(config, "providers.main.auth.method")?.GetValue<string>());
    }

    /// <summary>The manifests <c>helm template</c> renders with the required values and <paramref name="extra"/>.</summary>
    internal static async Task<IReadOnlyList<JsonObject>> TemplateAsync(IEnumerable<string> extra)
    {
        var result = await Helm.RunAsync(["template", "secretsync", Chart, "-n", ReleaseNamespace, .. Required, .. extra]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return [.. ChartFiles.ParseAll(result.StandardOutput).OfType<JsonObject>()];
    }
}
