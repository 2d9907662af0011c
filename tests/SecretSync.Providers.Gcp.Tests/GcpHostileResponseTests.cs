using SecretSync.DevStack;
using SecretSync.Providers.Contract;

namespace SecretSync.Providers.Gcp.Tests;

/// <summary>The hostile-response suite against the Gcp adapter, its emulator's answers spoiled by a proxy.</summary>
public sealed class GcpHostileResponseTests : HostileResponseTests
{
    protected override string AddressKey => "endpoint";

    protected override async Task<IProviderBackend> StartBackendAsync() => new GcpContractTests.GcpBackend(await GcpSecretManagerEmulator.StartAsync());
}
