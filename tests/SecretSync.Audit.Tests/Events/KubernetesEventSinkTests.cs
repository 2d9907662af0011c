using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using SecretSync.Audit.Events;
using SecretSync.Audit.Tests.Support;
using SecretSync.Core.Audit;
using SecretSync.DevStack.Hosting;
using SecretSync.Kubernetes.Errors;
using SecretSync.Kubernetes.Models;

namespace SecretSync.Audit.Tests.Events;

public sealed class KubernetesEventSinkTests
{
    [Fact]
    public async Task DeniedBundle_BecomesOneWarningEventAboutTheNamespace()
    {
        await using var stack = await EventStack.StartAsync("payments");
        var sink = stack.Sink();
        var denied = stack.Audit(AuditActions.Denied, "payments", outcome: AuditOutcomes.Skipped) with
        {
            Provider = null, Source = null, SourceVersion = null, Detail = "namespace lacks label team=payments",
        };

        await sink.WriteAsync(denied, CancellationToken.None);

        var written = Assert.Single(await stack.EventsAsync("payments"));
        Assert.Equal(Event.WarningType, written.Type);
        Assert.Equal("BundleDenied", written.Reason);
        Assert.Equal(("v1", "Namespace", "payments", "payments"), (written.InvolvedObject!.ApiVersion, written.InvolvedObject.Kind, written.InvolvedObject.Name, written.InvolvedObject.Namespace));
        Assert.Equal("secretsync", written.Source!.Component);
        Assert.Equal("secretsync", written.ReportingComponent);
        Assert.Equal("secretsync-0", written.ReportingInstance);
        Assert.Equal(1, written.Count);
        Assert.Equal(stack.Clock.GetUtcNow(), written.FirstTimestamp);
        Assert.Equal(written.FirstTimestamp, written.LastTimestamp);
        Assert.Contains("payments-db", written.Message, StringComparison.Ordinal);
        Assert.Contains("namespace lacks label team=payments", written.Message, StringComparison.Ordinal);
        Assert.StartsWith("payments.", written.Metadata.Name, StringComparison.Ordinal);
        Assert.Equal(1, stack.Writes("payments", "create"));
    }

