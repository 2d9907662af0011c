using System.Diagnostics;
using SecretSync.Audit.FileChain;
using SecretSync.Audit.Postgres;
using SecretSync.Core.Audit;
using SecretSync.Core.Configuration;
using SecretSync.Testing;
using SecretSync.Testing.Cluster;

namespace SecretSync.Integration.Tests.Cli;

/// <summary>The real <c>secretsync audit</c> over a chain written by the file sink.</summary>
public sealed class AuditCommandTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = TimeProvider.System.GetUtcNow();

    private readonly string _workDir = Path.Combine(Path.GetTempPath(), "secretsync-audit-cli", Guid.NewGuid().ToString("n"));

    private static readonly byte[] InstallKey = "the-install-key-secretsync-dev-wrote"u8.ToArray();

    private static readonly ChainKey Key = ChainKey.Derive(InstallKey);

    private string ChainPath => Path.Combine(_workDir, ".secretsync-dev", "audit");

    private string KeyFile => Path.Combine(_workDir, ".secretsync-dev", "install.key");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(KeyFile)!);
        await File.WriteAllTextAsync(KeyFile, Convert.ToBase64String(InstallKey));
        await using var sink = new ChainedFileSink(new ChainedFileSinkOptions { Path = ChainPath, MaxBytes = 2000, Fsync = FsyncPolicy.Always, Key = Key }, TimeProvider.System);
        AuditEvent[] events =
        [
            Event(1, AuditActions.Created, "payments", "db-credentials", Now.AddHours(-3)),
            Event(2, AuditActions.Created, "billing", "api-key", Now.AddHours(-2)),
            Event(3, AuditActions.Updated, "billing", "api-key", Now.AddMinutes(-40)),
            Event(4, AuditActions.Failed, "payments", "db-credentials", Now.AddMinutes(-20)) with { Outcome = AuditOutcomes.Failure, Error = "provider unavailable: vault answered 503 after 3 attempts" },
            Event(5, AuditActions.Created, "billing", "webhook-token", Now.AddMinutes(-10)),
        ];
        foreach (var auditEvent in events)
        {
            await sink.WriteAsync(auditEvent, CancellationToken.None);
        }
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_workDir, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Table_ShowsEveryEventFromTheDevDefaultPath()
    {
        var result = await AuditAsync();

        Assert.True(result.ExitCode == 0, result.ToString());
        foreach (var expected in new[] { "time (UTC)", "namespace/secret", "billing/api-key", "payments/db-credentials", "vault:kv/billing/api-key", "failed", "provider unavailable", "5 event(s)", "1→2" })
        {
            Assert.Contains(expected, result.StandardOutput, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Json_WithFilters_PrintsOneMatchingEventPerLine()
    {
        var byTime = await AuditAsync("--path", ChainPath, "--format", "json", "--namespace", "billing", "--action", "created", "--since", Now.AddHours(-2.5).ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        var byDuration = await AuditAsync("--path", ChainPath, "--format", "json", "--since", "1h", "--secret", "billing/api-key");
        var bySource = await AuditAsync("--path", Path.Combine(ChainPath, "audit-000001.jsonl"), "--format", "json", "--source", "vault:kv/payments/db-credentials", "--outcome", "success");

        Assert.True(byTime.ExitCode == 0, byTime.ToString());
        Assert.Equal([2L, 5], Sequences(byTime));
        Assert.Equal([3L], Sequences(byDuration));
        Assert.Equal([1L], Sequences(bySource));
    }

    [Fact]
    public async Task Verify_OfAnIntactChain_WithTheKey_ExitsZeroWithOneLine()
    {
        var result = await AuditAsync("--path", ChainPath, "--verify", "--key-file", KeyFile);
        var devDefault = await AuditAsync("--verify");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal($"verified 5 records in {Directory.GetFiles(ChainPath, "audit-*.jsonl").Length} files: 5 authenticated under the install key", result.StandardOutput.Trim());
        Assert.True(devDefault.ExitCode == 0, devDefault.ToString());
    }

    [Fact]
    public async Task AnAuditor_VerifiesWithTheExportedChainKey_WhichIsNotAnInstallKey()
    {
        var exported = await AuditAsync("chain-key", "--key-file", KeyFile);
        var chainKey = Path.Combine(_workDir, "chain.key");
        await File.WriteAllTextAsync(chainKey, exported.StandardOutput);

        var verified = await AuditAsync("--path", ChainPath, "--verify", "--key-file", chainKey);
        var reused = await AuditAsync("chain-key", "--key-file", chainKey);

        Assert.True(exported.ExitCode == 0, exported.ToString());
        Assert.StartsWith(InstallKeyText.ChainKeyPrefix, exported.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(InstallKey), exported.StandardOutput, StringComparison.Ordinal);
        Assert.True(verified.ExitCode == 0, verified.ToString());
        Assert.Contains("5 authenticated", verified.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(2, reused.ExitCode);
        Assert.Contains("holds an audit chain key", reused.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_WithoutTheKey_ClaimsNoAuthenticity_AndExitsThree()
    {
        var result = await AuditAsync("--path", ChainPath, "--verify");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("not authenticated", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("--key-file", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("verified", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_OfAChainWithARecordDeletedAndRecomputedWithoutTheKey_Fails()
    {
        var kept = new List<AuditEvent>();
        await foreach (var e in new ChainedFileReader(ChainPath).QueryAsync(new SecretSync.Audit.Query.AuditFilter(), CancellationToken.None))
        {
            if (e.Sequence != 2)
            {
                kept.Add(e);
            }
        }

        // What an attacker without the key can do: rewrite the rest of the chain, unkeyed or under a key of their own.
        var unkeyed = Path.Combine(_workDir, "unkeyed");
        var otherKey = Path.Combine(_workDir, "other-key");
        await using (var legacy = new ChainedFileSink(new ChainedFileSinkOptions { Path = unkeyed }, TimeProvider.System))
        await using (var forged = new ChainedFileSink(new ChainedFileSinkOptions { Path = otherKey, Key = ChainKey.Derive("a-key-made-up-by-whoever-rewrote-it"u8) }, TimeProvider.System))
        {
            foreach (var e in kept)
            {
                await legacy.WriteAsync(e, CancellationToken.None);
                await forged.WriteAsync(e, CancellationToken.None);
            }
        }

        var rewrittenUnkeyed = await AuditAsync("--path", unkeyed, "--verify", "--key-file", KeyFile);
        var rewrittenUnderOtherKey = await AuditAsync("--path", otherKey, "--verify", "--key-file", KeyFile);

        Assert.Equal(3, rewrittenUnkeyed.ExitCode);
        Assert.Contains("not authenticated", rewrittenUnkeyed.StandardError, StringComparison.Ordinal);
        Assert.Contains("legacy", rewrittenUnkeyed.StandardError, StringComparison.Ordinal);
        Assert.Equal(1, rewrittenUnderOtherKey.ExitCode);
        Assert.Contains("not authenticated under the key", rewrittenUnderOtherKey.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_OfATamperedChain_ExitsNonZeroNamingTheRecord()
    {
        var segment = Directory.GetFiles(ChainPath, "audit-*.jsonl").Order(StringComparer.Ordinal).First(f => File.ReadAllText(f).Contains("\"sequence\":2,", StringComparison.Ordinal));
        File.WriteAllText(segment, File.ReadAllText(segment).Replace("\"namespace\":\"billing\"", "\"namespace\":\"default\"", StringComparison.Ordinal));

        var result = await AuditAsync("--path", ChainPath, "--verify", "--key-file", KeyFile);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"verification failed at {segment} line", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("(sequence 2, id 0190a000-0000-7000-8000-000000000002): not authenticated under the key", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadInput_GetsAClearErrorAndExitCodeTwo()
    {
        var unknownAction = await AuditAsync("--path", ChainPath, "--action", "rotated");
        var badSince = await AuditAsync("--path", ChainPath, "--since", "yesterday");
        var missing = await AuditAsync("--path", Path.Combine(_workDir, "nowhere"));

        Assert.Equal(2, unknownAction.ExitCode);
        Assert.Contains("unknown action 'rotated'; valid actions: created, updated, revoked,", unknownAction.StandardError, StringComparison.Ordinal);
        Assert.Equal(2, badSince.ExitCode);
        Assert.Contains("--since 'yesterday' is neither a duration", badSince.StandardError, StringComparison.Ordinal);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("no such file or folder", missing.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Follow_PrintsTheChainThenEachRecordTheSinkAddsUntilStopped()
    {
        var lines = new List<string>();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = _workDir };
        foreach (var argument in new[] { DaemonProcess.Executable, "audit", "--path", ChainPath, "--format", "json", "--follow", "--outcome", "success" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line)
            {
                lock (lines)
                {
                    lines.Add(line);
                }
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await Eventually.TrueAsync(() => Count() == 4, "the four successful events on disk", TimeSpan.FromSeconds(30));
            await using (var sink = new ChainedFileSink(new ChainedFileSinkOptions { Path = ChainPath, MaxBytes = 2000, Key = Key }, TimeProvider.System))
            {
                await sink.WriteAsync(Event(6, AuditActions.Pruned, "billing", "old-token", Now), CancellationToken.None);
                await sink.WriteAsync(Event(7, AuditActions.Failed, "billing", "api-key", Now) with { Outcome = AuditOutcomes.Failure }, CancellationToken.None);
                await sink.WriteAsync(Event(8, AuditActions.Updated, "billing", "api-key", Now), CancellationToken.None);
            }

            await Eventually.TrueAsync(() => Count() == 6, "the two new successful events", TimeSpan.FromSeconds(30));
            List<long> sequences;
            lock (lines)
            {
                sequences = [.. lines.Select(line => AuditJson.Deserialize(line).Sequence)];
            }

            Assert.Equal([1L, 2, 3, 5, 6, 8], sequences);
            Assert.False(process.HasExited);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        int Count()
        {
            lock (lines)
            {
                return lines.Count;
            }
        }
    }

    [PeerFact("postgres")]
    public async Task Database_IsQueriedWithTheSameFiltersAndFormats()
    {
        await using var server = await PostgresServer.StartAsync();
        var connection = await server.CreateDatabaseAsync("audit_cli");
        var buffer = Directory.CreateTempSubdirectory("secretsync-audit-cli-buffer-").FullName;
        try
        {
            await using (var sink = new PostgresSink(new PostgresSinkOptions { ConnectionString = connection, BufferFolder = buffer }, TimeProvider.System))
            {
                await foreach (var auditEvent in new ChainedFileReader(ChainPath).QueryAsync(new SecretSync.Audit.Query.AuditFilter(), CancellationToken.None))
                {
                    await sink.WriteAsync(auditEvent, CancellationToken.None);
                }

                await sink.FlushAsync(CancellationToken.None);
            }

            var json = await AuditAsync("--database", connection, "--format", "json", "--namespace", "billing", "--since", "150m");
            var table = await AuditAsync("--database", connection, "--action", "failed");
            var unreachable = await AuditAsync("--database", "Host=127.0.0.1;Port=1;Username=postgres;Password=hunter2;Timeout=2");

            Assert.True(json.ExitCode == 0, json.ToString());
            Assert.Equal([2L, 3, 5], Sequences(json));
            Assert.True(table.ExitCode == 0, table.ToString());
            Assert.Contains("provider unavailable", table.StandardOutput, StringComparison.Ordinal);
            Assert.Contains("1 event(s)", table.StandardOutput, StringComparison.Ordinal);
            Assert.Equal(2, unreachable.ExitCode);
            Assert.Contains("cannot read the fleet store", unreachable.StandardError, StringComparison.Ordinal);
            Assert.DoesNotContain("hunter2", unreachable.StandardError + unreachable.StandardOutput, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(buffer, recursive: true);
        }
    }

    private Task<ToolResult> AuditAsync(params string[] arguments) =>
        Tool.RunAsync("dotnet", [DaemonProcess.Executable, "audit", .. arguments], new Dictionary<string, string?> { ["DOTNET_NOLOGO"] = "1" }, workingDirectory: _workDir, timeout: TimeSpan.FromSeconds(60));

    private static List<long> Sequences(ToolResult result) =>
        [.. result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => AuditJson.Deserialize(line).Sequence)];

    private static AuditEvent Event(long sequence, string action, string ns, string secret, DateTimeOffset time) => new()
    {
        Id = $"0190a000-0000-7000-8000-{sequence:D12}",
        Sequence = sequence,
        Time = time,
        Cluster = "prod-eu",
        Instance = "secretsync-0",
        Action = action,
        Outcome = AuditOutcomes.Success,
        Trigger = AuditTriggers.Poll,
        Namespace = ns,
        Secret = secret,
        Provider = "vault",
        Source = $"kv/{ns}/{secret}",
        SourceVersion = "2",
        PreviousVersion = "1",
    };
}
