using SecretSync.Testing;

namespace SecretSync.Integration.Tests.Cli;

/// <summary>Every configuration the project ships passes <c>secretsync validate</c> on a machine with nothing set up: offline, no
/// provider variables, none of the in-pod files; what only the runtime can supply is a warning, an error under <c>--strict</c>.</summary>
public sealed class ShippedConfigsTests
{
    public static TheoryData<string> ShippedConfigs() => [.. ConfigFiles()];

    [Fact]
    public void TheSamples_IncludeEveryProviderAndTheTourConfig() =>
        Assert.Superset(
            new HashSet<string>(["samples/aws.yaml", "samples/azure.yaml", "samples/dev/config.yaml", "samples/gcp.yaml", "samples/vault.yaml"]),
            ConfigFiles().ToHashSet());

    [Theory]
    [MemberData(nameof(ShippedConfigs))]
    public async Task ShippedConfig_Validates_WithAnEmptyEnvironment(string file)
    {
        var result = await ValidateAsync(file);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"{Path.Combine(Repository.Root, file)} is valid", result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("error", result.StandardError, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Strict_TurnsWhatOnlyTheRuntimeSupplies_IntoErrors()
    {
        var relaxed = await ValidateAsync("samples/azure.yaml");
        var strict = await ValidateAsync("samples/azure.yaml", "--strict");

        Assert.Equal(0, relaxed.ExitCode);
        Assert.Contains("warning: providers.azure-main.auth.clientId", relaxed.StandardError, StringComparison.Ordinal);
        Assert.Equal(1, strict.ExitCode);
        Assert.Contains("AZURE_CLIENT_ID", strict.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("is valid", strict.StandardOutput, StringComparison.Ordinal);
    }

    /// <summary>The YAML files under samples/ that are daemon configurations (they have a top-level <c>providers:</c>).</summary>
    private static IEnumerable<string> ConfigFiles() =>
        Directory.EnumerateFiles(Path.Combine(Repository.Root, "samples"), "*.yaml", SearchOption.AllDirectories)
            .Where(file => File.ReadLines(file).Any(l => l.StartsWith("providers:", StringComparison.Ordinal)))
            .Select(file => Path.GetRelativePath(Repository.Root, file))
            .Order(StringComparer.Ordinal);

    private static Task<ToolResult> ValidateAsync(string file, params string[] extra) =>
        ValidateCommand.RunAsync(Path.Combine(Repository.Root, file), extra);
}
