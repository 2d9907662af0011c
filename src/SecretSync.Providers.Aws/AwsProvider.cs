using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SecretSync.Core.Providers;
using SecretSync.Providers.Common;

namespace SecretSync.Providers.Aws;

/// <summary>The <c>aws</c> provider type: validates settings and connects AWS Secrets Manager clients.</summary>
internal sealed class AwsProvider : ISecretProvider
{
    /// <summary>The configuration <c>type</c> this provider answers to.</summary>
    public const string TypeName = "aws";

    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ProviderMetrics _metrics;

    public AwsProvider(TimeProvider time, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _metrics = new ProviderMetrics(meterFactory);
    }

    /// <inheritdoc />
    public string Type => TypeName;

    /// <inheritdoc />
    public ProviderCapabilities Capabilities => ProviderCapabilities.Write;

    /// <inheritdoc />
    public IReadOnlyList<SettingError> Validate(ProviderSettings settings)
    {
        var errors = new List<SettingError>();
        AwsOptionsReader.Read(settings, errors);
        return errors;
    }

    /// <inheritdoc />
    public ISecretSource Connect(ProviderSettings settings)
    {
        var errors = new List<SettingError>();
        var options = AwsOptionsReader.Read(settings, errors)
            ?? throw new ArgumentException(
                $"AWS provider '{settings.Name}' has invalid settings: {string.Join(" ", errors.Select(e => e.Message))}", nameof(settings));
        return Connect(settings.Name, options);
    }

    /// <summary>Connects a client for already-read options.</summary>
    internal AwsSecretsClient Connect(string name, AwsOptions options) => new(name, options, _time, _loggerFactory, _metrics);
}
