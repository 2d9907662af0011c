using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using SecretSync.Benchmarks.Harness;

namespace SecretSync.Benchmarks.Micro;

/// <summary>Runs the BenchmarkDotNet classes in-process and reports each method's mean time and allocation.</summary>
internal static class MicroBenchmarks
{
    public const string Name = "micro";

    public static ScenarioResult Run(BenchContext context)
    {
        var artifacts = Directory.CreateTempSubdirectory("secretsync-bdn-").FullName;
        // In-process: no generated project to build beside the artifacts-output layout, and one short job per method.
        var config = ManualConfig.CreateMinimumViable()
            .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance))
            .AddLogger(ConsoleLogger.Default)
            .WithArtifactsPath(artifacts);
        var result = new ScenarioResult(Name, "Hot functions (BenchmarkDotNet, in-process, ShortRun)");
        var run = new Run("per call");
        foreach (var summary in BenchmarkRunner.Run([typeof(ContentHasherBenchmarks), typeof(SecretPlannerBenchmarks), typeof(SecretSerializationBenchmarks)], config))
        {
            foreach (var report in summary.Reports.Where(r => r.ResultStatistics is not null))
            {
                var description = report.BenchmarkCase.Descriptor.WorkloadMethodDisplayInfo.Trim('\'');
                run.Add($"{description}: mean", report.ResultStatistics!.Mean, "ns");
                if (report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) is { } bytes)
                {
                    run.Add($"{description}: allocated", bytes, "B");
                }
            }
        }

        if (run.Figures.Count == 0)
        {
            throw new InvalidOperationException($"BenchmarkDotNet reported no results; see its logs under {artifacts}");
        }

        result.Runs.Add(run);
        result.Notes.Add("ShortRun job (3 warm-up, 3 target iterations), in-process emit toolchain; means are nanoseconds per call, allocations bytes per call.");
        context.Log($"{Name}: {run.Figures.Count} figures");
        Directory.Delete(artifacts, recursive: true);
        return result;
    }
}
