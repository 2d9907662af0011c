using System.Text;
using SecretSync.Core.Audit;
using SecretSync.DevStack.Hosting;
using SecretSync.Testing;
using SecretSync.Testing.Cluster;

namespace SecretSync.Integration.Tests.Sync;

public sealed class SecretHygieneTests
{
    // Distinctive values: any of them, or its base64 form, turning up in an output is a leak.
    private const string User = "leak-user-Q7xW2";
    private const string PasswordV1 = "leak-pw-v1-Zq93K";
    private const string PasswordV2 = "leak-pw-v2-Rt55J";
    private const string Token = "leak-token-Mm41P";
    private const string HandMade = "leak-handmade-Kp2Vd";
    private const string Tampered = "leak-tampered-Hh67Y";

    [Fact]
    public async Task NoSeededValueAppears_InStdoutStderrStatusMetricsOrEvents_AcrossEveryKindOfSync()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Seed("leak/db", ("user", User), ("password", PasswordV1));
        cluster.Seed("leak/api", ("token", Token));
        var team = new Dictionary<string, string> { ["team"] = "leak" };
        cluster.Namespace("leak-a", team, "leak");
        cluster.Namespace("leak-b", team, "leak");
        cluster.Namespace("leak-denied", new Dictionary<string, string> { ["team"] = "other" }, "leak");
        cluster.Kubernetes.Apply(SyncScenario.UnmanagedSecret("leak-b", "api", ("token", HandMade)));
        cluster.WriteSyncConfig(
            "bundles:\n" + SyncScenario.BundleEntry("leak", ("team", "leak"), ("leak/db", "db"), ("leak/api", "api")),
            audit: "audit:\n  sinks: [stdout, events]");
        var daemon = cluster.StartDaemon();
        await daemon.WaitLeadingAsync();
        await daemon.WaitForAuditCountAsync(e => e.Action == AuditActions.Created, 3, "created");
        await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Conflict, "conflict");
        await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Denied, "denied");

        cluster.Seed("leak/db", ("user", User), ("password", PasswordV2));
        await daemon.WaitForAuditCountAsync(e => e.Action == AuditActions.Updated, 2, "rotated");

        var edited = cluster.Secret("leak-a", "db")!;
        edited["data"]!["password"] = Base64(Tampered);
        edited["metadata"]!.AsObject().Remove("resourceVersion");
        cluster.Kubernetes.Apply(edited);
        await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Restored, "restored");

        using (cluster.Vault.Faults.Add(new FaultRule { Verb = "metadata-read", StatusCode = 403 }))
        {
            await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Failed, "a failed version check");
        }

        cluster.Vault.DeleteMetadata(SyncScenario.Mount, "leak/api");
        await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Revoked, "revoked");
        await Eventually.TrueAsync(() => cluster.Kubernetes.List("events").Count >= 4, "Kubernetes Events written");

        var outputs = new Dictionary<string, string>
        {
            ["stdout"] = daemon.StandardOutput,
            ["stderr"] = daemon.StandardError,
            ["/status"] = await daemon.GetAsync("status"),
            ["/metrics"] = await daemon.GetAsync("metrics"),
            ["Kubernetes Events"] = string.Join('\n', cluster.Kubernetes.List("events").Select(e => e.ToJsonString())),
        };
        Assert.All(outputs, output => Assert.True(output.Value.Length > 0, $"{output.Key} is empty, so the check would prove nothing"));
        foreach (var value in new[] { User, PasswordV1, PasswordV2, Token, HandMade, Tampered })
        {
            foreach (var (where, text) in outputs)
            {
                Assert.False(text.Contains(value, StringComparison.Ordinal), $"{where} contains the value {value}");
                Assert.False(text.Contains(Base64(value), StringComparison.Ordinal), $"{where} contains the base64 of {value}");
            }
        }
    }

    private static string Base64(string value) => Convert.ToBase64String(Encoding.UTF8.GetBytes(value));
}
