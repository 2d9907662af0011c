using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using SecretSync.Core.Audit;
using SecretSync.Testing;

namespace SecretSync.Audit.Tests.Trail;

/// <summary>A tenant flapping its annotations cannot flood the trail, and never hides a write.</summary>
public sealed class TenantRateLimitTests
{
    private static readonly TenantRateLimit Limit = new() { Burst = 5, Refill = TimeSpan.FromSeconds(10), SummaryInterval = TimeSpan.FromMinutes(1) };

    [Fact]
    public async Task AFloodOfDeniedEvents_IsCutToTheBurst_WithOneSummary_WhileWritesAndOtherNamespacesPass()
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        var sink = new Collecting();
        await using (var trail = new AuditTrail(new AuditIdentity("prod", "secretsync-0"), [sink], clock, NullLogger<AuditTrail>.Instance, Limit))
        {
            for (var i = 0; i < 200; i++)
            {
                trail.Record(AuditActions.Denied, AuditOutcomes.Skipped, e => e with { Namespace = "checkout", Bundle = $"payments-db-{i}" });
                trail.Record(AuditActions.Failed, AuditOutcomes.Failure, e => e with { Namespace = "checkout", Trigger = AuditTriggers.Namespace });
            }

            for (var i = 0; i < 30; i++)
            {
                trail.Record(AuditActions.Created, AuditOutcomes.Success, e => e with { Namespace = "checkout", Trigger = AuditTriggers.Namespace, Secret = $"s-{i}" });
                trail.Record(AuditActions.Pruned, AuditOutcomes.Success, e => e with { Namespace = "checkout", Trigger = AuditTriggers.Namespace, Secret = $"s-{i}" });
            }

            trail.Record(AuditActions.Denied, AuditOutcomes.Skipped, e => e with { Namespace = "payments" });
            clock.Advance(TimeSpan.FromMinutes(1));
            await trail.FlushAsync(CancellationToken.None);
        }

        var checkout = sink.Events.Where(e => e.Namespace == "checkout").ToList();
        Assert.Equal(5, checkout.Count(e => e.Action is AuditActions.Denied or AuditActions.Failed));
        Assert.Equal(30, checkout.Count(e => e.Action == AuditActions.Created));
        Assert.Equal(30, checkout.Count(e => e.Action == AuditActions.Pruned));
        var summary = Assert.Single(checkout, e => e.Action == AuditActions.Suppressed);
        Assert.StartsWith("395 tenant-triggered event(s)", summary.Detail, StringComparison.Ordinal);
        Assert.Single(sink.Events, e => e.Namespace == "payments" && e.Action == AuditActions.Denied);
    }

    [Fact]
    public async Task TheBucketRefillsOnTheClock()
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        var sink = new Collecting();
        await using (var trail = new AuditTrail(new AuditIdentity("prod", "secretsync-0"), [sink], clock, NullLogger<AuditTrail>.Instance, Limit))
        {
            for (var i = 0; i < 6; i++)
            {
                trail.Record(AuditActions.Conflict, AuditOutcomes.Skipped, e => e with { Namespace = "checkout" });
            }

            clock.Advance(TimeSpan.FromSeconds(20));
            for (var i = 0; i < 3; i++)
            {
                trail.Record(AuditActions.Conflict, AuditOutcomes.Skipped, e => e with { Namespace = "checkout" });
            }

            await trail.FlushAsync(CancellationToken.None);
        }

        Assert.Equal(7, sink.Events.Count(e => e.Action == AuditActions.Conflict));
        Assert.StartsWith("2 tenant-triggered", Assert.Single(sink.Events, e => e.Action == AuditActions.Suppressed).Detail, StringComparison.Ordinal);
    }

    private sealed class Collecting : IAuditSink
    {
        private readonly ConcurrentQueue<AuditEvent> _events = new();

        public IReadOnlyList<AuditEvent> Events => [.. _events];

        public ValueTask WriteAsync(AuditEvent auditEvent, CancellationToken cancellationToken)
        {
            _events.Enqueue(auditEvent);
            return ValueTask.CompletedTask;
        }
    }
}
