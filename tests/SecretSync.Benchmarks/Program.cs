using System.Diagnostics;
using SecretSync.Benchmarks.Harness;
using SecretSync.Benchmarks.Micro;
using SecretSync.Benchmarks.Scenarios;
using SecretSync.Testing;

namespace SecretSync.Benchmarks;

/// <summary>Runs the scenarios named on the command line and writes their results.</summary>
internal static class Program
{
    private static readonly Dictionary<string, Func<BenchContext, Task<ScenarioResult>>> Scenarios = new(StringComparer.Ordinal)
    {
        [ColdSync.Name] = ColdSync.RunAsync,
        [Idle.Name] = Idle.RunAsync,
        [Rotation.Name] = Rotation.RunAsync,
        [Storm.Name] = Storm.RunAsync,
        [MicroBenchmarks.Name] = c => Task.FromResult(MicroBenchmarks.Run(c)),
    };

    private const string Usage = """
        usage: dotnet run -c Release --project tests/SecretSync.Benchmarks -- [--quick] [--scenario NAME]... [--results DIR]
          --quick          small sizes of every scenario (a smoke run; results go to results/quick/)
          --scenario NAME  cold-sync, idle, rotation, storm or micro (BenchmarkDotNet); repeatable; default: all but micro
          --results DIR    where to write NAME.json, NAME.md and README.md
        """;

    public static async Task<int> Main(string[] args)
    {
        var quick = false;
        string? folder = null;
        var selected = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick":
                    quick = true;
                    break;
                case "--scenario" when i + 1 < args.Length && Scenarios.ContainsKey(args[i + 1]):
                    selected.Add(args[++i]);
                    break;
                case "--results" when i + 1 < args.Length:
                    folder = args[++i];
                    break;
                default:
                    Console.Error.WriteLine($"unknown or incomplete argument '{args[i]}'\n{Usage}");
                    return 2;
            }
        }

        if (selected.Count == 0)
        {
            selected.AddRange(Scenarios.Keys.Where(k => k != MicroBenchmarks.Name));
        }

        var context = new BenchContext(quick);
        var project = Path.Combine(Repository.Root, "tests", "SecretSync.Benchmarks", "results");
        var writer = new ResultWriter(folder ?? (quick ? Path.Combine(project, "quick") : project), quick);
        var failed = new List<string>();
        foreach (var name in selected)
        {
            var load = ProcessStats.LoadAverage();
            var clock = Stopwatch.StartNew();
            context.Log($"{name}: starting ({(quick ? "quick" : "full")} sizes, load average {load})");
            try
            {
                var result = await Scenarios[name](context);
                writer.Write(result, load, clock.Elapsed);
                context.Log($"{name}: done in {clock.Elapsed.TotalSeconds:F0} s; wrote {Path.Combine(writer.Folder, name)}.json/.md");
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                failed.Add(name);
                context.Log($"{name}: FAILED after {clock.Elapsed.TotalSeconds:F0} s: {e}");
            }
        }

        context.Log(failed.Count == 0 ? "every scenario converged" : $"failed: {string.Join(", ", failed)}");
        return failed.Count == 0 ? 0 : 1;
    }
}
