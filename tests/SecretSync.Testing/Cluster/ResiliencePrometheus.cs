using System.Globalization;
using System.Text.RegularExpressions;

namespace SecretSync.Testing.Cluster;

/// <summary>One sample line of the Prometheus text format.</summary>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>A scrape in the Prometheus text exposition format 0.0.4, parsed strictly: malformed input throws.</summary>
/// <remarks>
/// Checks what a Prometheus server would reject or misread: sample and label syntax, one TYPE per family given
/// before its samples, a family's samples kept together, and histograms with cumulative <c>le</c> buckets whose
/// <c>+Inf</c> bucket equals <c>_count</c>.
/// </remarks>
public sealed partial class ResiliencePrometheus
{
    private ResiliencePrometheus(string text, IReadOnlyDictionary<string, string> types, IReadOnlyList<PrometheusSample> samples)
    {
        Text = text;
        Types = types;
        Samples = samples;
    }

    /// <summary>The scrape as served.</summary>
    public string Text { get; }

    /// <summary>The declared type of each metric family.</summary>
    public IReadOnlyDictionary<string, string> Types { get; }

    public IReadOnlyList<PrometheusSample> Samples { get; }

    /// <summary>The sum of the samples named <paramref name="name"/> whose labels match <paramref name="labels"/>; 0 when none.</summary>
    public double Sum(string name, Func<IReadOnlyDictionary<string, string>, bool>? labels = null) =>
        Samples.Where(s => s.Name == name && (labels?.Invoke(s.Labels) ?? true)).Sum(s => s.Value);

    /// <summary>Whether any sample of the family (or the sample name itself) is present.</summary>
    public bool Has(string family) => Samples.Any(s => s.Name == family || FamilyOf(s.Name, Types) == family);

    /// <exception cref="FormatException">The text is not valid Prometheus text format.</exception>
    public static ResiliencePrometheus Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var samples = new List<PrometheusSample>();
        var finished = new HashSet<string>(StringComparer.Ordinal);
        string? current = null;
        var number = 0;
        foreach (var line in text.Split('\n'))
        {
            number++;
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith('#'))
            {
                var comment = CommentLine().Match(line);
                if (comment.Success && comment.Groups["kind"].Value == "TYPE")
                {
                    var family = comment.Groups["name"].Value;
                    var type = comment.Groups["rest"].Value;
                    if (type is not ("counter" or "gauge" or "histogram" or "summary" or "untyped"))
                    {
                        throw Fail(number, line, $"unknown type '{type}'");
                    }

                    if (!types.TryAdd(family, type))
                    {
                        throw Fail(number, line, "a second TYPE for the same family");
                    }

                    if (samples.Any(s => FamilyOf(s.Name, types) == family))
                    {
                        throw Fail(number, line, "TYPE after the family's samples");
                    }
                }
                else if (line.StartsWith("# HELP", StringComparison.Ordinal) || line.StartsWith("# TYPE", StringComparison.Ordinal))
                {
                    if (!comment.Success)
                    {
                        throw Fail(number, line, "malformed HELP or TYPE line");
                    }
                }

                continue;
            }

            var sample = SampleLine().Match(line);
            if (!sample.Success)
            {
                throw Fail(number, line, "not a sample line");
            }

            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            var rawLabels = sample.Groups["labels"].Value;
            if (rawLabels.Length > 0)
            {
                var consumed = 0;
                foreach (Match pair in LabelPair().Matches(rawLabels))
                {
                    if (pair.Index != consumed)
                    {
                        throw Fail(number, line, "malformed label set");
                    }

                    if (!labels.TryAdd(pair.Groups["key"].Value, Unescape(pair.Groups["value"].Value)))
                    {
                        throw Fail(number, line, $"label {pair.Groups["key"].Value} given twice");
                    }

                    consumed = pair.Index + pair.Length;
                }

                if (consumed != rawLabels.Length)
                {
                    throw Fail(number, line, "malformed label set");
                }
            }

            var value = sample.Groups["value"].Value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                var v when double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
                var v => throw Fail(number, line, $"value '{v}' is not a number"),
            };
            var name = sample.Groups["name"].Value;
            var owner = FamilyOf(name, types);
            if (owner != current)
            {
                if (current is not null)
                {
                    finished.Add(current);
                }

                if (finished.Contains(owner))
                {
                    throw Fail(number, line, $"samples of {owner} are not kept together");
                }

                current = owner;
            }

            samples.Add(new PrometheusSample(name, labels, value));
        }

        CheckHistograms(types, samples);
        return new ResiliencePrometheus(text, types, samples);
    }

    private static void CheckHistograms(Dictionary<string, string> types, List<PrometheusSample> samples)
    {
        foreach (var family in types.Where(t => t.Value == "histogram").Select(t => t.Key))
        {
            var series = samples.Where(s => s.Name == family + "_bucket")
                .GroupBy(s => string.Join(",", s.Labels.Where(l => l.Key != "le").OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")));
            foreach (var buckets in series)
            {
                var ordered = buckets.Select(b => (Le: b.Labels.TryGetValue("le", out var le) ? le : throw new FormatException($"{family}_bucket without le"), b.Value))
                    .Select(b => (Bound: b.Le == "+Inf" ? double.PositiveInfinity : double.Parse(b.Le, CultureInfo.InvariantCulture), b.Value))
                    .ToList();
                if (!ordered.Select(b => b.Bound).SequenceEqual(ordered.Select(b => b.Bound).Order()) || !double.IsPositiveInfinity(ordered[^1].Bound))
                {
                    throw new FormatException($"{family}{{{buckets.Key}}}: buckets are not in increasing le order ending with +Inf");
                }

                if (ordered.Zip(ordered.Skip(1)).Any(p => p.Second.Value < p.First.Value))
                {
                    throw new FormatException($"{family}{{{buckets.Key}}}: bucket counts are not cumulative");
                }

                var count = samples.Where(s => s.Name == family + "_count"
                    && string.Join(",", s.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")) == buckets.Key).ToList();
                if (count.Count != 1 || count[0].Value != ordered[^1].Value)
                {
                    throw new FormatException($"{family}{{{buckets.Key}}}: the +Inf bucket does not equal _count");
                }

                if (!samples.Any(s => s.Name == family + "_sum"))
                {
                    throw new FormatException($"{family}: no _sum");
                }
            }
        }
    }

    private static string FamilyOf(string sample, IReadOnlyDictionary<string, string> types)
    {
        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (sample.EndsWith(suffix, StringComparison.Ordinal) && types.TryGetValue(sample[..^suffix.Length], out var type) && type is "histogram" or "summary")
            {
                return sample[..^suffix.Length];
            }
        }

        return sample;
    }

    private static string Unescape(string value) =>
        value.Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);

    private static FormatException Fail(int number, string line, string why) => new($"/metrics line {number}: {why}: {line}");

    [GeneratedRegex(@"^# (?<kind>HELP|TYPE) (?<name>[a-zA-Z_:][a-zA-Z0-9_:]*) ?(?<rest>.*)$")]
    private static partial Regex CommentLine();

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>\S+)( -?[0-9]+)?$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"(?<key>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<value>(\\.|[^""\\])*)"",?")]
    private static partial Regex LabelPair();
}
