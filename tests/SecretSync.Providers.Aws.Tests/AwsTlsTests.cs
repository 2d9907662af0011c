using SecretSync.Core.Providers;
using SecretSync.DevStack;
using SecretSync.DevStack.Hosting;
using SecretSync.Providers.Contract;

namespace SecretSync.Providers.Aws.Tests;

public sealed class AwsTlsTests
{
    [Fact]
    public async Task AnHttpsEndpoint_IsTrustedThroughTlsCaFile_AndOtherwiseUnavailable()
    {
        using var tls = TlsMaterial.Generate(TimeProvider.System.GetUtcNow());
        await using var bed = await AwsTestBed.StartAsync(new AwsSecretsManagerEmulatorOptions { Tls = tls });
        bed.Aws.PutSecret("app/db", "{\"k\":\"v\"}");
        var provider = new AwsProvider(TimeProvider.System);
        var trusted = bed.SettingsFor("trusted", extra: ("tls.caFile", bed.File(tls.CaPem)));
        var untrusted = bed.SettingsFor("untrusted");
        Assert.StartsWith("https://", bed.Endpoint, StringComparison.Ordinal);
        Assert.Empty(provider.Validate(trusted).ErrorsOnly());

        await using var good = provider.Connect(trusted);
        await using var bad = provider.Connect(untrusted);

        Assert.IsType<ReadResult.Found>(await good.ReadAsync("app/db", null, default));
        var failed = Assert.IsType<ReadResult.Failed>(await bad.ReadAsync("app/db", null, default));
        Assert.Equal(FailureKind.Unavailable, failed.Failure.Kind);
        Assert.Contains("tls.caFile", failed.Failure.Message, StringComparison.Ordinal);
    }
}
