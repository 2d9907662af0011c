using System.Collections.Concurrent;
using SecretSync.Core.Resilience;
using SecretSync.DevStack.Hosting;
using SecretSync.Kubernetes.Errors;
using SecretSync.Kubernetes.Models;
using SecretSync.Kubernetes.Tests.Support;
using SecretSync.Kubernetes.Watch;
using SecretSync.Testing;

namespace SecretSync.Kubernetes.Tests.Watch;

public sealed class ReflectorTests
{
    private static ReflectorOptions Fast(ConcurrentQueue<Exception>? errors = null, int pageSize = 500, bool deliverPages = false) => new()
    {
        Backoff = new Backoff(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(400), jitter: 0.5),
        PageSize = pageSize,
        DeliverPages = deliverPages,
        OnError = errors is null ? null : errors.Enqueue,
    };

    [Fact]
    public async Task Reflector_StartsWithTheFullSet_ThenDeliversChanges()
    {
        await using var k8s = await Emulators.StartAsync();
        using var client = Emulators.ClientFor(k8s);
        for (var i = 0; i < 5; i++)
        {
            await client.Secrets.CreateAsync(Emulators.Secret("default", $"s{i}"));
        }

        using var stop = new CancellationTokenSource();
        await using var events = client.Secrets.ReflectAsync("default", Fast(pageSize: 2), stop.Token).GetAsyncEnumerator();

        var relisted = await events.NextAsync();
        Assert.Equal(ReflectorEventType.Relisted, relisted.Type);
        Assert.Equal(5, relisted.Items.Count);
        Assert.Equal(3, k8s.Requests.CountWhere(r => r.Verb == "list"));

        await client.Secrets.CreateAsync(Emulators.Secret("default", "new"));
        var added = await events.NextAsync();
        Assert.Equal((ReflectorEventType.Added, "new"), (added.Type, added.Object!.Metadata.Name));

        await client.Secrets.DeleteAsync("default", "s0");
        var deleted = await events.NextAsync();
        Assert.Equal((ReflectorEventType.Deleted, "s0"), (deleted.Type, deleted.Object!.Metadata.Name));
        await k8s.LoggedWatchAsync($"resourceVersion={relisted.ResourceVersion}&");
    }

    [Fact]
    public async Task Reflector_DeliveringPages_HandsOnEachPageThenClosesTheList()
    {
        await using var k8s = await Emulators.StartAsync();
        using var client = Emulators.ClientFor(k8s);
        for (var i = 0; i < 5; i++)
        {
            await client.Secrets.CreateAsync(Emulators.Secret("default", $"s{i}"));
        }

        await using var events = client.Secrets.ReflectAsync("default", Fast(pageSize: 2, deliverPages: true)).GetAsyncEnumerator();

        Assert.Equal(ReflectorEventType.RelistStarted, (await events.NextAsync()).Type);
        var pages = new List<ReflectorEvent<Secret>> { await events.NextAsync(), await events.NextAsync(), await events.NextAsync() };
        Assert.All(pages, p => Assert.Equal(ReflectorEventType.RelistPage, p.Type));
        Assert.Equal([2, 2, 1], pages.Select(p => p.Items.Count));
        Assert.Equal(["s0", "s1", "s2", "s3", "s4"], pages.SelectMany(p => p.Items).Select(s => s.Metadata.Name!).Order(StringComparer.Ordinal));
        var closed = await events.NextAsync();
        Assert.Equal((ReflectorEventType.Relisted, 0, pages[0].ResourceVersion), (closed.Type, closed.Items.Count, closed.ResourceVersion));

        await client.Secrets.CreateAsync(Emulators.Secret("default", "new"));
        var added = await events.NextAsync();
        Assert.Equal((ReflectorEventType.Added, "new"), (added.Type, added.Object!.Metadata.Name));
    }

    [Fact]
    public async Task Reflector_DeliveringPages_StartsOverWhenTheContinueTokenExpiresMidList()
    {
        await using var k8s = await Emulators.StartAsync();
        using var client = Emulators.ClientFor(k8s);
        for (var i = 0; i < 3; i++)
        {
            await client.Secrets.CreateAsync(Emulators.Secret("default", $"s{i}"));
        }

        var errors = new ConcurrentQueue<Exception>();
        using var slow = k8s.Faults.Add(new FaultRule { Verb = "list", Latency = TimeSpan.FromMilliseconds(400) });
        await using var events = client.Secrets.ReflectAsync("default", Fast(errors, pageSize: 2, deliverPages: true)).GetAsyncEnumerator();

        Assert.Equal(ReflectorEventType.RelistStarted, (await events.NextAsync()).Type);
        Assert.Equal(2, (await events.NextAsync()).Items.Count);
        // The second page is on its way; the server forgets the version its continue token points at.
        await client.Secrets.DeleteAsync("default", "s0");
        k8s.CompactHistory();

        Assert.Equal(ReflectorEventType.RelistStarted, (await events.NextAsync()).Type);
        var restarted = new List<string>();
        ReflectorEvent<Secret> next;
        while ((next = await events.NextAsync()).Type == ReflectorEventType.RelistPage)
        {
            restarted.AddRange(next.Items.Select(s => s.Metadata.Name!));
        }

        Assert.Equal(ReflectorEventType.Relisted, next.Type);
        Assert.Equal(["s1", "s2"], restarted.Order(StringComparer.Ordinal));
        Assert.Contains(errors, e => e is KubernetesApiException { Reason: KubernetesErrorReason.Gone });
    }

