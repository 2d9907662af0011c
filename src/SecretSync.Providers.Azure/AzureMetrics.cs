using System.Diagnostics.Metrics;

namespace SecretSync.Providers.Azure;

/// <summary>Counts Key Vault calls by operation and outcome on the shared <c>SecretSync.Providers</c> meter.</summary>
/// <remarks>Tags carry the configured provider name, the operation (<c>read</c>, <c>list</c>, <c>version</c>, <c>write</c>) and the outcome class only.</remarks>
internal sealed class AzureMetrics
{
    /// <summary>The meter shared by every provider adapter.</summary>
    public const string MeterName = "SecretSync.Providers";

    /// <summary>The counter of provider calls.</summary>
    public const string RequestsCounterName = "secretsync_provider_requests";

    private static readonly Meter FallbackMeter = new(MeterName);

    private readonly Counter<long> _requests;

    public AzureMetrics(IMeterFactory? meterFactory)
    {
        var meter = meterFactory?.Create(MeterName) ?? FallbackMeter;
        _requests = meter.CreateCounter<long>(RequestsCounterName, "{request}", "Calls to secret authorities, by provider, operation and result.");
    }

    public void Record(string provider, string operation, string result) =>
        _requests.Add(1,
            new KeyValuePair<string, object?>("provider", provider),
            new KeyValuePair<string, object?>("operation", operation),
            new KeyValuePair<string, object?>("result", result));

    public static string ResultOf(KeyVaultError? error) => error switch
    {
        null => "ok",
        { IsSecretNotFound: true } or { IsDisabled: true } => "absent",
        _ => error.Failure.Kind switch
        {
            Core.Providers.FailureKind.Unavailable => "unavailable",
            Core.Providers.FailureKind.Throttled => "throttled",
            Core.Providers.FailureKind.Forbidden => "forbidden",
            Core.Providers.FailureKind.Unauthenticated => "unauthenticated",
            _ => "invalid",
        },
    };
}
