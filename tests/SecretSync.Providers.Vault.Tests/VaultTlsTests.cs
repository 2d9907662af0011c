using SecretSync.Core.Providers;
using SecretSync.DevStack;
using SecretSync.DevStack.Hosting;
using SecretSync.Providers.Contract;

namespace SecretSync.Providers.Vault.Tests;

public sealed class VaultTlsTests : IAsyncLifetime
{
    private TlsMaterial _tls = null!;
    private TlsMaterial _otherCa = null!;
    private VaultTestBed _bed = null!;

    public async Task InitializeAsync()
    {
        _tls = TlsMaterial.Generate(TimeProvider.System.GetUtcNow());
        _otherCa = TlsMaterial.Generate(TimeProvider.System.GetUtcNow(), "someone-else");
        _bed = await VaultTestBed.StartAsync(new VaultEmulatorOptions { Tls = _tls });
        _bed.Vault.WriteSecret("secret", "app", new Dictionary<string, object?> { ["k"] = "v" });
    }

    public async Task DisposeAsync()
    {
        await _bed.DisposeAsync();
        _tls.Dispose();
        _otherCa.Dispose();
    }

    [Fact]
    public async Task ACustomCa_IsTrusted()
    {
        var client = _bed.Connect(("tls.caFile", _bed.File(_tls.CaPem)));

        Assert.StartsWith("https://", _bed.Address, StringComparison.Ordinal);
        Expect.Found(await client.ReadAsync("app", null, CancellationToken.None));
    }

    [Fact]
    public async Task ACustomCa_AlsoSecuresTheEventSocket()
    {
        var client = _bed.Connect(("tls.caFile", _bed.File(_tls.CaPem)));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var events = client.WatchAsync(cts.Token).GetAsyncEnumerator(cts.Token);

        Assert.True(await events.MoveNextAsync());
        Assert.IsType<SourceEvent.Connected>(events.Current);
    }

    [Fact]
    public async Task WithoutTheCa_TheCertificateIsRefused_AndTheReadFailsClosed()
    {
        var client = _bed.Connect();

        var failure = Expect.Failed(await client.ReadAsync("app", null, CancellationToken.None), FailureKind.Unavailable);

        Assert.Contains("TLS", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnotherCa_IsRefused()
    {
        var client = _bed.Connect(("tls.caFile", _bed.File(_otherCa.CaPem)));

        Expect.Failed(await client.ReadAsync("app", null, CancellationToken.None), FailureKind.Unavailable);
    }

    [Fact]
    public async Task AServerNameTheCertificateDoesNotCarry_IsRefused()
    {
        var client = _bed.Connect(("tls.caFile", _bed.File(_tls.CaPem)), ("tls.serverName", "vault.example.com"));

        Expect.Failed(await client.ReadAsync("app", null, CancellationToken.None), FailureKind.Unavailable);
    }

    [Fact]
    public async Task AServerNameTheCertificateCarries_IsAccepted()
    {
        // The address is 127.0.0.1; the certificate also names localhost.
        var client = _bed.Connect(("tls.caFile", _bed.File(_tls.CaPem)), ("tls.serverName", "localhost"));

        Expect.Found(await client.ReadAsync("app", null, CancellationToken.None));
    }

    [Fact]
    public void AMissingCaFile_FailsClosed_TheClientIsNotEvenCreated()
    {
        var error = Assert.Throws<ArgumentException>(() => _bed.Connect(("tls.caFile", "/nonexistent/ca.pem")));

        Assert.Contains("tls.caFile '/nonexistent/ca.pem' does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InsecureSkipVerify_WhenExplicitlySet_AcceptsAnyCertificate()
    {
        var client = _bed.Connect(("tls.insecureSkipVerify", "true"));

        Expect.Found(await client.ReadAsync("app", null, CancellationToken.None));
    }
}
