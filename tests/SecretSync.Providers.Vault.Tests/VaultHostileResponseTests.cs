using SecretSync.DevStack;
using SecretSync.Providers.Contract;

namespace SecretSync.Providers.Vault.Tests;

/// <summary>The hostile-response suite against the Vault adapter, its emulator's answers spoiled by a proxy.</summary>
public sealed class VaultHostileResponseTests : HostileResponseTests
{
    protected override string AddressKey => "address";

    protected override async Task<IProviderBackend> StartBackendAsync() => new VaultContractTests.VaultBackend(await VaultEmulator.StartAsync());

    // Token look-ups and renewals are answered faithfully; the KV answers are the ones spoiled.
    protected override bool IsDataRequest(string method, string path) => path.Contains("/data/", StringComparison.Ordinal) || path.Contains("/metadata/", StringComparison.Ordinal);
}
