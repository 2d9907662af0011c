using SecretSync.Testing;
using Xunit.Abstractions;

namespace SecretSync.Integration.Tests.Fleet;

public sealed class RotateWaitTests(PostgresFixture database, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    [PeerFact("postgres")]
    public async Task RotateWait_CompletesOnceBothClustersHaveTheNewVersion()
    {
        await using var fleet = await StartFleetAsync();

        var rotate = await fleet.RotateAsync("vault-main:payments/db", "--config", fleet["eu"].ConfigPath,
            "--set", "password=pw-fleet-rotated-2", "--wait", "--database", fleet.Database, "--timeout", "60s");
        output.WriteLine(rotate.ToString());

        Assert.True(rotate.ExitCode == 0, rotate.ToString());
        Assert.Contains("wrote version 2 (was 1); changed password; kept user", rotate.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("All 4 cluster/namespace targets have applied version 2", rotate.StandardOutput, StringComparison.Ordinal);
        var written = fleet.Vault.ReadSecret("secret", "payments/db")!;
        Assert.Equal(2, written.Version);
        Assert.Equal("app", written.Data!["user"].GetString());
        foreach (var (cluster, ns) in Targets)
        {
            Assert.Equal("pw-fleet-rotated-2", fleet[cluster].SecretValue(ns, "db-credentials", "password"));
        }

        Assert.DoesNotContain("pw-fleet", rotate.StandardOutput + rotate.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("postgres-secret-pw", rotate.StandardOutput + rotate.StandardError, StringComparison.Ordinal);
    }

    [PeerFact("postgres")]
    public async Task RotateWait_WithOneDaemonKilled_TimesOut_NamingThatClustersNamespaces()
    {
        await using var fleet = await StartFleetAsync();
        fleet["us"].Daemon!.Kill();

        var rotate = await fleet.RotateAsync("vault-main:payments/db", "--config", fleet["eu"].ConfigPath,
            "--generate", "password:40", "--wait", "--database", fleet.Database, "--timeout", "8s");
        output.WriteLine(rotate.ToString());

        Assert.True(rotate.ExitCode == 3, rotate.ToString());
        Assert.Contains("timed out after", rotate.StandardError, StringComparison.Ordinal);
        Assert.Contains("2 straggler(s)", rotate.StandardError, StringComparison.Ordinal);
        Assert.Contains("us/checkout/db-credentials: 1", rotate.StandardError, StringComparison.Ordinal);
        Assert.Contains("us/payments/db-credentials: 1", rotate.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("eu/", rotate.StandardError, StringComparison.Ordinal);

        var generated = fleet.Vault.ReadSecret("secret", "payments/db")!.Data!["password"].GetString()!;
        Assert.Matches("^[A-Za-z0-9_-]{40}$", generated);
        Assert.Equal(generated, fleet["eu"].SecretValue("payments", "db-credentials", "password"));
        Assert.Equal("pw-fleet-1", fleet["us"].SecretValue("payments", "db-credentials", "password"));
        Assert.DoesNotContain(generated, rotate.StandardOutput + rotate.StandardError, StringComparison.Ordinal);
    }

    [PeerFact("postgres")]
    public async Task RotateWait_NamesEachStragglersLastError()
    {
        await using var fleet = await StartFleetAsync();
        // The tenant of eu/billing makes its copy immutable: the daemon's update is refused, and audited as failed.
        var copy = fleet["eu"].Kubernetes.Get("secrets", "billing", "db-credentials")!;
        copy["immutable"] = true;
        fleet["eu"].Kubernetes.Apply(copy);

        var rotate = await fleet.RotateAsync("vault-main:payments/db", "--config", fleet["eu"].ConfigPath,
            "--generate", "password:40", "--wait", "--database", fleet.Database, "--timeout", "8s");
        output.WriteLine(rotate.ToString());

        Assert.True(rotate.ExitCode == 3, rotate.ToString());
        Assert.Contains("1 straggler(s)", rotate.StandardError, StringComparison.Ordinal);
        Assert.Matches(@"eu/billing/db-credentials: 1 \(last error: .*Invalid", rotate.StandardError);
    }

    private static readonly (string Cluster, string Namespace)[] Targets = [("eu", "payments"), ("eu", "billing"), ("us", "payments"), ("us", "checkout")];

    private async Task<Fleet> StartFleetAsync()
    {
        var fleet = await Fleet.StartAsync(database.Server);
        try
        {
            fleet.Vault.WriteSecret("secret", "payments/db", new Dictionary<string, object?> { ["user"] = "app", ["password"] = "pw-fleet-1" });
            await fleet.AddClusterAsync("eu", "payments", "billing");
            await fleet.AddClusterAsync("us", "payments", "checkout");
            await fleet.StartDaemonsAsync();
            await fleet.WaitForStoreAsync("1", Targets.Length);
            return fleet;
        }
        catch
        {
            await fleet.DisposeAsync();
            throw;
        }
    }
}
