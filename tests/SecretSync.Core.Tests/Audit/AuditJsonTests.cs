using System.Text.Json;
using SecretSync.Core.Audit;

namespace SecretSync.Core.Tests.Audit;

public sealed class AuditJsonTests
{
    private static readonly AuditEvent Sample = new()
    {
        Id = "01J0000000000000000000000",
        Sequence = 42,
        Time = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
        Cluster = "prod-eu-1",
        Instance = "secretsync-0",
        Action = AuditActions.ConfigRejected,
        Outcome = AuditOutcomes.Failure,
        Trigger = AuditTriggers.Manual,
        Namespace = "payments",
        Secret = "db-credentials",
        SourceVersion = "4",
        PreviousVersion = "3",
        ContentHmac = "hmac-sha256:ab",
        Error = "line one\nline two",
        LatencyMs = 12.5,
    };

    [Fact]
    public void Serialize_IsOneLineOfSnakeCaseJson()
    {
        var line = AuditJson.Serialize(Sample);

        Assert.DoesNotContain('\n', line);
        using var json = JsonDocument.Parse(line);
        var root = json.RootElement;
        Assert.Equal("config-rejected", root.GetProperty("action").GetString());
        Assert.Equal("4", root.GetProperty("source_version").GetString());
        Assert.Equal("3", root.GetProperty("previous_version").GetString());
        Assert.Equal("hmac-sha256:ab", root.GetProperty("content_hmac").GetString());
        Assert.Equal(12.5, root.GetProperty("latency_ms").GetDouble());
        Assert.Equal(42, root.GetProperty("sequence").GetInt64());
        Assert.Equal("2026-01-02T03:04:05+00:00", root.GetProperty("time").GetString());
    }

    [Fact]
    public void Serialize_OmitsNullFields()
    {
        var line = AuditJson.Serialize(Sample with { Bundle = null, Error = null });

        Assert.DoesNotContain("\"bundle\"", line, StringComparison.Ordinal);
        Assert.DoesNotContain("\"error\"", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Deserialize_RoundTrips() => Assert.Equal(Sample, AuditJson.Deserialize(AuditJson.Serialize(Sample)));

    [Fact]
    public void Vocabulary_MatchesTheDesign()
    {
        Assert.Equal(["created", "updated", "revoked", "pruned", "restored", "conflict", "denied", "failed",
            "config-rejected", "config-loaded", "revocation-paused", "prune-paused", "restarted", "suppressed"], AuditActions.All);
        Assert.DoesNotContain("unchanged", AuditActions.All);
        Assert.Equal(["startup", "poll", "event", "namespace", "drift", "manual", "config"], AuditTriggers.All);
    }
}
