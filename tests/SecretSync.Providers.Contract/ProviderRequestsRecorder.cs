using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace SecretSync.Providers.Contract;

/// <summary>Records the <c>secretsync_provider_requests</c> measurements of one configured provider, from construction to disposal.</summary>
/// <remarks>The meter and counter names are spelled out here, not taken from the adapters: they are the contract dashboards rely on.</remarks>
public sealed class ProviderRequestsRecorder : IDisposable
{
    private readonly ConcurrentQueue<(string Operation, string Result)> _seen = new();
    private readonly MeterListener _listener = new();

    public ProviderRequestsRecorder(string provider)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "SecretSync.Providers" && instrument.Name == "secretsync_provider_requests")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            var map = new Dictionary<string, object?>();
            foreach (var tag in tags)
            {
                map[tag.Key] = tag.Value;
            }

            if (Equals(map["provider"], provider))
            {
                _seen.Enqueue(((string)map["operation"]!, (string)map["result"]!));
            }
        });
        _listener.Start();
    }

    /// <summary>The (operation, result) tags of each counted call so far, in recording order.</summary>
    public IReadOnlyCollection<(string Operation, string Result)> Seen => [.. _seen];

    public void Dispose() => _listener.Dispose();
}
