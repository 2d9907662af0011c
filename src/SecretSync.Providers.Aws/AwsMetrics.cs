using System.Diagnostics.Metrics;
using SecretSync.Core.Providers;

namespace SecretSync.Providers.Aws;

/// <summary>Counts Secrets Manager calls by operation and outcome on the shared <c>SecretSync.Providers</c> meter.</summary>
/// <remarks>Tags carry the configured provider name, the AWS operation and the outcome class only: never a secret id or value.</remarks>
internal sealed class AwsMetrics
{
    /// <summary>The meter shared by every provider adapter.</summary>
    public const string MeterName = "SecretSync.Providers";

    /// <summary>The counter of provider calls.</summary>
    public const string RequestsCounterName = "secretsync_provider_requests";

    private static readonly Meter FallbackMeter = new(MeterName);

    private readonly Counter<long> _requests;

    public AwsMetrics(IMeterFactory? meterFactory)
    {
        var meter = meterFactory?.Create(MeterName) ?? FallbackMeter;
        _requests = meter.CreateCounter<long>(RequestsCounterName, "{request}", "Calls to secret authorities, by provider, operation and result.");
    }

    /// <summary>Counts one HTTP call: <paramref name="operation"/> is the AWS operation name, e.g. <c>ListSecrets</c>.</summary>
    public void Record(string provider, string operation, string result) =>
        _requests.Add(1,
            new KeyValuePair<string, object?>("provider", provider),
            new KeyValuePair<string, object?>("operation", operation),
            new KeyValuePair<string, object?>("result", result));

    public static string ResultOf(ProviderFailure failure) => failure.Kind switch
    {
        FailureKind.Unavailable => "unavailable",
        FailureKind.Throttled => "throttled",
        FailureKind.Forbidden => "forbidden",
        FailureKind.Unauthenticated => "unauthenticated",
        _ => "invalid",
    };
}
