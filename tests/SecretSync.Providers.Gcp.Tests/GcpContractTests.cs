using SecretSync.Core.Providers;
using SecretSync.DevStack;
using SecretSync.DevStack.Hosting;
using SecretSync.Providers.Contract;

namespace SecretSync.Providers.Gcp.Tests;

/// <summary>The provider contract suite against the Secret Manager emulator.</summary>
public sealed class GcpContractTests : ProviderContractTests
{
    // The suite's large value is 400 KB; Secret Manager caps a version at 64 KiB (gcp-secret-manager.md §5), so only
    // this emulator instance is let past the cap. The limit itself is tested in GcpWriteTests and the emulator tests.
    protected override async Task<IProviderBackend> StartBackendAsync() =>
        new GcpBackend(await GcpSecretManagerEmulator.StartAsync(new GcpSecretManagerEmulatorOptions { MaxPayloadBytes = 1024 * 1024 }));

    internal sealed class GcpBackend(GcpSecretManagerEmulator gcp) : IProviderBackend
    {
        private readonly string _tokenFile = WriteTemp(gcp.AccessToken);
        private readonly string _badTokenFile = WriteTemp("ya29.not-a-token");

        public ISecretProvider Provider { get; } = new GcpProvider(TimeProvider.System);

        public ProviderSettings Settings => Tests.Settings.Of(("project", gcp.Project), ("endpoint", Endpoint), ("timeout", "2s"), ("auth.accessTokenFile", _tokenFile));

        public ProviderSettings SettingsWithBadCredentials =>
            Tests.Settings.Of(("project", gcp.Project), ("endpoint", Endpoint), ("timeout", "2s"), ("auth.accessTokenFile", _badTokenFile));

        public bool SupportsBinary => true;

        public string BinaryKey => GcpOptions.DefaultValueKey;

        private string Endpoint => gcp.BaseAddress.ToString().TrimEnd('/');

        public Task<string> PutAsync(string path, IReadOnlyDictionary<string, string> values) =>
            Task.FromResult(gcp.AddJsonVersion(SecretId(path), values).ToString(System.Globalization.CultureInfo.InvariantCulture));

        public Task<string> PutBinaryAsync(string path, byte[] value) =>
            Task.FromResult(gcp.AddVersion(SecretId(path), value).ToString(System.Globalization.CultureInfo.InvariantCulture));

        public Task RemoveAsync(string path)
        {
            gcp.DeleteSecret(SecretId(path));
            return Task.CompletedTask;
        }

        public IDisposable Throttle(TimeSpan retryAfter) => gcp.Faults.Add(new FaultRule { StatusCode = 429, RetryAfter = retryAfter });

        public IDisposable Outage() => gcp.Faults.Add(new FaultRule { StatusCode = 503 });

        public async ValueTask DisposeAsync()
        {
            await gcp.DisposeAsync();
            File.Delete(_tokenFile);
            File.Delete(_badTokenFile);
        }

        // The adapter's documented mapping: a folder-style source path names the secret whose id has '-' for '/'.
        private static string SecretId(string path) => path.Replace('/', '-');

        private static string WriteTemp(string content)
        {
            var path = Path.GetTempFileName();
            File.WriteAllText(path, content);
            return path;
        }
    }
}
