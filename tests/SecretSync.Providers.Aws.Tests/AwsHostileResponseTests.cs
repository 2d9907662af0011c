using SecretSync.Providers.Contract;

namespace SecretSync.Providers.Aws.Tests;

/// <summary>The hostile-response suite against the Aws adapter, its emulator's answers spoiled by a proxy.</summary>
public sealed class AwsHostileResponseTests : HostileResponseTests
{
    protected override string AddressKey => "endpoint";

    protected override IReadOnlyList<string> AnswerHeaders => ["x-amzn-ErrorType"];

    protected override async Task<IProviderBackend> StartBackendAsync() => new AwsContractTests.AwsBackend(await AwsTestBed.StartAsync());
}
