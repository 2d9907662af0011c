using System.Text.Json;
using SecretSync.Core.Providers;
using SecretSync.DevStack;
using SecretSync.DevStack.Hosting;
using SecretSync.Providers.Contract;

namespace SecretSync.Providers.Aws.Tests;

/// <summary>The provider contract suite against the AWS Secrets Manager emulator.</summary>
public sealed class AwsContractTests : ProviderContractTests
{
    // The suite's large-value scenario writes 400 KB; AWS caps a secret at 64 KiB, so this emulator is opened up for it.
    protected override async Task<IProviderBackend> StartBackendAsync() =>
        new AwsBackend(await AwsTestBed.StartAsync(new AwsSecretsManagerEmulatorOptions { MaxSecretBytes = 1024 * 1024 }));

    internal sealed class AwsBackend(AwsTestBed bed) : IProviderBackend
    {
        public ISecretProvider Provider { get; } = new AwsProvider(TimeProvider.System);

        public ProviderSettings Settings { get; } = bed.SettingsFor();

        public ProviderSettings SettingsWithBadCredentials { get; } = bed.SettingsFor(secretKey: "not-the-secret-key");

        public bool SupportsBinary => true;

        public string BinaryKey => "value";

        public Task<string> PutAsync(string path, IReadOnlyDictionary<string, string> values) =>
            Task.FromResult(bed.Aws.PutSecret(path, JsonSerializer.Serialize(values)));

        public Task<string> PutBinaryAsync(string path, byte[] value) => Task.FromResult(bed.Aws.PutSecretBinary(path, value));

        public Task RemoveAsync(string path)
        {
            bed.Aws.DeleteSecret(path, recoveryWindowInDays: 7);
            return Task.CompletedTask;
        }

        public IDisposable Throttle(TimeSpan retryAfter) => bed.Aws.Faults.Add(new FaultRule { StatusCode = 429, RetryAfter = retryAfter });

        public IDisposable Outage() => bed.Aws.Faults.Add(new FaultRule { StatusCode = 500 });

        public ValueTask DisposeAsync() => bed.DisposeAsync();
    }
}
