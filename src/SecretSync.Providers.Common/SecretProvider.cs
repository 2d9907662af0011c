using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SecretSync.Core.Providers;

namespace SecretSync.Providers.Common;

/// <summary>A provider type: reads settings into options, reports their errors, and connects a source for valid ones.</summary>
/// <typeparam name="TOptions">The adapter's validated options.</typeparam>
public abstract class SecretProvider<TOptions> : ISecretProvider
    where TOptions : class
{
    private readonly string _title;

    /// <summary>Creates the provider type.</summary>
    /// <param name="type">The configuration <c>type</c> it answers to.</param>
    /// <param name="title">Its name in messages, e.g. <c>Vault</c>.</param>
    /// <param name="capabilities">What its sources support beyond reads.</param>
    /// <param name="time">The clock its clients use.</param>
    /// <param name="loggerFactory">The loggers' factory; none by default.</param>
    /// <param name="meterFactory">The meters' factory; the global meter by default.</param>
    protected SecretProvider(string type, string title, ProviderCapabilities capabilities, TimeProvider time, ILoggerFactory? loggerFactory, IMeterFactory? meterFactory)
    {
        ArgumentNullException.ThrowIfNull(time);
        Type = type;
        _title = title;
        Capabilities = capabilities;
        Time = time;
        LoggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        Metrics = new ProviderMetrics(meterFactory);
    }

    /// <inheritdoc />
    public string Type { get; }

    /// <inheritdoc />
    public ProviderCapabilities Capabilities { get; }

    /// <summary>The clock its clients use.</summary>
    protected TimeProvider Time { get; }

    /// <summary>The loggers' factory.</summary>
    protected ILoggerFactory LoggerFactory { get; }

    /// <summary>The metrics its clients record.</summary>
    protected ProviderMetrics Metrics { get; }

    /// <inheritdoc />
    public IReadOnlyList<SettingError> Validate(ProviderSettings settings)
    {
        var errors = new List<SettingError>();
        Read(settings, errors);
        return errors;
    }

    /// <inheritdoc />
    public ISecretSource Connect(ProviderSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var errors = new List<SettingError>();
        var options = Read(settings, errors);
        // A runtime requirement unmet here is as fatal as an error: the daemon is about to use these settings.
        var fatal = errors.Where(e => e.Severity != SettingSeverity.Warning).Select(e => e.Message).ToList();
        if (options is null || fatal.Count > 0)
        {
            throw new ArgumentException($"{_title} provider '{settings.Name}' has invalid settings: {string.Join(" ", fatal)}", nameof(settings));
        }

        return Open(settings.Name, options);
    }

    /// <summary>Reads and checks settings.</summary>
    /// <param name="settings">The provider's settings.</param>
    /// <param name="errors">Receives every problem found.</param>
    /// <returns>The options, or <see langword="null"/> when any setting is invalid.</returns>
    protected abstract TOptions? Read(ProviderSettings settings, List<SettingError> errors);

    /// <summary>Connects a source for valid options.</summary>
    /// <param name="name">The provider's configured name.</param>
    /// <param name="options">The options.</param>
    /// <returns>The source.</returns>
    protected abstract ISecretSource Open(string name, TOptions options);
}
