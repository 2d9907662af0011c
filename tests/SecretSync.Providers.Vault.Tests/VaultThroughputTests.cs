using System.Diagnostics;
using SecretSync.Providers.Contract;
using Xunit.Abstractions;

namespace SecretSync.Providers.Vault.Tests;

public sealed class VaultThroughputTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ReadsPerSecond_AgainstTheEmulator_AreMeasured()
    {
        await using var bed = await VaultTestBed.StartAsync();
        for (var i = 0; i < 50; i++)
        {
            bed.Vault.WriteSecret("secret", $"bench/s{i}", new Dictionary<string, object?> { ["user"] = "app", ["password"] = new string('x', 32) });
        }

        var client = bed.Connect();
        await client.ReadAsync("bench/s0", null, CancellationToken.None);

        const int sequential = 1000;
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < sequential; i++)
        {
            Expect.Found(await client.ReadAsync($"bench/s{i % 50}", null, CancellationToken.None));
        }

        var sequentialRate = sequential / watch.Elapsed.TotalSeconds;

        const int parallel = 2000;
        watch.Restart();
        await Parallel.ForEachAsync(Enumerable.Range(0, parallel), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
            Expect.Found(await client.ReadAsync($"bench/s{i % 50}", null, ct)));
        var parallelRate = parallel / watch.Elapsed.TotalSeconds;

        watch.Restart();
        var paths = Enumerable.Range(0, 50).Select(i => $"bench/s{i}").ToList();
        for (var round = 0; round < 20; round++)
        {
            await client.CheckVersionsAsync(paths, CancellationToken.None);
        }

        var checkRate = 20 * 50 / watch.Elapsed.TotalSeconds;

        output.WriteLine($"Vault adapter against the in-process emulator ({Environment.ProcessorCount} cores):");
        output.WriteLine($"  sequential reads:   {sequentialRate,8:0} reads/s ({sequential} reads)");
        output.WriteLine($"  8 concurrent reads: {parallelRate,8:0} reads/s ({parallel} reads)");
        output.WriteLine($"  version checks:     {checkRate,8:0} paths/s (20 x 50 paths, metadata, 4 in flight)");
    }
}
