using SecretSync.Core.Providers;
using SecretSync.DevStack;
using SecretSync.Providers.Contract;

namespace SecretSync.Providers.Aws.Tests;

/// <summary>Builds provider settings as the configuration layer would hand them over.</summary>
internal static class Settings
{
    public static ProviderSettings Of(params (string Key, string Value)[] values) => Named("aws-main", values);

    public static ProviderSettings Named(string name, params (string Key, string Value)[] values) => TestSettings.Of("aws", name, values);
}

/// <summary>An AWS Secrets Manager emulator and adapters connected to it with explicit keys, cleaned up together.</summary>
internal sealed class AwsTestBed : ProviderTestBed
{
    private AwsTestBed(AwsSecretsManagerEmulator aws, TimeProvider time)
    {
        Aws = aws;
        Time = time;
    }

    public AwsSecretsManagerEmulator Aws { get; }

    public TimeProvider Time { get; }

    public string Endpoint => Aws.BaseAddress.ToString();

    public static async Task<AwsTestBed> StartAsync(AwsSecretsManagerEmulatorOptions? options = null)
    {
        options ??= new AwsSecretsManagerEmulatorOptions();
        return new AwsTestBed(await AwsSecretsManagerEmulator.StartAsync(options), options.Time);
    }

    /// <summary>Settings aimed at the emulator with its keys (the secret key in a temporary file).</summary>
    public ProviderSettings SettingsFor(string name = "aws-main", string? secretKey = null, string? accessKeyId = null, params (string Key, string Value)[] extra)
    {
        var defaults = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["region"] = Aws.Region,
            ["endpoint"] = Endpoint,
            ["timeout"] = "2s",
            ["auth.accessKeyId"] = accessKeyId ?? Aws.AccessKeyId,
            ["auth.secretAccessKeyFile"] = File(secretKey ?? Aws.SecretAccessKey),
        };
        return Merge("aws", name, defaults, extra);
    }

    public AwsSecretsClient Connect(string name = "aws-main", string? secretKey = null, string? accessKeyId = null)
    {
        var provider = new AwsProvider(Time);
        var settings = SettingsFor(name, secretKey, accessKeyId);
        Assert.Empty(provider.Validate(settings).ErrorsOnly());
        return Own((AwsSecretsClient)provider.Connect(settings));
    }

    public int Count(string operation) => Aws.Requests.CountWhere(r => r.Verb == operation);

    protected override ValueTask DisposeEmulatorAsync() => Aws.DisposeAsync();
}
