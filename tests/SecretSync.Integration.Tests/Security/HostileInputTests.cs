using System.Text;
using SecretSync.Core.Audit;
using SecretSync.Testing;
using SecretSync.Testing.Cluster;

namespace SecretSync.Integration.Tests.Security;

public sealed class HostileInputTests
{
    private const string V1 = "hostile-pw-v1-Nc72Q";
    private const string V2 = "hostile-pw-v2-Lp90W";
    private const string V3 = "hostile-pw-v3-Xe31M";
    private const string Blob = "hostile-blob-Jr64T";

    // Each namespace's annotation is hostile in its own way; none may get anything, and each is told why.
    private static readonly (string Namespace, string Bundles, string Why)[] Hostile =
    [
        ("evil-case", "APPS, Apps", "APPS"),
        ("evil-path", "good/apps,../apps,*", "good/apps"),
        ("evil-unicode", "аpps,apps\u200B,\u202Eapps", "pps"),
        ("evil-huge", string.Join(',', Enumerable.Range(0, 2_000).Select(i => $"Bundle{i}")), "Bundle0"),
        ("evil-denied", "locked", "not allowed bundle locked"),
    ];

    [Fact]
    public async Task HostileAnnotationsAndAnOversizedValue_AreRefusedWithClearEvents_WhileAWellBehavedNamespaceKeepsSyncing()
    {
        await using var cluster = await TestCluster.StartAsync();
        cluster.Seed("apps/db", ("password", V1));
        cluster.Seed("apps/blob", ("blob", Blob));
        cluster.Namespace("good", bundles: "apps");
        foreach (var (ns, bundles, _) in Hostile)
        {
            cluster.Namespace(ns, new Dictionary<string, string> { ["team"] = "games" }, bundles);
        }

        cluster.WriteSyncConfig(
            "bundles:\n" + SyncScenario.BundleEntry("apps", null, ("apps/db", "db"), ("apps/blob", "blob"))
            + SyncScenario.BundleEntry("locked", ("team", "payments"), ("apps/db", "locked-db")),
            audit: "audit:\n  sinks: [stdout, events]");
        var daemon = cluster.StartDaemon();
        await daemon.WaitLeadingAsync();
        await daemon.WaitForAuditCountAsync(e => e.Action == AuditActions.Created && e.Namespace == "good", 2, "both Secrets created in good");

        foreach (var (ns, _, why) in Hostile)
        {
            var denied = await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Denied && e.Namespace == ns, $"a denied event for {ns}");
            Assert.Contains(why, denied.Detail ?? "", StringComparison.Ordinal);
        }

        // A value over the Secret limit is refused with a clear error; the last good Secret stays.
        cluster.Seed("apps/blob", ("blob", Blob + new string('x', 1_100_000)));
        var refused = await daemon.WaitForAuditAsync(e => e.Action == AuditActions.Failed && e.Secret == "blob", "the oversized value refused");
        Assert.Equal(("good", "apps/blob", "2"), (refused.Namespace, refused.Source, refused.SourceVersion));
        Assert.Contains("over the Secret limit of 1048576", refused.Error, StringComparison.Ordinal);

        // Rotations still propagate, before and after the refusal.
        cluster.Seed("apps/db", ("password", V2));
        await Eventually.TrueAsync(() => cluster.SecretValue("good", "db", "password") == V2, "v2 in good");
        cluster.Seed("apps/db", ("password", V3));
        await Eventually.TrueAsync(() => cluster.SecretValue("good", "db", "password") == V3, "v3 in good");

        Assert.False(daemon.HasExited, "the daemon exited");
        Assert.Equal(Blob, cluster.SecretValue("good", "blob", "blob"));
        Assert.Equal("1", cluster.SyncedVersion("good", "blob"));
        Assert.Empty(cluster.SecretWritesIn(ns => ns.StartsWith("evil-", StringComparison.Ordinal)));
        Assert.All(Hostile, h => Assert.Empty(cluster.Kubernetes.List("secrets", h.Namespace)));
        Assert.Equal(["blob", "db"], cluster.Kubernetes.List("secrets", "good").Select(s => s["metadata"]!["name"]!.GetValue<string>()).Order(StringComparer.Ordinal));

        var outputs = new Dictionary<string, string>
        {
            ["stdout"] = daemon.StandardOutput,
            ["stderr"] = daemon.StandardError,
            ["/status"] = await daemon.GetAsync("status"),
            ["/metrics"] = await daemon.GetAsync("metrics"),
            ["Kubernetes Events"] = string.Join('\n', cluster.Kubernetes.List("events").Select(e => e.ToJsonString())),
        };
        foreach (var value in new[] { V1, V2, V3, Blob })
        {
            foreach (var (where, text) in outputs)
            {
                Assert.False(text.Contains(value, StringComparison.Ordinal), $"{where} contains the value {value}");
                Assert.False(text.Contains(Convert.ToBase64String(Encoding.UTF8.GetBytes(value)), StringComparison.Ordinal), $"{where} contains the base64 of {value}");
            }
        }
    }
}
