using SecretSync.Core.Providers;
using SecretSync.DevStack;
using SecretSync.DevStack.Hosting;
using SecretSync.Providers.Contract;

namespace SecretSync.Providers.Vault.Tests;

/// <summary>The provider contract suite against the Vault emulator.</summary>
public sealed class VaultContractTests : ProviderContractTests
{
    protected override async Task<IProviderBackend> StartBackendAsync() => new VaultBackend(await VaultEmulator.StartAsync());

    internal sealed class VaultBackend(VaultEmulator vault) : IProviderBackend
    {
        public ISecretProvider Provider { get; } = new VaultProvider(TimeProvider.System, null, null, TestSettings.NoEnvironment);

        public ProviderSettings Settings => Tests.Settings.Of(("address", Address), ("timeout", "2s"), ("auth.token", vault.RootToken), ("events", "off"));

        public ProviderSettings SettingsWithBadCredentials => Tests.Settings.Of(("address", Address), ("timeout", "2s"), ("auth.token", "not-a-token"), ("events", "off"));

        public bool SupportsBinary => false;

        public string BinaryKey => "";

        private string Address => vault.BaseAddress.ToString().TrimEnd('/');

        public Task<string> PutAsync(string path, IReadOnlyDictionary<string, string> values) =>
            Task.FromResult(vault.WriteSecret("secret", path, values.ToDictionary(v => v.Key, v => (object?)v.Value)).ToString(System.Globalization.CultureInfo.InvariantCulture));

        public Task<string> PutBinaryAsync(string path, byte[] value) => throw new NotSupportedException("Vault KV holds text values.");

        public Task RemoveAsync(string path)
        {
            vault.DeleteMetadata("secret", path);
            return Task.CompletedTask;
        }

        public IDisposable Throttle(TimeSpan retryAfter) => vault.Faults.Add(new FaultRule { StatusCode = 429, RetryAfter = retryAfter });

        public IDisposable Outage() => vault.Faults.Add(new FaultRule { StatusCode = 500 });

        public ValueTask DisposeAsync() => vault.DisposeAsync();
    }
}
