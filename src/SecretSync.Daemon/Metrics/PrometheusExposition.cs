using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace SecretSync.Daemon.Metrics;

/// <summary>Collects SecretSync's <see cref="Meter"/> instruments and renders them in the Prometheus text format (0.0.4).</summary>
/// <remarks>
/// No Prometheus exporter package is available, so this listens to every meter whose name starts with
/// <c>SecretSync</c>. Counters become <c>name_total</c>, histograms get <c>_bucket</c>/<c>_sum</c>/<c>_count</c>,
/// up-down counters and gauges are exposed as gauges. Tag values are label values: callers must never put a
/// secret value in a tag.
/// </remarks>
internal sealed class PrometheusExposition : IDisposable
{
    private static readonly double[] DefaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, Series> _series = new();
    private readonly Lock _collectGate = new();

    public PrometheusExposition()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name.StartsWith("SecretSync", StringComparison.Ordinal))
            {
                _series.TryAdd(instrument, new Series(instrument));
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>Renders every series collected so far, after sampling observable instruments.</summary>
    public string Render()
    {
        lock (_collectGate)
        {
            foreach (var series in _series.Values.Where(s => s.IsObservable))
            {
                series.ResetGauges();
            }

            _listener.RecordObservableInstruments();
        }

        var text = new StringBuilder();
        foreach (var series in _series.Values.OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            series.Render(text);
        }

        return text.ToString();
    }

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (_series.TryGetValue(instrument, out var series))
        {
            series.Record(value, LabelSet.From(tags));
        }
    }

    private enum Kind
    {
        Counter,
        Gauge,
        Histogram,
    }

    private sealed class Series(Instrument instrument)
    {
        private readonly ConcurrentDictionary<string, Cell> _cells = new(StringComparer.Ordinal);

        public string Name { get; } = Sanitize(instrument.Name);

        public bool IsObservable { get; } = instrument.IsObservable;

        private Kind Kind { get; } = instrument switch
        {
            Counter<long> or Counter<int> or Counter<double> or ObservableCounter<long> or ObservableCounter<int> or ObservableCounter<double> => Kind.Counter,
            Histogram<long> or Histogram<int> or Histogram<double> => Kind.Histogram,
            _ => Kind.Gauge,
        };

        private bool Cumulative { get; } = instrument is Counter<long> or Counter<int> or Counter<double>
            or UpDownCounter<long> or UpDownCounter<int> or UpDownCounter<double> or Histogram<long> or Histogram<int> or Histogram<double>;

        public void ResetGauges() => _cells.Clear();

        public void Record(double value, string labels)
        {
            var cell = _cells.GetOrAdd(labels, _ => new Cell(Kind == Kind.Histogram ? DefaultBuckets.Length : 0));
            lock (cell)
            {
                if (Kind == Kind.Histogram)
                {
                    cell.Count++;
                    cell.Value += value;
                    for (var i = 0; i < DefaultBuckets.Length; i++)
                    {
                        if (value <= DefaultBuckets[i])
                        {
                            cell.Buckets[i]++;
                        }
                    }
                }
                else if (Cumulative)
                {
                    cell.Value += value;
                }
                else
                {
                    cell.Value = value;
                }
            }
        }

        public void Render(StringBuilder text)
        {
            if (_cells.IsEmpty)
            {
                return;
            }

            var name = Kind == Kind.Counter && !Name.EndsWith("_total", StringComparison.Ordinal) ? Name + "_total" : Name;
            var help = (instrument.Description ?? instrument.Name).Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
            var type = Kind switch { Kind.Counter => "counter", Kind.Histogram => "histogram", _ => "gauge" };
            text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n");
            foreach (var (labels, cell) in _cells.OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                lock (cell)
                {
                    if (Kind == Kind.Histogram)
                    {
                        for (var i = 0; i < DefaultBuckets.Length; i++)
                        {
                            text.Append(CultureInfo.InvariantCulture, $"{name}_bucket{LabelSet.With(labels, "le", Format(DefaultBuckets[i]))} {cell.Buckets[i]}\n");
                        }

                        text.Append(CultureInfo.InvariantCulture, $"{name}_bucket{LabelSet.With(labels, "le", "+Inf")} {cell.Count}\n");
                        text.Append(CultureInfo.InvariantCulture, $"{name}_sum{LabelSet.Braced(labels)} {Format(cell.Value)}\n");
                        text.Append(CultureInfo.InvariantCulture, $"{name}_count{LabelSet.Braced(labels)} {cell.Count}\n");
                    }
                    else
                    {
                        text.Append(CultureInfo.InvariantCulture, $"{name}{LabelSet.Braced(labels)} {Format(cell.Value)}\n");
                    }
                }
            }
        }

        private static string Sanitize(string name)
        {
            var chars = name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or ':' ? c : '_').ToArray();
            return new string(chars);
        }

        private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
    }

    private sealed class Cell(int buckets)
    {
        public double Value { get; set; }

        public long Count { get; set; }

        public long[] Buckets { get; } = new long[buckets];
    }

    /// <summary>Label sets as canonical, escaped <c>k="v",k2="v2"</c> text (sorted by key).</summary>
    private static class LabelSet
    {
        public static string From(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (tags.Length == 0)
            {
                return "";
            }

            var pairs = new List<KeyValuePair<string, object?>>(tags.ToArray());
            pairs.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
            return string.Join(',', pairs.Select(p => $"{p.Key}=\"{Escape(Convert.ToString(p.Value, CultureInfo.InvariantCulture) ?? "")}\""));
        }

        public static string Braced(string labels) => labels.Length == 0 ? "" : "{" + labels + "}";

        public static string With(string labels, string key, string value) =>
            "{" + (labels.Length == 0 ? "" : labels + ",") + $"{key}=\"{value}\"" + "}";

        private static string Escape(string value) =>
            value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
    }
}
