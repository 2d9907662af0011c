using SecretSync.Core.Providers;
using SecretSync.DevStack.Hosting;
using SecretSync.Providers.Contract;

namespace SecretSync.Providers.Gcp.Tests;

/// <summary>TLS to an endpoint with a self-signed CA: the emulator behind a TLS-terminating proxy.</summary>
public sealed class GcpTlsTests
{
    [Fact]
    public async Task AnHttpsEndpoint_IsTrustedThroughTlsCaFile_AndOtherwiseFailsClosed()
    {
        using var tls = TlsMaterial.Generate(TimeProvider.System.GetUtcNow());
        await using var bed = await GcpTestBed.StartAsync();
        bed.Emulator.AddVersion("app-db", "{\"k\":\"v\"}"u8.ToArray());
        await using var proxy = await HostileProxy.StartAsync(bed.Emulator.BaseAddress, tls);
        var endpoint = ("endpoint", proxy.Address.ToString().TrimEnd('/'));

        var trusted = bed.Connect(endpoint, ("tls.caFile", bed.File(tls.CaPem)));
        var untrusted = bed.Connect(endpoint);

        Assert.StartsWith("https://", proxy.Address.ToString(), StringComparison.Ordinal);
        Assert.Equal("v", Expect.Text(Expect.Found(await trusted.ReadAsync("app-db", null, default)), "k"));
        var requests = bed.Emulator.Requests.Count;
        var read = Expect.Failed(await untrusted.ReadAsync("app-db", null, default), FailureKind.Unavailable);
        Expect.Failed((await untrusted.CheckVersionsAsync(["app-db"], default))["app-db"], FailureKind.Unavailable);
        Assert.Contains("TLS", read.Message, StringComparison.Ordinal);
        Assert.Equal(requests, bed.Emulator.Requests.Count);
    }
}
