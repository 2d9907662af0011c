using System.Security.Cryptography;
using SecretSync.Core.Configuration;
using SecretSync.Core.Providers;
using SecretSync.DevStack;
using SecretSync.Providers.Aws;
using SecretSync.Providers.Azure;
using SecretSync.Providers.Gcp;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SecretSync.Cli.Dev;

/// <summary>The cloud emulators <c>secretsync dev</c> starts for the provider types its configuration uses.</summary>
/// <remarks>
/// An <c>aws</c> or <c>gcp</c> provider without an <c>endpoint</c>, and every <c>azure</c> provider (whose
/// <c>vaultUrl</c> names the vault itself), are aimed at an embedded emulator; each source a bundle maps is seeded
/// with placeholder values for the keys the mapping names, so the sample configurations sync as they are.
/// </remarks>
internal sealed class CloudEmulators : IAsyncDisposable
{
    private readonly DevStateDir _stateDir;
    private AwsSecretsManagerEmulator? _aws;
    private GcpSecretManagerEmulator? _gcp;
    private AzureKeyVaultEmulator? _azure;

    private CloudEmulators(DevStateDir stateDir) => _stateDir = stateDir;

    /// <summary>One line per running emulator, for the banner.</summary>
    public IEnumerable<(string Name, string Address)> Running =>
        new (string, Uri?)[] { ("AWS Secrets Manager", _aws?.BaseAddress), ("GCP Secret Manager", _gcp?.BaseAddress), ("Azure Key Vault", _azure?.BaseAddress) }
            .Where(e => e.Item2 is not null).Select(e => (e.Item1, e.Item2!.ToString()));

    /// <summary>The providers a configuration text declares, read leniently before it is validated.</summary>
    public static IReadOnlyList<(string Type, bool HasEndpoint, string? Region, string? Project)> ProvidersIn(string yamlText)
    {
        var yaml = new YamlStream();
        try
        {
            yaml.Load(new StringReader(yamlText));
        }
        catch (YamlException)
        {
            return []; // validation reports the syntax error with its line
        }

        if (yaml.Documents.FirstOrDefault()?.RootNode is not YamlMappingNode root
            || !root.Children.TryGetValue(new YamlScalarNode("providers"), out var node) || node is not YamlMappingNode providers)
        {
            return [];
        }

        return [.. providers.Children.Values.OfType<YamlMappingNode>().Select(p => (
            Scalar(p, "type") ?? "", Scalar(p, "endpoint") is not null, Scalar(p, "region"), Scalar(p, "project")))];

        static string? Scalar(YamlMappingNode node, string key) =>
            node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode scalar ? scalar.Value : null;
    }

    /// <summary>Starts the emulators the given provider types need.</summary>
    public static async Task<CloudEmulators> StartAsync(IReadOnlyCollection<(string Type, bool HasEndpoint, string? Region, string? Project)> providers, DevStateDir stateDir, CancellationToken cancellationToken)
    {
        var emulators = new CloudEmulators(stateDir);
        if (providers.FirstOrDefault(p => p.Type == "aws" && !p.HasEndpoint) is { Type: not null } aws)
        {
            emulators._aws = await AwsSecretsManagerEmulator.StartAsync(new AwsSecretsManagerEmulatorOptions { Region = aws.Region ?? "us-east-1" }, cancellationToken);
            stateDir.Write("aws-secret-access-key", emulators._aws.SecretAccessKey);
        }

        if (providers.FirstOrDefault(p => p.Type == "gcp" && !p.HasEndpoint) is { Type: not null } gcp)
        {
            emulators._gcp = await GcpSecretManagerEmulator.StartAsync(new GcpSecretManagerEmulatorOptions { Project = gcp.Project ?? "demo-project" }, cancellationToken);
        }

        if (providers.Any(p => p.Type == "azure"))
        {
            emulators._azure = await AzureKeyVaultEmulator.StartAsync(cancellationToken: cancellationToken);
            emulators._azure.Tls.WriteCaPem(emulators.StateFile("azure-ca.pem"));
            DevStateDir.Protect(emulators.StateFile("azure-ca.pem"));
            stateDir.Write("azure-token", emulators._azure.AccessToken);
        }

        return emulators;
    }

