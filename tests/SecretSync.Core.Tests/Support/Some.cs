using SecretSync.Core.Configuration;
using SecretSync.Core.Providers;

namespace SecretSync.Core.Tests.Support;

/// <summary>Builders for test inputs.</summary>
internal static class Some
{
    public const string SampleYaml = """
        cluster: prod-eu-1
        providers:
          vault-main:
            type: vault
            address: https://vault.internal:8200
            auth: { method: kubernetes, role: secretsync }
            mount: secret
        bundles:
          payments-db:
            provider: vault-main
            namespaces: { matchLabels: { team: payments } }
            secrets:
              - source: payments/db
                target: db-credentials
                keys: { username: user }
              - source: shared/tls
                target: wildcard-tls
                type: kubernetes.io/tls
        sync:
          interval: 60s
          jitter: 0.1
          onSourceDeleted: delete
        audit:
          sinks: [stdout, events]
        """;

    public static ProviderRegistry Registry { get; } = new([new StubProvider("vault"), new StubProvider("aws")]);

    public static ConfigResult Parse(string yaml) => ConfigLoader.Parse(yaml, "config.yaml", Registry);

    public static SyncConfig Config(string yaml = SampleYaml) =>
        Parse(yaml) switch
        {
            ConfigResult.Valid valid => valid.Config,
            var invalid => throw new InvalidOperationException(invalid.ToString()),
        };

    public static IReadOnlyList<ConfigError> Errors(string yaml) => Assert.IsType<ConfigResult.Invalid>(Parse(yaml)).Errors;

    public static Dictionary<string, string> Labels(params (string Key, string Value)[] pairs) =>
        pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    /// <summary>A provider type that requires <c>address</c> and rejects <c>auth.method: password</c>.</summary>
    internal sealed class StubProvider(string type) : ISecretProvider
    {
        public string Type => type;

        public ProviderCapabilities Capabilities => ProviderCapabilities.None;

        public List<ProviderSettings> Validated { get; } = [];

        public IReadOnlyList<SettingError> Validate(ProviderSettings settings)
        {
            Validated.Add(settings);
            var errors = new List<SettingError>();
            if (settings.Get("address") is null)
            {
                errors.Add(new SettingError("address", "is required"));
            }

            if (settings.Get("auth.method") == "password")
            {
                errors.Add(new SettingError("auth.method", "must be kubernetes, token or approle"));
            }

            return errors;
        }

        public ISecretSource Connect(ProviderSettings settings) => throw new NotSupportedException();
    }
}
