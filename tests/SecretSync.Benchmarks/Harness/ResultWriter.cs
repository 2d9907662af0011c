using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SecretSync.Benchmarks.Harness;

/// <summary>Writes each scenario as JSON and a Markdown table, and rebuilds the summary of every result in the folder.</summary>
internal sealed class ResultWriter(string folder, bool quick)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public string Folder { get; } = folder;

    public void Write(ScenarioResult result, string loadBefore, TimeSpan elapsed)
    {
        Directory.CreateDirectory(Folder);
        var json = new JsonObject
        {
            ["scenario"] = result.Name,
            ["title"] = result.Title,
            ["quick"] = quick,
            ["configuration"] = Build,
            ["machine"] = new JsonObject
            {
                ["cores"] = Environment.ProcessorCount,
                ["loadAverageBefore"] = loadBefore,
                ["loadAverageAfter"] = ProcessStats.LoadAverage(),
            },
            ["finished"] = TimeProvider.System.GetUtcNow().ToString("u", CultureInfo.InvariantCulture),
            ["elapsedSeconds"] = Math.Round(elapsed.TotalSeconds, 1),
            ["runs"] = new JsonArray([.. result.Runs.Select(ToJson)]),
            ["notes"] = new JsonArray([.. result.Notes.Select(n => JsonValue.Create(n))]),
        };
        File.WriteAllText(Path.Combine(Folder, result.Name + ".json"), json.ToJsonString(Indented) + "\n");
        File.WriteAllText(Path.Combine(Folder, result.Name + ".md"), Markdown(json));
        WriteSummary();
    }

    /// <summary>Rebuilds <c>README.md</c> from every scenario JSON in the folder: the targets first, then each table.</summary>
    private void WriteSummary()
    {
        var scenarios = Directory.GetFiles(Folder, "*.json").Order(StringComparer.Ordinal)
            .Select(f => JsonNode.Parse(File.ReadAllText(f))!.AsObject()).ToList();
        var text = new StringBuilder();
        text.AppendLine("# Benchmark results");
        text.AppendLine();
        text.AppendLine("Written by `dotnet run -c Release --project tests/SecretSync.Benchmarks`; see `../README.md` for what each figure means.");
        text.AppendLine("Figures are lower bounds: the emulators run in the runner's process on the same cores as the daemon, and other builds may share the machine (load averages below).");
        text.AppendLine();
        text.AppendLine("## Targets");
        text.AppendLine();
        text.AppendLine("| scenario | run | figure | value | target | met |");
        text.AppendLine("|---|---|---|---:|---|---|");
        foreach (var scenario in scenarios)
        {
            foreach (var run in scenario["runs"]!.AsArray())
            {
                foreach (var figure in run!["figures"]!.AsArray().Where(f => f!["target"] is not null))
                {
                    var met = figure!["met"]?.GetValue<bool>() switch { true => "yes", false => "**no**", null => "n/a" };
                    text.AppendLine(CultureInfo.InvariantCulture,
                        $"| {scenario["scenario"]} | {run["label"]} | {figure["name"]} | {Format(figure)} | {figure["target"]} | {met} |");
                }
            }
        }

        foreach (var scenario in scenarios)
        {
            text.AppendLine();
            text.Append(Markdown(scenario, level: "##"));
        }

        File.WriteAllText(Path.Combine(Folder, "README.md"), text.ToString());
    }

    private static JsonObject ToJson(Run run) => new()
    {
        ["label"] = run.Label,
        ["parameters"] = new JsonObject([.. run.Parameters.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))]),
        ["figures"] = new JsonArray([.. run.Figures.Select(f =>
        {
            var figure = new JsonObject { ["name"] = f.Name, ["value"] = Math.Round(f.Value, 4), ["unit"] = f.Unit };
            if (f.Target is not null)
            {
                figure["target"] = f.Target;
                figure["met"] = f.Met;
            }

            return (JsonNode)figure;
        })]),
        ["requests"] = run.Counts.DeepClone(),
    };

    /// <summary>One table per scenario: a row per figure, a column per run.</summary>
    private static string Markdown(JsonNode scenario, string level = "#")
    {
        var runs = scenario["runs"]!.AsArray().Select(r => r!).ToList();
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{level} {scenario["title"]} (`{scenario["scenario"]}`)");
        text.AppendLine();
        var machine = scenario["machine"]!;
        text.AppendLine(CultureInfo.InvariantCulture,
            $"{(scenario["quick"]!.GetValue<bool>() ? "Quick sizes" : "Full sizes")}, {scenario["configuration"]} build, {machine["cores"]} cores, load average {machine["loadAverageBefore"]} before and {machine["loadAverageAfter"]} after; finished {scenario["finished"]} in {scenario["elapsedSeconds"]} s.");
        text.AppendLine();
        var names = runs.SelectMany(r => r["figures"]!.AsArray().Select(f => f!["name"]!.GetValue<string>())).Distinct().ToList();
        text.AppendLine("| figure | " + string.Join(" | ", runs.Select(r => r["label"]!.GetValue<string>())) + " |");
        text.AppendLine("|---|" + string.Concat(runs.Select(_ => "---:|")));
        foreach (var name in names)
        {
            var cells = runs.Select(r => r["figures"]!.AsArray().FirstOrDefault(f => f!["name"]!.GetValue<string>() == name) is { } f ? Format(f) : "");
            text.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {string.Join(" | ", cells)} |");
        }

        var notes = scenario["notes"]!.AsArray();
        if (notes.Count > 0)
        {
            text.AppendLine();
            foreach (var note in notes)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"- {note}");
            }
        }

        return text.ToString();
    }

    private static string Format(JsonNode figure)
    {
        var value = figure["value"]!.GetValue<double>();
        var unit = figure["unit"]!.GetValue<string>();
        var number = Math.Abs(value) >= 100 || value == Math.Floor(value)
            ? value.ToString("#,0", CultureInfo.InvariantCulture)
            : value.ToString("0.###", CultureInfo.InvariantCulture);
        return unit.Length == 0 ? number : $"{number} {unit}";
    }

#if DEBUG
    private const string Build = "Debug";
#else
    private const string Build = "Release";
#endif
}
