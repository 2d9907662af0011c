using SecretSync.DevStack.Hosting;
using SecretSync.Testing;
using SecretSync.Testing.Cluster;

namespace SecretSync.Integration.Tests.Fleet;

/// <summary><c>secretsync rotate</c> without <c>--wait</c>: the check-and-set write and its refusals.</summary>
public sealed class RotateCommandTests
{
    [Fact]
    public async Task Generate_WritesARandomUrlSafeValue_KeepsTheOtherKeys_AndPrintsNoValue()
    {
        await using var cluster = await StartAsync();

        var rotate = await RotateAsync(cluster, "vault-main:payments/db", "--generate", "password", "--generate", "token:12");

        Assert.True(rotate.ExitCode == 0, rotate.ToString());
        var written = cluster.Vault.ReadSecret("secret", "payments/db")!;
        Assert.Equal(2, written.Version);
        Assert.Equal("app", written.Data!["user"].GetString());
        var password = written.Data["password"].GetString()!;
        Assert.Matches("^[A-Za-z0-9_-]{32}$", password);
        Assert.Matches("^[A-Za-z0-9_-]{12}$", written.Data["token"].GetString()!);
        Assert.Contains("wrote version 2 (was 1); changed password, token; kept user", rotate.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(password, rotate.StandardOutput + rotate.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("pw-rotate-1", rotate.StandardOutput + rotate.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMistypedPath_IsRefused_UnlessCreateIsGiven()
    {
        await using var cluster = await StartAsync();

        var mistyped = await RotateAsync(cluster, "vault-main:payments/dbb", "--generate", "password");
        var created = await RotateAsync(cluster, "vault-main:payments/new", "--generate", "password", "--create");

        Assert.Equal(1, mistyped.ExitCode);
        Assert.Contains("payments/dbb does not exist, so nothing was written", mistyped.StandardError, StringComparison.Ordinal);
        Assert.Contains("--create", mistyped.StandardError, StringComparison.Ordinal);
        Assert.Null(cluster.Vault.ReadSecret("secret", "payments/dbb"));
        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.Equal(1, cluster.Vault.ReadSecret("secret", "payments/new")!.Version);
    }

    [Fact]
    public async Task VaultAddrAndVaultToken_AreHonoured_AsTheVaultCliDoes()
    {
        await using var cluster = await StartAsync();

        var elsewhere = await Tool.RunAsync("dotnet", [DaemonProcess.Executable, "rotate", "vault-main:payments/db", "--generate", "password", "--config", cluster.ConfigPath],
            new Dictionary<string, string?> { ["DOTNET_NOLOGO"] = "1", ["VAULT_ADDR"] = "http://127.0.0.1:9" }, timeout: TimeSpan.FromMinutes(2));
        var badToken = await Tool.RunAsync("dotnet", [DaemonProcess.Executable, "rotate", "vault-main:payments/db", "--generate", "password", "--config", cluster.ConfigPath],
            new Dictionary<string, string?> { ["DOTNET_NOLOGO"] = "1", ["VAULT_TOKEN"] = "not-the-operators-token" }, timeout: TimeSpan.FromMinutes(2));

        Assert.Equal(1, elsewhere.ExitCode);
        Assert.Contains("127.0.0.1:9", elsewhere.StandardError, StringComparison.Ordinal);
        Assert.Equal(1, badToken.ExitCode);
        Assert.Equal(1, cluster.Vault.ReadSecret("secret", "payments/db")!.Version);
    }

    [Fact]
    public async Task DryRun_NamesTheKeysThatWouldChange_AndWritesNothing()
    {
        await using var cluster = await StartAsync();

        var dryRun = await RotateAsync(cluster, "vault-main:payments/db", "--set", "user=app", "--generate", "password", "--dry-run");

        Assert.True(dryRun.ExitCode == 0, dryRun.ToString());
        Assert.Contains("(version 1): would change password; nothing written (--dry-run)", dryRun.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(1, cluster.Vault.ReadSecret("secret", "payments/db")!.Version);
    }

    [Fact]
    public async Task SetFile_ReadsTheValueFromStandardInput_SoItIsNeverInArgv()
    {
        await using var cluster = await StartAsync();

        var rotate = await Tool.RunAsync("dotnet", [DaemonProcess.Executable, "rotate", "vault-main:payments/db", "--set-file", "password=-", "--config", cluster.ConfigPath],
            new Dictionary<string, string?> { ["DOTNET_NOLOGO"] = "1" }, standardInput: "pw-from-stdin-7\n", timeout: TimeSpan.FromMinutes(2));

        Assert.True(rotate.ExitCode == 0, rotate.ToString());
        Assert.Equal("pw-from-stdin-7", cluster.Vault.ReadSecret("secret", "payments/db")!.Data!["password"].GetString());
        Assert.DoesNotContain("pw-from-stdin-7", rotate.StandardOutput + rotate.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWriteBetweenReadAndCheckAndSet_IsReportedAsAMismatch_AndNothingIsWritten()
    {
        await using var cluster = await StartAsync();
        // Hold rotate's write back long enough for another writer to get in after its read.
        using var slowWrite = cluster.Vault.Faults.Add(new FaultRule { Method = "POST", PathPrefix = "/v1/secret/data/payments/db", Latency = TimeSpan.FromSeconds(3), Times = 1 });

        var rotating = RotateAsync(cluster, "vault-main:payments/db", "--set", "password=pw-rotate-lost");
        await Eventually.TrueAsync(() => cluster.Vault.Requests.CountWhere(r => r.Verb == "read" && r.Path.EndsWith("/payments/db", StringComparison.Ordinal)) > 0,
            "rotate read the current version", TimeSpan.FromSeconds(60));
        cluster.Vault.WriteSecret("secret", "payments/db", new Dictionary<string, object?> { ["user"] = "app", ["password"] = "pw-someone-else" });
        var rotate = await rotating;

        Assert.True(rotate.ExitCode == 1, rotate.ToString());
        Assert.Contains("check-and-set failed", rotate.StandardError, StringComparison.Ordinal);
        Assert.Contains("is at version 2, not 1", rotate.StandardError, StringComparison.Ordinal);
        Assert.Equal("pw-someone-else", cluster.Vault.ReadSecret("secret", "payments/db")!.Data!["password"].GetString());
        Assert.DoesNotContain("pw-", rotate.StandardOutput + rotate.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("no change", "vault-main:payments/db")]
    [InlineData("not PROVIDER:PATH", "payments/db", "--set", "password=x-secret")]
    [InlineData("unknown provider", "vault-dr:payments/db", "--set", "password=x-secret")]
    [InlineData("set without =", "vault-main:payments/db", "--set", "x-secret")]
    [InlineData("bad length", "vault-main:payments/db", "--generate", "password:0")]
    [InlineData("wait without database", "vault-main:payments/db", "--set", "password=x-secret", "--wait")]
    [InlineData("bad timeout", "vault-main:payments/db", "--set", "password=x-secret", "--timeout", "soon")]
    public async Task UsageErrors_ExitWithTwo_WriteNothing_AndEchoNoValue(string why, params string[] arguments)
    {
        await using var cluster = await StartAsync();

        var rotate = await RotateAsync(cluster, arguments);

        Assert.True(rotate.ExitCode == 2, $"{why}: {rotate}");
        Assert.StartsWith("error: ", rotate.StandardError, StringComparison.Ordinal);
        Assert.Equal(1, cluster.Vault.ReadSecret("secret", "payments/db")!.Version);
        Assert.DoesNotContain("x-secret", rotate.StandardOutput + rotate.StandardError, StringComparison.Ordinal);
    }

    private static async Task<TestCluster> StartAsync()
    {
        var cluster = await TestCluster.StartAsync();
        cluster.Vault.WriteSecret("secret", "payments/db", new Dictionary<string, object?> { ["user"] = "app", ["password"] = "pw-rotate-1" });
        cluster.WriteConfig(Fleet.Bundles);
        return cluster;
    }

    private static Task<ToolResult> RotateAsync(TestCluster cluster, params string[] arguments) =>
        Tool.RunAsync("dotnet", [DaemonProcess.Executable, "rotate", .. arguments, "--config", cluster.ConfigPath],
            new Dictionary<string, string?> { ["DOTNET_NOLOGO"] = "1" }, timeout: TimeSpan.FromMinutes(2));
}