    [Fact]
    public async Task Reflector_ResumesFromTheLastResourceVersion_AfterADroppedConnection_WithoutReListing()
    {
        await using var k8s = await Emulators.StartAsync();
        using var client = Emulators.ClientFor(k8s);
        var errors = new ConcurrentQueue<Exception>();
        await using var events = client.Secrets.ReflectAsync("default", Fast(errors)).GetAsyncEnumerator();
        Assert.Equal(ReflectorEventType.Relisted, (await events.NextAsync()).Type);
        await client.Secrets.CreateAsync(Emulators.Secret("default", "a"));
        var a = await events.NextAsync();

        k8s.Faults.DropStreams();
        await client.Secrets.CreateAsync(Emulators.Secret("default", "b"));
        a.Object!.Data!["k"] = "changed"u8.ToArray();
        await client.Secrets.ReplaceAsync(a.Object);

        var b = await events.NextAsync();
        Assert.Equal((ReflectorEventType.Added, "b"), (b.Type, b.Object!.Metadata.Name));
        var modified = await events.NextAsync();
        Assert.Equal((ReflectorEventType.Modified, "a"), (modified.Type, modified.Object!.Metadata.Name));

        Assert.Equal(1, k8s.Requests.CountWhere(r => r.Verb == "list"));
        // The reconnect resumed from the resourceVersion of the last event seen before the drop.
        await k8s.LoggedWatchAsync($"resourceVersion={a.ResourceVersion}&");
    }

    [Fact]
    public async Task Reflector_ReWatches_AfterTheServerEndsTheStreamNormally()
    {
        await using var k8s = await Emulators.StartAsync();
        using var client = Emulators.ClientFor(k8s);
        var options = new ReflectorOptions { WatchTimeout = TimeSpan.FromSeconds(1), Backoff = new Backoff(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(30), jitter: 0.5) };
        await using var events = client.Secrets.ReflectAsync("default", options).GetAsyncEnumerator();
        Assert.Equal(ReflectorEventType.Relisted, (await events.NextAsync()).Type);

        await Eventually.TrueAsync(() => k8s.Requests.CountWhere(r => r.Verb == "watch" && r.Status == 200) >= 2, "a second watch after the server timeout", TimeSpan.FromSeconds(10));
        await client.Secrets.CreateAsync(Emulators.Secret("default", "late"));

        Assert.Equal("late", (await events.NextAsync()).Object!.Metadata.Name);
        Assert.Equal(1, k8s.Requests.CountWhere(r => r.Verb == "list"));
    }

    [Fact]
    public async Task Reflector_ReListsAndSignalsARebuild_WhenItsResourceVersionExpired()
    {
        await using var k8s = await Emulators.StartAsync();
        using var client = Emulators.ClientFor(k8s);
        await client.Secrets.CreateAsync(Emulators.Secret("default", "old"));
        var errors = new ConcurrentQueue<Exception>();
        await using var events = client.Secrets.ReflectAsync("default", Fast(errors)).GetAsyncEnumerator();
        var first = await events.NextAsync();
        Assert.Equal(["old"], first.Items.Select(s => s.Metadata.Name!));

        await client.Secrets.CreateAsync(Emulators.Secret("default", "probe"));
        Assert.Equal("probe", (await events.NextAsync()).Object!.Metadata.Name);

        // While the reflector is disconnected, the world moves on and the server forgets the history it would resume from.
        using (k8s.Faults.Add(new FaultRule { Verb = "watch", Latency = TimeSpan.FromMilliseconds(500), Times = 1 }))
        {
            k8s.Faults.DropStreams();
            await Eventually.TrueAsync(() => k8s.Requests.CountWhere(r => r.Verb == "watch") == 1, "the dropped watch to end");
            await client.Secrets.DeleteAsync("default", "old");
            await client.Secrets.CreateAsync(Emulators.Secret("default", "new"));
            k8s.CompactHistory();

            var rebuilt = await events.NextAsync();
            Assert.Equal(ReflectorEventType.Relisted, rebuilt.Type);
            Assert.Equal(["new", "probe"], rebuilt.Items.Select(s => s.Metadata.Name!).Order(StringComparer.Ordinal));
        }

        Assert.Contains(errors, e => e is KubernetesApiException { Reason: KubernetesErrorReason.Gone });
        Assert.Equal(2, k8s.Requests.CountWhere(r => r.Verb == "list"));
        await client.Secrets.CreateAsync(Emulators.Secret("default", "after"));
        Assert.Equal("after", (await events.NextAsync()).Object!.Metadata.Name);
    }

