using System.Diagnostics.Metrics;
using Azure.Core;
using Microsoft.Extensions.Logging;
using SecretSync.Core.Providers;
using SecretSync.Providers.Common;

namespace SecretSync.Providers.Azure;

/// <summary>The <c>azure</c> provider type: validates settings and connects Key Vault clients.</summary>
internal sealed class AzureProvider : SecretProvider<AzureOptions>
{
    /// <summary>The configuration <c>type</c> this provider answers to.</summary>
    public const string TypeName = "azure";

    private readonly Func<string, string?> _environment;

    public AzureProvider(TimeProvider time, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null)
        : this(time, loggerFactory, meterFactory, Environment.GetEnvironmentVariable)
    {
    }

    /// <summary>Creates the provider with a stand-in for the process environment (<c>AZURE_*</c>), for tests.</summary>
    internal AzureProvider(TimeProvider time, ILoggerFactory? loggerFactory, IMeterFactory? meterFactory, Func<string, string?> environment)
        : base(TypeName, "Azure", ProviderCapabilities.Write, time, loggerFactory, meterFactory) => _environment = environment;

    /// <summary>Connects a client for already-read options, optionally with a given credential (tests).</summary>
    internal AzureClient Connect(string name, AzureOptions options, TokenCredential? credential = null) =>
        new(name, options, credential ?? AzureCredentials.Create(options, _environment, Time), Time, LoggerFactory, Metrics);

    protected override AzureOptions? Read(ProviderSettings settings, List<SettingError> errors) => AzureOptionsReader.Read(settings, _environment, errors);

    protected override ISecretSource Open(string name, AzureOptions options) => Connect(name, options);
}
