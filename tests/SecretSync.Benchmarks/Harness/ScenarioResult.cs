using System.Globalization;
using System.Text.Json.Nodes;

namespace SecretSync.Benchmarks.Harness;

/// <summary>One figure of a run: a name, a value and its unit, and optionally the target it is held against.</summary>
internal sealed record Figure(string Name, double Value, string Unit, string? Target = null, bool? Met = null);

/// <summary>One parameterised run of a scenario and what it measured.</summary>
internal sealed class Run(string label)
{
    public string Label { get; } = label;

    public Dictionary<string, string> Parameters { get; } = new(StringComparer.Ordinal);

    public List<Figure> Figures { get; } = [];

    /// <summary>Raw request counts per emulator and verb, for anyone re-deriving a figure.</summary>
    public JsonObject Counts { get; } = [];

    public Run With(string parameter, object value)
    {
        Parameters[parameter] = Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
        return this;
    }

    /// <summary>Records the daemon's audit events by action, e.g. to see failures behind extra requests.</summary>
    public void CountAudit(IEnumerable<SecretSync.Core.Audit.AuditEvent> events) =>
        Counts["audit"] = new JsonObject(events.GroupBy(e => e.Action, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => KeyValuePair.Create(g.Key, (JsonNode?)g.Count())));

    public void Add(string name, double value, string unit, string? target = null, bool? met = null) =>
        Figures.Add(new Figure(name, value, unit, target, met));
}

/// <summary>The runs of one scenario, written as <c>results/NAME.json</c> and <c>results/NAME.md</c>.</summary>
internal sealed class ScenarioResult(string name, string title)
{
    public string Name { get; } = name;

    public string Title { get; } = title;

    public List<Run> Runs { get; } = [];

    /// <summary>Formulas and caveats printed under the table.</summary>
    public List<string> Notes { get; } = [];
}
