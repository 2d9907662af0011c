using System.Diagnostics.Metrics;
using SecretSync.Core.Providers;

namespace SecretSync.Providers.Gcp;

/// <summary>Counts provider calls by operation and outcome on the shared <c>SecretSync.Providers</c> meter.</summary>
/// <remarks>Tags carry the configured provider name, the operation and the outcome class only: never a path or value.</remarks>
internal sealed class GcpMetrics
{
    /// <summary>The meter shared by every provider adapter.</summary>
    public const string MeterName = "SecretSync.Providers";

    /// <summary>The counter of provider calls.</summary>
    public const string RequestsCounterName = "secretsync_provider_requests";

    private static readonly Meter FallbackMeter = new(MeterName);

    private readonly Counter<long> _requests;

    public GcpMetrics(IMeterFactory? meterFactory)
    {
        var meter = meterFactory?.Create(MeterName) ?? FallbackMeter;
        _requests = meter.CreateCounter<long>(RequestsCounterName, "{request}", "Calls to secret authorities, by provider, operation and result.");
    }

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

    public static string ResultOf(ReadResult result) => result switch
    {
        ReadResult.Found => "ok",
        ReadResult.Absent => "absent",
        ReadResult.Failed failed => ResultOf(failed.Failure),
        _ => "invalid",
    };

    public static string ResultOf(VersionResult result) => result switch
    {
        VersionResult.Current => "ok",
        VersionResult.Absent => "absent",
        VersionResult.Failed failed => ResultOf(failed.Failure),
        _ => "invalid",
    };

    public static string ResultOf(WriteResult result) => result switch
    {
        WriteResult.Written => "ok",
        WriteResult.VersionMismatch => "conflict",
        WriteResult.Failed failed => ResultOf(failed.Failure),
        _ => "invalid",
    };
}
