using System.Text.Json;
using SecretSync.Core.Providers;
using SecretSync.DevStack.Hosting;
using SecretSync.Providers.Contract;

namespace SecretSync.Providers.Azure.Tests;

/// <summary>The provider contract suite against the Key Vault emulator over HTTPS, the adapter trusting its CA.</summary>
/// <remarks>Source paths map to secret names with '/' read as '-'; values are JSON objects, as teams store multi-key secrets.</remarks>
public sealed class AzureContractTests : ProviderContractTests
{
    protected override async Task<IProviderBackend> StartBackendAsync() => new AzureBackend(await AzureTestBed.StartAsync());

    internal sealed class AzureBackend(AzureTestBed bed) : IProviderBackend
    {
        public ISecretProvider Provider { get; } = new AzureProvider(TimeProvider.System, null, null, TestSettings.NoEnvironment);

        public ProviderSettings Settings => bed.Settings();

        public ProviderSettings SettingsWithBadCredentials => bed.Settings(("auth.accessTokenFile", bed.File("not-the-emulators-token")));

        public bool SupportsBinary => false;

        public string BinaryKey => "";

        public Task<string> PutAsync(string path, IReadOnlyDictionary<string, string> values) =>
            Task.FromResult(bed.Vault.SetSecret(Name(path), JsonSerializer.Serialize(values)));

        public Task<string> PutBinaryAsync(string path, byte[] value) => throw new NotSupportedException("Key Vault secrets hold text values.");

        public Task RemoveAsync(string path)
        {
            bed.Vault.DeleteSecret(Name(path));
            return Task.CompletedTask;
        }

        public IDisposable Throttle(TimeSpan retryAfter) => bed.Vault.Faults.Add(new FaultRule { StatusCode = 429, RetryAfter = retryAfter });

        public IDisposable Outage() => bed.Vault.Faults.Add(new FaultRule { StatusCode = 500 });

        public ValueTask DisposeAsync() => bed.DisposeAsync();

        private static string Name(string path) => path.Replace('/', '-');
    }
}
