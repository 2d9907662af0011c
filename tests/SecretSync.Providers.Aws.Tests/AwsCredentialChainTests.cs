using SecretSync.Core.Providers;
using SecretSync.Providers.Contract;

namespace SecretSync.Providers.Aws.Tests;

/// <summary>The default credential chain of AWSSDK.Core, through its environment-variable source (IRSA and profiles use the same chain).</summary>
public sealed class AwsCredentialChainTests
{
    [Fact]
    public async Task WithoutExplicitKeys_TheDefaultChainSignsWithTheEnvironmentsKeys()
    {
        await using var bed = await AwsTestBed.StartAsync();
        bed.Aws.PutSecret("app/db", "{\"k\":\"v\"}");
        string[] names = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_EC2_METADATA_DISABLED", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"];
        var saved = names.ToDictionary(n => n, Environment.GetEnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", bed.Aws.AccessKeyId);
            Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", bed.Aws.SecretAccessKey);
            Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
            Environment.SetEnvironmentVariable("AWS_CONFIG_FILE", "/dev/null");
            Environment.SetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
            var provider = new AwsProvider(TimeProvider.System);
            var settings = Settings.Of(("region", bed.Aws.Region), ("endpoint", bed.Endpoint), ("timeout", "2s"));
            Assert.Empty(provider.Validate(settings).ErrorsOnly());
            await using var source = provider.Connect(settings);

            Assert.IsType<ReadResult.Found>(await source.ReadAsync("app/db", null, default));
        }
        finally
        {
            foreach (var (name, value) in saved)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }
    }
}
