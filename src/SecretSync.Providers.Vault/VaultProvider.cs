using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SecretSync.Core.Providers;
using SecretSync.Providers.Common;

namespace SecretSync.Providers.Vault;

/// <summary>The <c>vault</c> provider type: validates settings and connects KV version 2 clients.</summary>
internal sealed class VaultProvider : ISecretProvider
{
    /// <summary>The configuration <c>type</c> this provider answers to.</summary>
    public const string TypeName = "vault";

    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ProviderMetrics _metrics;
    private readonly Func<string, string?> _environment;

    public VaultProvider(TimeProvider time, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null)
        : this(time, loggerFactory, meterFactory, Environment.GetEnvironmentVariable)
    {
    }

    /// <summary>Creates the provider with a stand-in for the process environment (<c>VAULT_TOKEN</c>), for tests.</summary>
    internal VaultProvider(TimeProvider time, ILoggerFactory? loggerFactory, IMeterFactory? meterFactory, Func<string, string?> environment)
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
    public ProviderCapabilities Capabilities => ProviderCapabilities.Watch | ProviderCapabilities.Write;

    /// <inheritdoc />
    public IReadOnlyList<SettingError> Validate(ProviderSettings settings)
    {
        var errors = new List<SettingError>();
        VaultOptionsReader.Read(settings, _environment, errors);
        return errors;
    }

    /// <inheritdoc />
    public ISecretSource Connect(ProviderSettings settings)
    {
        var errors = new List<SettingError>();
        var options = VaultOptionsReader.Read(settings, _environment, errors)
            ?? throw new ArgumentException(
                $"Vault provider '{settings.Name}' has invalid settings: {string.Join(" ", errors.Select(e => e.Message))}", nameof(settings));
        return Connect(settings.Name, options);
    }

    /// <summary>Connects a client for already-read options.</summary>
    internal VaultClient Connect(string name, VaultOptions options) =>
        new(name, options, _time, _loggerFactory, _metrics, _environment);
}
