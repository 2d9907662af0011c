using SecretSync.Core.Providers;
using SecretSync.DevStack.Hosting;
using SecretSync.Providers.Contract;

namespace SecretSync.Providers.Azure.Tests;

public sealed class AzureTlsTests : IAsyncLifetime
{
    private AzureTestBed _bed = null!;
    private TlsMaterial _otherCa = null!;

    public async Task InitializeAsync()
    {
        _bed = await AzureTestBed.StartAsync();
        _bed.Vault.SetSecret("db", "p1");
        _otherCa = TlsMaterial.Generate(TimeProvider.System.GetUtcNow(), "someone-else");
    }

    public async Task DisposeAsync()
    {
        await _bed.DisposeAsync();
        _otherCa.Dispose();
    }

    [Fact]
    public async Task TheEmulatorsCa_IsTrusted()
    {
        Assert.StartsWith("https://", _bed.VaultUrl, StringComparison.Ordinal);

        Expect.Found(await _bed.Connect().ReadAsync("db", null, default));
    }

    [Fact]
    public async Task WithoutTheCa_TheCertificateIsRefused_AndEveryCallFailsClosed()
    {
        var client = _bed.Connect(("tls.caFile", ""));

        var read = Expect.Failed(await client.ReadAsync("db", null, default), FailureKind.Unavailable);
        Expect.Failed((await client.CheckVersionsAsync(["db"], default))["db"], FailureKind.Unavailable);

        Assert.Contains("TLS", read.Message, StringComparison.Ordinal);
        Assert.Equal(0, _bed.Vault.Requests.Count);
    }

    [Fact]
    public async Task AnotherCa_IsRefused_AndNotRetried()
    {
        var client = _bed.Connect(("tls.caFile", _bed.File(_otherCa.CaPem)));

        Expect.Failed(await client.ReadAsync("db", null, default), FailureKind.Unavailable);
    }

    [Fact]
    public async Task AMissingCaFile_FailsClosed()
    {
        var client = _bed.Connect(("tls.caFile", "/nonexistent/ca.pem"));

        Expect.Failed(await client.ReadAsync("db", null, default), FailureKind.Unavailable);
    }

    [Fact]
    public async Task AHostTheCertificateDoesNotName_IsRefused()
    {
        // The certificate names localhost and 127.0.0.1 only.
        var client = _bed.Connect(("vaultUrl", $"https://127.0.0.2:{_bed.Vault.BaseAddress.Port}"));

        Expect.Failed(await client.ReadAsync("db", null, default), FailureKind.Unavailable);
    }
}
