using System.Diagnostics.Metrics;

namespace SecretSync.Kubernetes.Client;

/// <summary>The client's instruments: one request counter tagged by verb and HTTP code.</summary>
internal sealed class KubernetesMetrics
{
    public const string MeterName = "SecretSync.Kubernetes";
    public const string RequestCounterName = "secretsync_kubernetes_requests";

    private static readonly Meter SharedMeter = new(MeterName);

    private readonly Counter<long> _requests;

    public KubernetesMetrics(IMeterFactory? factory)
    {
        var meter = factory?.Create(MeterName) ?? SharedMeter;
        _requests = meter.CreateCounter<long>(RequestCounterName, unit: "{request}", description: "Kubernetes API requests by verb and HTTP status code (\"error\" when no response arrived).");
    }

    public void Request(string verb, int? code) =>
        _requests.Add(1, new KeyValuePair<string, object?>("verb", verb), new KeyValuePair<string, object?>("code", code?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "error"));
}
