using System.Diagnostics;
using System.Globalization;
using SecretSync.Chaos;

// dotnet run -c Release --project tests/SecretSync.Chaos -- --minutes M --seed S
// Prints the seed first (to replay a failure) and ends with "violations: N"; exits 0 only when N is 0.
var minutes = 3.0;
int? seedArgument = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--minutes" when i + 1 < args.Length && double.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var m) && m > 0 && m <= 24 * 60:
            minutes = m;
            i++;
            break;
        case "--seed" when i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var s):
            seedArgument = s;
            i++;
            break;
        default:
            Console.Error.WriteLine($"unknown or invalid argument '{args[i]}'. Usage: --minutes M (0 < M <= 1440) --seed S (an integer; random when omitted)");
            return 2;
    }
}

var seed = seedArgument ?? Random.Shared.Next();
Console.WriteLine($"seed: {seed}");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"replay: dotnet run -c Release --project tests/SecretSync.Chaos -- --minutes {minutes} --seed {seed}"));
var clock = Stopwatch.StartNew();
using var interrupted = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl-C ends the schedule early; faults stop, the checks run and every child process is cleaned up.
    e.Cancel = !interrupted.IsCancellationRequested;
    interrupted.Cancel();
    Console.WriteLine("interrupted: ending the schedule early");
};
await using var run = await ChaosRun.StartAsync(seed, Console.Out);
IReadOnlyList<InvariantResult> results;
try
{
    await run.SetUpAsync();
    await run.RunScheduleAsync(TimeSpan.FromMinutes(minutes), interrupted.Token);
    await run.StopFaultsAndConvergeAsync();
    results = await Invariants.CheckAsync(run);
}
catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
{
    // The harness itself could not go on (e.g. the first sync never converged): that is a violation too.
    Console.WriteLine($"run aborted: {run.Leaks.Redact(ex.Message)}");
    results = [new InvariantResult("the run completes", [ex.GetType().Name])];
}

Console.WriteLine();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"summary (seed {seed}, {minutes} min of chaos, {clock.Elapsed.TotalMinutes:0.0} min in all)"));
Console.WriteLine("faults injected by kind:");
foreach (var (kind, count) in run.Tally.Faults.OrderBy(f => f.Key, StringComparer.Ordinal))
{
    Console.WriteLine($"  {kind,-26} {count}");
}

Console.WriteLine($"  {"total",-26} {run.Tally.Faults.Values.Sum()}");
Console.WriteLine("schedule:");
foreach (var (kind, count) in run.Tally.Changes.OrderBy(f => f.Key, StringComparer.Ordinal))
{
    Console.WriteLine($"  {kind,-26} {count}");
}

foreach (var replica in run.Replicas)
{
    Console.WriteLine($"  {replica.Instance}: {replica.Kills.Count} SIGKILLs, {replica.Restarts} restarts, {replica.RestartsReady} restarts ready again, {replica.Crashes.Count} exits on its own");
}

var audit = run.Replicas.SelectMany(r => r.Incarnations).SelectMany(p => p.Audit).ToList();
Console.WriteLine($"  rotations applied (updated events on stdout): {audit.Count(e => e.Action == "updated")}; created {audit.Count(e => e.Action == "created")}, " +
    $"revoked {audit.Count(e => e.Action == "revoked")}, pruned {audit.Count(e => e.Action == "pruned")}, restored {audit.Count(e => e.Action == "restored")}, " +
    $"config-loaded {audit.Count(e => e.Action == "config-loaded")}, failed {audit.Count(e => e.Action == "failed")}");
Console.WriteLine(run.Convergence is { } took
    ? string.Create(CultureInfo.InvariantCulture, $"convergence after faults stopped: {took.TotalSeconds:0.0} s (bound {ChaosRun.ConvergenceBound.TotalSeconds} s)")
    : $"convergence after faults stopped: not within {ChaosRun.ConvergenceBound.TotalSeconds} s");
Console.WriteLine("invariants:");
foreach (var result in results)
{
    Console.WriteLine($"  [{(result.Violations.Count == 0 ? "ok" : "FAIL")}] {result.Name}: {result.Violations.Count} violation(s){(result.Note is null ? "" : $" ({result.Note})")}");
    foreach (var violation in result.Violations.Take(20))
    {
        Console.WriteLine($"      {violation}");
    }

    if (result.Violations.Count > 20)
    {
        Console.WriteLine($"      ... and {result.Violations.Count - 20} more");
    }
}

var violations = results.Sum(r => r.Violations.Count);
if (violations > 0)
{
    var artefacts = Path.Combine(Path.GetTempPath(), string.Create(CultureInfo.InvariantCulture, $"secretsync-chaos-{seed}-{Environment.ProcessId}"));
    run.SaveArtefacts(artefacts);
    Console.WriteLine($"artefacts (audit chains, configurations, redacted daemon output, write history): {artefacts}");
}

Console.WriteLine($"violations: {violations}");
return violations == 0 ? 0 : 1;
