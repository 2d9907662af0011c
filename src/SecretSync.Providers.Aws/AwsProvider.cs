using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using SecretSync.Core.Providers;
using SecretSync.Providers.Common;

namespace SecretSync.Providers.Aws;

/// <summary>The <c>aws</c> provider type: validates settings and connects AWS Secrets Manager clients.</summary>
internal sealed class AwsProvider(TimeProvider time, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null)
    : SecretProvider<AwsOptions>(TypeName, "AWS", ProviderCapabilities.Write, time, loggerFactory, meterFactory)
{
    /// <summary>The configuration <c>type</c> this provider answers to.</summary>
    public const string TypeName = "aws";

    /// <summary>Connects a client for already-read options.</summary>
    internal AwsSecretsClient Connect(string name, AwsOptions options) => new(name, options, Time, LoggerFactory, Metrics);

    protected override AwsOptions? Read(ProviderSettings settings, List<SettingError> errors) => AwsOptionsReader.Read(settings, errors);

    protected override ISecretSource Open(string name, AwsOptions options) => Connect(name, options);
}