    [Fact]
    public async Task Reflector_ReLists_WhenTheWatchRequestIsAnsweredWithHttp410()
    {
        await using var k8s = await Emulators.StartAsync();
        using var client = Emulators.ClientFor(k8s);
        k8s.Faults.Add(new FaultRule { Verb = "watch", StatusCode = 410, Times = 1 });
        await using var events = client.Secrets.ReflectAsync("default", Fast()).GetAsyncEnumerator();

        Assert.Equal(ReflectorEventType.Relisted, (await events.NextAsync()).Type);
        Assert.Equal(ReflectorEventType.Relisted, (await events.NextAsync()).Type);
        Assert.Equal(2, k8s.Requests.CountWhere(r => r.Verb == "list"));
    }

    [Fact]
    public async Task Reflector_BacksOffExponentially_BetweenFailedReconnects()
    {
        await using var k8s = await Emulators.StartAsync();
        using var client = Emulators.ClientFor(k8s);
        k8s.Faults.Add(new FaultRule { Verb = "watch", StatusCode = 500, Times = 4 });
        var options = new ReflectorOptions { Backoff = new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2), jitter: 0.5) };
        await using var events = client.Secrets.ReflectAsync("default", options).GetAsyncEnumerator();
        Assert.Equal(ReflectorEventType.Relisted, (await events.NextAsync()).Type);

        await client.Secrets.CreateAsync(Emulators.Secret("default", "eventually"));
        Assert.Equal("eventually", (await events.NextAsync(TimeSpan.FromSeconds(20))).Object!.Metadata.Name);

        var attempts = k8s.Requests.Snapshot().Where(r => r.Verb == "watch" && r.Status == 500).Select(r => r.Time).ToList();
        Assert.Equal(4, attempts.Count);
        var gaps = attempts.Zip(attempts.Skip(1), (a, b) => b - a).ToList();
        // Equal jitter waits between half and all of 100, 200, 400 ms.
        for (var i = 0; i < gaps.Count; i++)
        {
            Assert.True(gaps[i] >= TimeSpan.FromMilliseconds((50 << i) - 10), $"gap {i} was {gaps[i].TotalMilliseconds} ms");
        }

        Assert.Equal(1, k8s.Requests.CountWhere(r => r.Verb == "list"));
    }

    [Fact]
    public async Task SlowConsumer_LosesNothing_ThroughTheBoundedChannel()
    {
        await using var k8s = await Emulators.StartAsync();
        using var client = Emulators.ClientFor(k8s);
        var options = new ReflectorOptions { ChannelCapacity = 2, Backoff = new Backoff(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(30), jitter: 0.5) };
        await using var events = client.Secrets.ReflectAsync("default", options).GetAsyncEnumerator();
        Assert.Equal(ReflectorEventType.Relisted, (await events.NextAsync()).Type);

        for (var i = 0; i < 20; i++)
        {
            await client.Secrets.CreateAsync(Emulators.Secret("default", $"s{i:D2}"));
        }

        // Nothing was read while the 20 were written, so the stream has been paused behind the two-slot channel.
        var names = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            names.Add((await events.NextAsync()).Object!.Metadata.Name!);
        }

        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"s{i:D2}"), names);
    }

    [Fact]
    public async Task Namespaces_CanBeReflected_ClusterWide()
    {
        await using var k8s = await Emulators.StartAsync();
        using var client = Emulators.ClientFor(k8s);
        k8s.SeedNamespace("payments", annotations: new Dictionary<string, string> { ["secretsync.io/bundles"] = "payments-db" });
        await using var events = client.Namespaces.ReflectAsync(null, Fast()).GetAsyncEnumerator();

        var relisted = await events.NextAsync();
        Assert.Equal(["default", "payments"], relisted.Items.Select(n => n.Metadata.Name!).Order(StringComparer.Ordinal));

        await client.Namespaces.PatchAsync(null, "payments", Kubernetes.Client.KubernetesPatch.Merge(new System.Text.Json.Nodes.JsonObject
        {
            ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["annotations"] = new System.Text.Json.Nodes.JsonObject { ["secretsync.io/bundles"] = null } },
        }));
        var modified = await events.NextAsync();
        Assert.Equal(ReflectorEventType.Modified, modified.Type);
        Assert.Null(modified.Object!.Metadata.Annotations?.GetValueOrDefault("secretsync.io/bundles"));
    }
}
