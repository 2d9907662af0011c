using SecretSync.Providers.Contract;

namespace SecretSync.Providers.Azure.Tests;

/// <summary>The hostile-response suite against the Azure adapter, its emulator's answers spoiled by a proxy.</summary>
public sealed class AzureHostileResponseTests : HostileResponseTests
{
    protected override string AddressKey => "vaultUrl";

    protected override async Task<IProviderBackend> StartBackendAsync() => new AzureContractTests.AzureBackend(await AzureTestBed.StartAsync());
}
