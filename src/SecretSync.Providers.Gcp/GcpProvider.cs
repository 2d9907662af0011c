using System.Diagnostics.Metrics;
using Google.Apis.Auth.OAuth2;
using Microsoft.Extensions.Logging;
using SecretSync.Core.Providers;
using SecretSync.Providers.Common;

namespace SecretSync.Providers.Gcp;

/// <summary>The <c>gcp</c> provider type: validates settings and connects Secret Manager REST v1 clients.</summary>
internal sealed class GcpProvider : SecretProvider<GcpOptions>
{
    /// <summary>The configuration <c>type</c> this provider answers to.</summary>
    public const string TypeName = "gcp";

    private readonly Func<CancellationToken, Task<GoogleCredential>>? _defaultCredentials;

    public GcpProvider(TimeProvider time, ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null)
        : this(time, loggerFactory, meterFactory, null)
    {
    }

    /// <summary>Creates the provider with a stand-in for application default credentials, for tests.</summary>
    internal GcpProvider(TimeProvider time, ILoggerFactory? loggerFactory, IMeterFactory? meterFactory, Func<CancellationToken, Task<GoogleCredential>>? defaultCredentials)
        : base(TypeName, "GCP", ProviderCapabilities.Write, time, loggerFactory, meterFactory) => _defaultCredentials = defaultCredentials;

    /// <summary>Connects a client for already-read options.</summary>
    internal GcpClient Connect(string name, GcpOptions options) =>
        new(name, options, GcpCredentials.Create(options, _defaultCredentials), Time, LoggerFactory, Metrics);

    protected override GcpOptions? Read(ProviderSettings settings, List<SettingError> errors) => GcpOptionsReader.Read(settings, errors);

    protected override ISecretSource Open(string name, GcpOptions options) => Connect(name, options);
}
