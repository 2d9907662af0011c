using System.Diagnostics.Metrics;
using Azure.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SecretSync.Core.Providers;
using SecretSync.Providers.Common;

namespace SecretSync.Providers.Azure;

/// <summary>The <c>azure</c> provider type: validates settings and connects Key Vault clients.</summary>
internal sealed class AzureProvider : ISecretProvider
{
    /// <summary>The configuration <c>type</c> this provider answers to.</summary>
    public const string TypeName = "azure";

    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ProviderMetrics _metrics;
    private readonly Func<string, string?> _environment;

    public AzureProvider(TimeProvider time, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null)
        : this(time, loggerFactory, meterFactory, Environment.GetEnvironmentVariable)
    {
    }

    /// <summary>Creates the provider with a stand-in for the process environment (<c>AZURE_*</c>), for tests.</summary>
    internal AzureProvider(TimeProvider time, ILoggerFactory? loggerFactory, IMeterFactory? meterFactory, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _metrics = new ProviderMetrics(meterFactory);
        _environment = environment;
    }

    /// <inheritdoc />
    public string Type => TypeName;

    /// <inheritdoc />
    public ProviderCapabilities Capabilities => ProviderCapabilities.Write;

    /// <inheritdoc />
    public IReadOnlyList<SettingError> Validate(ProviderSettings settings)
    {
        var errors = new List<SettingError>();
        AzureOptionsReader.Read(settings, _environment, errors);
        return errors;
    }

    /// <inheritdoc />
    public ISecretSource Connect(ProviderSettings settings)
    {
        var errors = new List<SettingError>();
        var options = AzureOptionsReader.Read(settings, _environment, errors)
            ?? throw new ArgumentException(
                $"Azure provider '{settings.Name}' has invalid settings: {string.Join(" ", errors.Select(e => e.Message))}", nameof(settings));
        return Connect(settings.Name, options);
    }

    /// <summary>Connects a client for already-read options, optionally with a given credential (tests).</summary>
    internal AzureClient Connect(string name, AzureOptions options, TokenCredential? credential = null) =>
        new(name, options, credential ?? AzureCredentials.Create(options, _environment, _time), _time, _loggerFactory, _metrics);
}
