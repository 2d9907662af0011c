using SecretSync.Core.Providers;
using SecretSync.DevStack;
using SecretSync.Providers.Vault;

namespace SecretSync.Cli.Dev;

/// <summary>Aims the configuration's Vault providers at the embedded Vault emulator, with credentials it accepts.</summary>
/// <remarks>
/// A provider without an <c>address</c>, or with one under a reserved example domain (RFC 2606: <c>.example</c>,
/// <c>.test</c>, <c>.invalid</c>, as in the samples), is served by the emulator; its <c>tls</c> settings are dropped
/// (the emulator speaks plain HTTP). Token auth without a token gets the root token; Kubernetes auth gets its role
/// registered at the emulator and a service-account JWT the emulator signed, in <c>vault-jwt</c> in the state dir.
/// Any other address is left alone, so <c>dev</c> can also run against a real Vault.
/// </remarks>
internal sealed class VaultAim
{
    private const string ServiceAccount = "secretsync";
    private const string ServiceAccountNamespace = "secretsync";
    private const string Policy = "secretsync-dev";
    private static readonly string[] ReservedDomains = [".example", ".test", ".invalid"];
    private static readonly string[] Credentials = [VaultSettingKeys.AuthToken, VaultSettingKeys.AuthTokenFile, VaultSettingKeys.Token, VaultSettingKeys.TokenFile];

    private readonly VaultEmulator _vault;
    private readonly string _jwtFile;

    public VaultAim(VaultEmulator vault, DevStateDir stateDir)
    {
        _vault = vault;
        Address = vault.BaseAddress.ToString().TrimEnd('/');
        _jwtFile = stateDir.Write("vault-jwt", vault.IssueServiceAccountJwt(ServiceAccount, ServiceAccountNamespace));
    }

    /// <summary>The emulator's address, without a trailing slash, as <c>VAULT_ADDR</c> takes it.</summary>
    public string Address { get; }

    /// <summary>The settings aimed at the emulator when they name no real Vault, else unchanged.</summary>
    public ProviderSettings Aim(ProviderSettings settings)
    {
        if (settings.Type != "vault" || (settings.Get(VaultSettingKeys.Address) is { } address && !IsPlaceholder(address)))
        {
            return settings;
        }

        var set = new Dictionary<string, string>(StringComparer.Ordinal) { [VaultSettingKeys.Address] = Address };
        switch (settings.Get(VaultSettingKeys.AuthMethod, "token"))
        {
            case "token" when !Credentials.Any(key => settings.Get(key) is not null):
                set[VaultSettingKeys.AuthToken] = _vault.RootToken;
                break;
            case "kubernetes":
                var mount = settings.Get(VaultSettingKeys.Mount, "secret");
                _vault.SetPolicy(
                    Policy,
                    ($"{mount}/data/", ["read", "list", "subscribe"]),
                    ($"{mount}/metadata/", ["read", "list"]),
                    ("sys/events/subscribe/", ["read"]));
                _vault.AddKubernetesRole(settings.Get(VaultSettingKeys.AuthRole, "secretsync"), ServiceAccount, ServiceAccountNamespace, [Policy], TimeSpan.FromHours(1));
                set[VaultSettingKeys.AuthJwtPath] = _jwtFile;
                break;
        }

        return CloudEmulators.Rebuild(settings, ["tls."], set);
    }

    private static bool IsPlaceholder(string address) =>
        Uri.TryCreate(address, UriKind.Absolute, out var uri)
        && ReservedDomains.Any(domain => uri.Host.EndsWith(domain, StringComparison.OrdinalIgnoreCase));
}