    [Fact]
    public async Task ConflictOnASecret_IsAboutThatSecret()
    {
        await using var stack = await EventStack.StartAsync("payments");
        var sink = stack.Sink();

        await sink.WriteAsync(stack.Audit(AuditActions.Conflict, "payments", "db-credentials", AuditOutcomes.Skipped), CancellationToken.None);

        var written = Assert.Single(await stack.EventsAsync("payments"));
        Assert.Equal((Event.WarningType, "SecretConflict"), (written.Type, written.Reason));
        Assert.Equal(("v1", "Secret", "db-credentials", "payments"), (written.InvolvedObject!.ApiVersion, written.InvolvedObject.Kind, written.InvolvedObject.Name, written.InvolvedObject.Namespace));
        Assert.StartsWith("db-credentials.", written.Metadata.Name, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EventsWithoutANamespace_OrWithActionsThatAreNotEvented_WriteNothing()
    {
        await using var stack = await EventStack.StartAsync("payments");
        var sink = stack.Sink();

        await sink.WriteAsync(stack.Audit(AuditActions.ConfigRejected, "payments"), CancellationToken.None);
        await sink.WriteAsync(stack.Audit(AuditActions.Failed, "payments") with { Namespace = null }, CancellationToken.None);

        Assert.Equal(0, stack.K8s.Requests.Count);
        Assert.Empty(await stack.EventsAsync("payments"));
    }

    [Fact]
    public async Task SameCondition_Repeated50Times_CreatesOnceThenPatchesTheCount()
    {
        await using var stack = await EventStack.StartAsync("payments");
        var sink = stack.Sink();
        var first = stack.Clock.GetUtcNow();

        for (var i = 0; i < 50; i++)
        {
            // One a second: the default 10 per second never limits it.
            await sink.WriteAsync(stack.Audit(AuditActions.Failed, "payments", "db-credentials", AuditOutcomes.Failure) with { Error = $"vault answered 503 (attempt {i})" }, CancellationToken.None);
            stack.Clock.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(1, stack.Writes("payments", "create"));
        Assert.Equal(49, stack.Writes("payments", "patch"));
        var written = Assert.Single(await stack.EventsAsync("payments"));
        Assert.Equal(50, written.Count);
        Assert.Equal(first, written.FirstTimestamp);
        Assert.Equal(first.AddSeconds(49), written.LastTimestamp);
        Assert.Contains("attempt 49", written.Message, StringComparison.Ordinal);
        Assert.Equal(50, (int)stack.K8s.Get("events", "payments", written.Metadata.Name!)!["count"]!);
        Assert.Equal((0, 0), (sink.Folded, sink.Dropped));
    }

    [Fact]
    public async Task SameCondition_Repeated50TimesAtOnce_FoldsWhatTheLimitRefusesIntoTheNextUpdate()
    {
        await using var stack = await EventStack.StartAsync("payments");
        var sink = stack.Sink();

        for (var i = 0; i < 50; i++)
        {
            await sink.WriteAsync(stack.Audit(AuditActions.Conflict, "payments", "db-credentials", AuditOutcomes.Skipped), CancellationToken.None);
        }

        // The burst of 25 is spent: one create, 24 patches; the other 25 wait for the next update.
        Assert.Equal((1, 24), (stack.Writes("payments", "create"), stack.Writes("payments", "patch")));
        Assert.Equal(25, Assert.Single(await stack.EventsAsync("payments")).Count);
        Assert.Equal((25, 0), (sink.Folded, sink.Dropped));

        stack.Clock.Advance(TimeSpan.FromSeconds(1));
        await sink.WriteAsync(stack.Audit(AuditActions.Conflict, "payments", "db-credentials", AuditOutcomes.Skipped), CancellationToken.None);

        Assert.Equal(25, stack.Writes("payments", "patch"));
        var written = Assert.Single(await stack.EventsAsync("payments"));
        Assert.Equal(51, written.Count);
        Assert.Equal(stack.Clock.GetUtcNow(), written.LastTimestamp);
    }

    [Fact]
    public async Task StormOfOneThousandDistinctConflictsInOneSecond_WritesAtMostBurstPlusRateTimesElapsed()
    {
        await using var stack = await EventStack.StartAsync("payments");
        using var meters = new RecordingMeterFactory();
        var options = new KubernetesEventSinkOptions();
        var sink = stack.Sink(options, meters);
        var started = stack.Clock.GetUtcNow();

        for (var i = 0; i < 1000; i++)
        {
            await sink.WriteAsync(stack.Audit(AuditActions.Conflict, "payments", $"secret-{i}", AuditOutcomes.Skipped), CancellationToken.None);
            stack.Clock.Advance(TimeSpan.FromMilliseconds(1));
        }

        var elapsed = (stack.Clock.GetUtcNow() - started).TotalSeconds;
        var writes = stack.Writes("payments");
        Assert.InRange(writes, options.Burst, options.Burst + (options.Qps * elapsed));
        Assert.Equal(writes, stack.Writes("payments", "create"));
        Assert.Equal(writes, (await stack.EventsAsync("payments")).Count);
        Assert.Equal(1000 - writes, sink.Dropped);
        Assert.Equal(1000 - writes, meters.Total(KubernetesEventSink.DroppedCounterName));
    }

    [Fact]
    public async Task SameCondition_AfterTheWindow_StartsANewEvent()
    {
        await using var stack = await EventStack.StartAsync("payments");
        var sink = stack.Sink(new KubernetesEventSinkOptions { Window = TimeSpan.FromMinutes(10) });

        await sink.WriteAsync(stack.Audit(AuditActions.Conflict, "payments", "db-credentials", AuditOutcomes.Skipped), CancellationToken.None);
        stack.Clock.Advance(TimeSpan.FromMinutes(9));
        await sink.WriteAsync(stack.Audit(AuditActions.Conflict, "payments", "db-credentials", AuditOutcomes.Skipped), CancellationToken.None);
        stack.Clock.Advance(TimeSpan.FromMinutes(11));
        await sink.WriteAsync(stack.Audit(AuditActions.Conflict, "payments", "db-credentials", AuditOutcomes.Skipped), CancellationToken.None);

        var written = (await stack.EventsAsync("payments")).OrderBy(e => e.FirstTimestamp).ToList();
        Assert.Equal([2, 1], written.Select(e => e.Count ?? 0));
        Assert.Equal((2, 1), (stack.Writes("payments", "create"), stack.Writes("payments", "patch")));
    }

    [Fact]
    public async Task DifferentReasonsOnTheSameSecret_AreSeparateEvents()
    {
        await using var stack = await EventStack.StartAsync("payments");
        var sink = stack.Sink();

        await sink.WriteAsync(stack.Audit(AuditActions.Created, "payments", "db-credentials"), CancellationToken.None);
        await sink.WriteAsync(stack.Audit(AuditActions.Updated, "payments", "db-credentials"), CancellationToken.None);
        await sink.WriteAsync(stack.Audit(AuditActions.Updated, "payments", "db-credentials") with { SourceVersion = "5" }, CancellationToken.None);

        var written = await stack.EventsAsync("payments");
        Assert.Equal(["SecretRotated:2", "SecretSynced:1"], written.Select(e => $"{e.Reason}:{e.Count}").Order(StringComparer.Ordinal));
        Assert.All(written, e => Assert.Equal(Event.NormalType, e.Type));
        Assert.Contains("version 5", written.Single(e => e.Reason == "SecretRotated").Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EventDeletedSinceItsLastWrite_IsCreatedAgainWithItsFullCount()
    {
        await using var stack = await EventStack.StartAsync("payments");
        var sink = stack.Sink();
        await sink.WriteAsync(stack.Audit(AuditActions.Revoked, "payments", "db-credentials"), CancellationToken.None);
        var name = Assert.Single(await stack.EventsAsync("payments")).Metadata.Name!;
        Assert.True(stack.K8s.Delete("events", "payments", name));

        stack.Clock.Advance(TimeSpan.FromSeconds(5));
        await sink.WriteAsync(stack.Audit(AuditActions.Revoked, "payments", "db-credentials"), CancellationToken.None);

        var written = Assert.Single(await stack.EventsAsync("payments"));
        Assert.Equal((name, 2, "SecretRevoked", Event.WarningType), (written.Metadata.Name, written.Count, written.Reason, written.Type));
        Assert.Equal(1, stack.K8s.Requests.CountWhere(r => r.Verb == "patch" && r.Status == 404));
        Assert.Equal(2, stack.Writes("payments", "create"));
    }

    [Fact]
    public async Task ApiFailure_PropagatesFromWriteAsync()
    {
        await using var stack = await EventStack.StartAsync("payments");
        var sink = stack.Sink();
        using var fault = stack.K8s.Faults.Add(new FaultRule { Method = "POST", PathPrefix = "/api/v1/namespaces/payments/events", StatusCode = 500 });

        var error = await Assert.ThrowsAsync<KubernetesApiException>(
            async () => await sink.WriteAsync(stack.Audit(AuditActions.Failed, "payments", "db-credentials", AuditOutcomes.Failure), CancellationToken.None));

        Assert.Equal(KubernetesErrorReason.ServerError, error.Reason);
        Assert.Empty(await stack.EventsAsync("payments"));
    }

    [Fact]
    public async Task ApiFailureOnAnUpdate_KeepsTheCountForTheNextOne()
    {
        await using var stack = await EventStack.StartAsync("payments");
        var sink = stack.Sink();
        await sink.WriteAsync(stack.Audit(AuditActions.Conflict, "payments", "db-credentials"), CancellationToken.None);
        using (stack.K8s.Faults.Add(new FaultRule { Method = "PATCH", StatusCode = 500, Times = 1 }))
        {
            await Assert.ThrowsAsync<KubernetesApiException>(
                async () => await sink.WriteAsync(stack.Audit(AuditActions.Conflict, "payments", "db-credentials"), CancellationToken.None));
        }

        await sink.WriteAsync(stack.Audit(AuditActions.Conflict, "payments", "db-credentials"), CancellationToken.None);

        // The failed occurrence was reported as a failure of the sink, so it is not counted twice.
        Assert.Equal(2, Assert.Single(await stack.EventsAsync("payments")).Count);
    }

    [Fact]
    public async Task Message_NamesOnlyTheWhitelistedFields_AndNoIdentityHashOrTiming()
    {
        await using var stack = await EventStack.StartAsync("ns-mark");
        var sink = stack.Sink();
        var marked = new AuditEvent
        {
            Id = "ID-MARK",
            Sequence = 424242,
            Time = stack.Clock.GetUtcNow(),
            Cluster = "CLUSTER-MARK",
            Instance = "INSTANCE-MARK",
            Action = AuditActions.Failed,
            Outcome = AuditOutcomes.Failure,
            Trigger = "TRIGGER-MARK",
            Namespace = "ns-mark",
            Secret = "secret-mark",
            Bundle = "BUNDLE-MARK",
            Provider = "PROVIDER-MARK",
            Source = "SOURCE-MARK",
            SourceVersion = "VERSION-MARK",
            PreviousVersion = "PREVIOUS-MARK",
            ContentHmac = "hmac-sha256:HMAC-MARK",
            Error = "ERROR-MARK",
            Detail = "DETAIL-MARK",
            LatencyMs = 98765.4321,
        };

        await sink.WriteAsync(marked, CancellationToken.None);

        var message = Assert.Single(await stack.EventsAsync("ns-mark")).Message!;
        foreach (var allowed in (string[])["BUNDLE-MARK", "PROVIDER-MARK", "SOURCE-MARK", "VERSION-MARK", "ERROR-MARK", "DETAIL-MARK"])
        {
            Assert.Contains(allowed, message, StringComparison.Ordinal);
        }

        foreach (var forbidden in (string[])["ID-MARK", "424242", "CLUSTER-MARK", "INSTANCE-MARK", "TRIGGER-MARK", "ns-mark", "secret-mark", "PREVIOUS-MARK", "HMAC-MARK", "hmac-sha256", "98765"])
        {
            Assert.DoesNotContain(forbidden, message, StringComparison.Ordinal);
        }

        // Nothing else: removing the allowed fields leaves only the fixed wording.
        var residue = message;
        foreach (var allowed in (string[])["BUNDLE-MARK", "PROVIDER-MARK", "SOURCE-MARK", "VERSION-MARK", "ERROR-MARK", "DETAIL-MARK"])
        {
            residue = residue.Replace(allowed, "", StringComparison.Ordinal);
        }

        Assert.DoesNotContain("MARK", residue, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LongDetail_IsCutToOneKibibyteOfUtf8()
    {
        await using var stack = await EventStack.StartAsync("payments");
        var sink = stack.Sink();

        await sink.WriteAsync(stack.Audit(AuditActions.Denied, "payments") with { Detail = string.Concat(Enumerable.Repeat("é🔑x\n", 2000)) }, CancellationToken.None);

        var message = Assert.Single(await stack.EventsAsync("payments")).Message!;
        Assert.InRange(Encoding.UTF8.GetByteCount(message), 1000, 1024);
        Assert.EndsWith("…", message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', message);
        Assert.DoesNotContain('\uFFFD', message);
    }

    [Fact]
    public async Task ThroughTheAuditTrail_ADeniedNamespaceGetsItsEvent()
    {
        await using var stack = await EventStack.StartAsync("payments");
        var sink = stack.Sink();
        await using (var trail = new AuditTrail(new AuditIdentity("prod-eu-1", "secretsync-7"), [sink], stack.Clock, NullLogger<AuditTrail>.Instance))
        {
            trail.Record(AuditActions.Denied, AuditOutcomes.Skipped, e => e with { Namespace = "payments", Bundle = "payments-db" });
            await trail.FlushAsync(CancellationToken.None);
        }

        var written = Assert.Single(await stack.EventsAsync("payments"));
        Assert.Equal(("BundleDenied", "secretsync-7"), (written.Reason, written.ReportingInstance));
    }

    [Fact]
    public void InvalidOptions_AreRefusedAtConstruction()
    {
        using var client = new Kubernetes.Client.KubernetesClient(new Kubernetes.Config.KubernetesClientConfig { Server = new Uri("http://127.0.0.1:1/") });

        Assert.Throws<ArgumentOutOfRangeException>(() => new KubernetesEventSink(client, TimeProvider.System, new KubernetesEventSinkOptions { Qps = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new KubernetesEventSink(client, TimeProvider.System, new KubernetesEventSinkOptions { Burst = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new KubernetesEventSink(client, TimeProvider.System, new KubernetesEventSinkOptions { Window = TimeSpan.Zero }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new KubernetesEventSink(client, TimeProvider.System, new KubernetesEventSinkOptions { Qps = double.NaN }));
    }

    /// <summary>Creates meters and sums what their counters record, so parallel tests do not mix.</summary>
    private sealed class RecordingMeterFactory : IMeterFactory
    {
        private readonly List<Meter> _meters = [];
        private readonly Dictionary<string, long> _totals = [];
        private readonly MeterListener _listener = new();

        public RecordingMeterFactory()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                lock (_meters)
                {
                    if (_meters.Contains(instrument.Meter))
                    {
                        listener.EnableMeasurementEvents(instrument);
                    }
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
            {
                lock (_totals)
                {
                    _totals[instrument.Name] = _totals.GetValueOrDefault(instrument.Name) + value;
                }
            });
            _listener.Start();
        }

        public long Total(string name)
        {
            lock (_totals)
            {
                return _totals.GetValueOrDefault(name);
            }
        }

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            lock (_meters)
            {
                _meters.Add(meter);
            }

            return meter;
        }

        public void Dispose()
        {
            _listener.Dispose();
            foreach (var meter in _meters)
            {
                meter.Dispose();
            }
        }
    }
}