    /// <summary>Aims a provider's settings at its emulator, when one serves it.</summary>
    public ProviderSettings Aim(ProviderSettings settings) => settings.Type switch
    {
        "aws" when _aws is not null && settings.Get(AwsSettingKeys.Endpoint) is null => Rebuild(settings, ["auth."], new()
        {
            [AwsSettingKeys.Endpoint] = _aws.BaseAddress.ToString(),
            [AwsSettingKeys.Region] = _aws.Region,
            [AwsSettingKeys.AuthAccessKeyId] = _aws.AccessKeyId,
            [AwsSettingKeys.AuthSecretAccessKeyFile] = StateFile("aws-secret-access-key"),
        }),
        "gcp" when _gcp is not null && settings.Get(GcpSettingKeys.Endpoint) is null => Rebuild(settings, ["auth."], new()
        {
            [GcpSettingKeys.Endpoint] = _gcp.BaseAddress.ToString(),
            [GcpSettingKeys.AuthMethod] = "accessToken",
            [GcpSettingKeys.AuthAccessToken] = _gcp.AccessToken,
        }),
        "azure" when _azure is not null => Rebuild(settings, ["auth.", "tls."], new()
        {
            [AzureSettingKeys.VaultUrl] = _azure.BaseAddress.ToString().TrimEnd('/'),
            [AzureSettingKeys.AuthMethod] = "accessToken",
            [AzureSettingKeys.AuthAccessTokenFile] = StateFile("azure-token"),
            [AzureSettingKeys.TlsCaFile] = StateFile("azure-ca.pem"),
            [AzureSettingKeys.DisableChallengeResourceVerification] = "true",
        }),
        _ => settings,
    };

    /// <summary>Seeds every source the bundles of emulated providers map, unless the emulator already has it.</summary>
    public void Seed(SyncConfig config)
    {
        foreach (var bundle in config.Bundles.Values)
        {
            var type = config.Providers.TryGetValue(bundle.Provider, out var provider) ? provider.Type : null;
            foreach (var mapping in bundle.Secrets)
            {
                var values = PlaceholderValues(mapping);
                switch (type)
                {
                    case "aws" when _aws is not null:
                        _aws.PutSecret(mapping.Source, System.Text.Json.JsonSerializer.Serialize(values));
                        break;
                    case "gcp" when _gcp is not null:
                        _gcp.AddJsonVersion(mapping.Source.Replace('/', '-'), values);
                        break;
                    case "azure" when _azure is not null:
                        _azure.SetSecret(mapping.Source.Replace('/', '-'), System.Text.Json.JsonSerializer.Serialize(values));
                        break;
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var emulator in new IAsyncDisposable?[] { _aws, _gcp, _azure })
        {
            if (emulator is not null)
            {
                await emulator.DisposeAsync();
            }
        }
    }

    /// <summary>Dev-only values for the keys a mapping reads (its renames, or the TLS pair), else a single <c>value</c>.</summary>
    private static Dictionary<string, string> PlaceholderValues(SecretMapping mapping)
    {
        IEnumerable<string> keys = mapping.KeyRenames.Count > 0 ? mapping.KeyRenames.Keys
            : mapping.Type == "kubernetes.io/tls" ? ["tls.crt", "tls.key"]
            : ["value"];
        return keys.ToDictionary(k => k, _ => "dev-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)), StringComparer.Ordinal);
    }

    /// <summary>The settings without the keys under <paramref name="dropPrefixes"/>, with <paramref name="set"/> applied.</summary>
    internal static ProviderSettings Rebuild(ProviderSettings settings, string[] dropPrefixes, Dictionary<string, string> set)
    {
        var values = settings.Keys
            .Where(key => !dropPrefixes.Any(prefix => key.StartsWith(prefix, StringComparison.Ordinal)) && !set.ContainsKey(key))
            .ToDictionary(key => key, key => new SettingValue(settings.Get(key)!, settings.LocationOf(key)), StringComparer.Ordinal);
        foreach (var (key, value) in set)
        {
            values[key] = new SettingValue(value, null);
        }

        return new ProviderSettings(settings.Name, settings.Type, values, settings.Location);
    }

    private string StateFile(string name) => _stateDir.PathOf(name);
}
