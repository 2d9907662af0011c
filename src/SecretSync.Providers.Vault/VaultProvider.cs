using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using SecretSync.Core.Providers;
using SecretSync.Providers.Common;

namespace SecretSync.Providers.Vault;

/// <summary>The <c>vault</c> provider type: validates settings and connects KV version 2 clients.</summary>
internal sealed class VaultProvider : SecretProvider<VaultOptions>
{
    /// <summary>The configuration <c>type</c> this provider answers to.</summary>
    public const string TypeName = "vault";

    private readonly Func<string, string?> _environment;

    public VaultProvider(TimeProvider time, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null)
        : this(time, loggerFactory, meterFactory, Environment.GetEnvironmentVariable)
    {
    }

    /// <summary>Creates the provider with a stand-in for the process environment (<c>VAULT_TOKEN</c>), for tests.</summary>
    internal VaultProvider(TimeProvider time, ILoggerFactory? loggerFactory, IMeterFactory? meterFactory, Func<string, string?> environment)
        : base(TypeName, "Vault", ProviderCapabilities.Watch | ProviderCapabilities.Write, time, loggerFactory, meterFactory) => _environment = environment;

    /// <summary>Connects a client for already-read options.</summary>
    internal VaultClient Connect(string name, VaultOptions options) => new(name, options, Time, LoggerFactory, Metrics, _environment);

    protected override VaultOptions? Read(ProviderSettings settings, List<SettingError> errors) => VaultOptionsReader.Read(settings, _environment, errors);

    protected override ISecretSource Open(string name, VaultOptions options) => Connect(name, options);
}
