using SecretSync.Core.Providers;
using SecretSync.DevStack;

namespace SecretSync.Providers.Aws.Tests;

/// <summary>Builds provider settings as the configuration layer would hand them over.</summary>
internal static class Settings
{
    public static ProviderSettings Of(params (string Key, string Value)[] values) => Named("aws-main", values);

    public static ProviderSettings Named(string name, params (string Key, string Value)[] values) =>
        new(name, "aws", values.ToDictionary(v => v.Key, v => new SettingValue(v.Value, new SourceLocation("config.yaml", 3, 5)), StringComparer.Ordinal));
}

/// <summary>An AWS Secrets Manager emulator and adapters connected to it with explicit keys, cleaned up together.</summary>
internal sealed class AwsTestBed : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly List<string> _files = [];

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
        var all = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["region"] = Aws.Region,
            ["endpoint"] = Endpoint,
            ["timeout"] = "2s",
            ["auth.accessKeyId"] = accessKeyId ?? Aws.AccessKeyId,
            ["auth.secretAccessKeyFile"] = File(secretKey ?? Aws.SecretAccessKey),
        };
        foreach (var (key, value) in extra)
        {
            all[key] = value;
        }

        return Settings.Named(name, [.. all.Select(p => (p.Key, p.Value))]);
    }

    public AwsSecretsClient Connect(string name = "aws-main", string? secretKey = null, string? accessKeyId = null)
    {
        var provider = new AwsProvider(Time);
        var settings = SettingsFor(name, secretKey, accessKeyId);
        Assert.Empty(provider.Validate(settings));
        var client = (AwsSecretsClient)provider.Connect(settings);
        _owned.Add(client);
        return client;
    }

    /// <summary>Writes a credential to a temporary file, deleted with the test bed.</summary>
    public string File(string content)
    {
        var path = Path.GetTempFileName();
        System.IO.File.WriteAllText(path, content);
        _files.Add(path);
        return path;
    }

    public int Count(string operation) => Aws.Requests.CountWhere(r => r.Verb == operation);

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            await owned.DisposeAsync();
        }

        await Aws.DisposeAsync();
        foreach (var file in _files)
        {
            System.IO.File.Delete(file);
        }
    }
}
