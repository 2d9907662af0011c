using System.Diagnostics.Metrics;
using SecretSync.Core.Providers;

namespace SecretSync.Providers.Common;

/// <summary>Counts provider calls by operation and outcome on the shared <c>SecretSync.Providers</c> meter.</summary>
/// <remarks>Tags carry the configured provider name, the operation and the outcome class only: never a path, id or value.</remarks>
public sealed class ProviderMetrics
{
    /// <summary>The meter shared by every provider adapter.</summary>
    public const string MeterName = "SecretSync.Providers";

    /// <summary>The counter of provider calls.</summary>
    public const string RequestsCounterName = "secretsync_provider_requests";

    private static readonly Meter FallbackMeter = new(MeterName);

    private readonly Counter<long> _requests;

    /// <summary>Creates the counter on a meter from <paramref name="meterFactory"/>, or on a process-wide meter when there is none.</summary>
    /// <param name="meterFactory">The host's meter factory; <see langword="null"/> outside a host.</param>
    public ProviderMetrics(IMeterFactory? meterFactory)
    {
        var meter = meterFactory?.Create(MeterName) ?? FallbackMeter;
        _requests = meter.CreateCounter<long>(RequestsCounterName, "{request}", "Calls to secret authorities, by provider, operation and result.");
    }

    /// <summary>Counts one call.</summary>
    /// <param name="provider">The configured provider name.</param>
    /// <param name="operation">The adapter's operation name, e.g. <c>read</c> or <c>ListSecrets</c>.</param>
    /// <param name="result">The outcome class, e.g. <c>ok</c>, <c>absent</c> or a <see cref="ResultOf(ProviderFailure)"/> value.</param>
    public void Record(string provider, string operation, string result) =>
        _requests.Add(1,
            new KeyValuePair<string, object?>("provider", provider),
            new KeyValuePair<string, object?>("operation", operation),
            new KeyValuePair<string, object?>("result", result));

    /// <summary>The result tag of a failure: its kind in lower case, or <c>invalid</c>.</summary>
    /// <param name="failure">The failure to classify.</param>
    /// <returns>One of <c>unavailable</c>, <c>throttled</c>, <c>forbidden</c>, <c>unauthenticated</c> or <c>invalid</c>.</returns>
    public static string ResultOf(ProviderFailure failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return failure.Kind switch
        {
            FailureKind.Unavailable => "unavailable",
            FailureKind.Throttled => "throttled",
            FailureKind.Forbidden => "forbidden",
            FailureKind.Unauthenticated => "unauthenticated",
            _ => "invalid",
        };
    }

    /// <summary>The result tag of a read: <c>ok</c>, <c>absent</c> or the failure's class.</summary>
    /// <param name="result">The read's outcome.</param>
    /// <returns>The tag value.</returns>
    public static string ResultOf(ReadResult result) => result switch
    {
        ReadResult.Found => "ok",
        ReadResult.Absent => "absent",
        ReadResult.Failed failed => ResultOf(failed.Failure),
        _ => "invalid",
    };

    /// <summary>The result tag of a version check: <c>ok</c>, <c>absent</c> or the failure's class.</summary>
    /// <param name="result">The version check's outcome.</param>
    /// <returns>The tag value.</returns>
    public static string ResultOf(VersionResult result) => result switch
    {
        VersionResult.Current => "ok",
        VersionResult.Absent => "absent",
        VersionResult.Failed failed => ResultOf(failed.Failure),
        _ => "invalid",
    };

    /// <summary>The result tag of a write: <c>ok</c>, <c>conflict</c> or the failure's class.</summary>
    /// <param name="result">The write's outcome.</param>
    /// <returns>The tag value.</returns>
    public static string ResultOf(WriteResult result) => result switch
    {
        WriteResult.Written => "ok",
        WriteResult.VersionMismatch => "conflict",
        WriteResult.Failed failed => ResultOf(failed.Failure),
        _ => "invalid",
    };
}
