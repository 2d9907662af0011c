using System.Diagnostics.Metrics;
using Google.Apis.Auth.OAuth2;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SecretSync.Core.Providers;
using SecretSync.Providers.Common;

namespace SecretSync.Providers.Gcp;

/// <summary>The <c>gcp</c> provider type: validates settings and connects Secret Manager REST v1 clients.</summary>
internal sealed class GcpProvider : ISecretProvider
{
    /// <summary>The configuration <c>type</c> this provider answers to.</summary>
    public const string TypeName = "gcp";

    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ProviderMetrics _metrics;
    private readonly Func<CancellationToken, Task<GoogleCredential>>? _defaultCredentials;

    public GcpProvider(TimeProvider time, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null)
        : this(time, loggerFactory, meterFactory, null)
    {
    }

    /// <summary>Creates the provider with a stand-in for application default credentials, for tests.</summary>
    internal GcpProvider(TimeProvider time, ILoggerFactory? loggerFactory, IMeterFactory? meterFactory, Func<CancellationToken, Task<GoogleCredential>>? defaultCredentials)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _metrics = new ProviderMetrics(meterFactory);
        _defaultCredentials = defaultCredentials;
    }

    /// <inheritdoc />
    public string Type => TypeName;

    /// <inheritdoc />
    public ProviderCapabilities Capabilities => ProviderCapabilities.Write;

    /// <inheritdoc />
    public IReadOnlyList<SettingError> Validate(ProviderSettings settings)
    {
        var errors = new List<SettingError>();
        GcpOptionsReader.Read(settings, errors);
        return errors;
    }

    /// <inheritdoc />
    public ISecretSource Connect(ProviderSettings settings)
    {
        var errors = new List<SettingError>();
        var options = GcpOptionsReader.Read(settings, errors)
            ?? throw new ArgumentException(
                $"GCP provider '{settings.Name}' has invalid settings: {string.Join(" ", errors.Select(e => e.Message))}", nameof(settings));
        return Connect(settings.Name, options);
    }

    /// <summary>Connects a client for already-read options.</summary>
    internal GcpClient Connect(string name, GcpOptions options) =>
        new(name, options, GcpTokens.Create(options, _defaultCredentials), _time, _loggerFactory, _metrics);
}
