using System.Net;
using System.Text.Json.Nodes;
using SecretSync.Testing;

namespace SecretSync.DevStack.Tests.Kubernetes;

public sealed class KubernetesEmulatorWatchTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Watch_FromAResourceVersion_SendsOnlyLaterChanges_IncludingDeletedWithTheFinalObject()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        emulator.SeedNamespace("demo");
        using var http = new KubeHttp(emulator);
        await http.PostAsync("/api/v1/namespaces/demo/secrets", KubeHttp.Secret("before"));
        var from = emulator.ResourceVersion;
        await http.PostAsync("/api/v1/namespaces/demo/secrets", KubeHttp.Secret("db"));
        await http.PatchAsync("/api/v1/namespaces/demo/secrets/db", "application/merge-patch+json",
            new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["x"] = "1" } } });
        await http.DeleteAsync("/api/v1/namespaces/demo/secrets/db");

        var events = await CollectAsync(http, $"/api/v1/namespaces/demo/secrets?watch=1&resourceVersion={from}", 3);

        Assert.Equal(["ADDED", "MODIFIED", "DELETED"], events.Select(e => (string)e["type"]!));
        Assert.All(events, e => Assert.Equal("db", (string?)e["object"]!["metadata"]!["name"]));
        Assert.Equal("Secret", (string?)events[2]["object"]!["kind"]);
        Assert.Equal("1", (string?)events[2]["object"]!["metadata"]!["labels"]!["x"]);
        Assert.Equal(emulator.ResourceVersion, (string?)events[2]["object"]!["metadata"]!["resourceVersion"]);
    }

    [Fact]
    public async Task Watch_WithoutAResourceVersion_StartsWithSyntheticAddedForEverything()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        emulator.SeedNamespace("demo");
        emulator.SeedNamespace("other");
        using var http = new KubeHttp(emulator);

        var events = await CollectAsync(http, "/api/v1/namespaces?watch=true", 3);

        Assert.All(events, e => Assert.Equal("ADDED", (string?)e["type"]));
        Assert.Equal(["default", "demo", "other"], events.Select(e => (string)e["object"]!["metadata"]!["name"]!));
    }

    [Fact]
    public async Task Watch_ReceivesChangesMadeAfterItOpened()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        emulator.SeedNamespace("demo");
        using var http = new KubeHttp(emulator);
        var from = emulator.ResourceVersion;
        using var cts = new CancellationTokenSource(Patience);
        await using var stream = http.WatchAsync($"/api/v1/namespaces/demo/secrets?watch=1&resourceVersion={from}", cts.Token).GetAsyncEnumerator(cts.Token);
        var next = stream.MoveNextAsync();

        await Eventually.TrueAsync(() => emulator.OpenWatches == 1, within: Patience);
        await http.PostAsync("/api/v1/namespaces/demo/secrets", KubeHttp.Secret("live"));

        Assert.True(await next);
        Assert.Equal("ADDED", (string?)stream.Current["type"]);
        Assert.Equal("live", (string?)stream.Current["object"]!["metadata"]!["name"]);
    }

    [Fact]
    public async Task Watch_WithALabelSelector_SendsAnObjectLeavingTheSelectorAsDeleted()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        emulator.SeedNamespace("demo");
        using var http = new KubeHttp(emulator);
        var from = emulator.ResourceVersion;
        await http.PostAsync("/api/v1/namespaces/demo/secrets", KubeHttp.Secret("db", labels: new Dictionary<string, string> { ["managed"] = "yes" }));
        await http.PostAsync("/api/v1/namespaces/demo/secrets", KubeHttp.Secret("other"));
        await http.PatchAsync("/api/v1/namespaces/demo/secrets/db", "application/merge-patch+json",
            new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["managed"] = null } } });
        await http.PatchAsync("/api/v1/namespaces/demo/secrets/other", "application/merge-patch+json",
            new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["managed"] = "yes" } } });

        var events = await CollectAsync(http, $"/api/v1/namespaces/demo/secrets?watch=1&labelSelector=managed%3Dyes&resourceVersion={from}", 3);

        Assert.Equal(["ADDED db", "DELETED db", "ADDED other"], events.Select(e => $"{e["type"]} {e["object"]!["metadata"]!["name"]}"));
    }

    [Fact]
    public async Task Watch_WithBookmarks_SendsBookmarksCarryingOnlyTheResourceVersion()
    {
        var clock = new ManualTimeProvider();
        await using var emulator = await KubernetesEmulator.StartAsync(new KubernetesEmulatorOptions { Time = clock, BookmarkInterval = TimeSpan.FromSeconds(5) });
        emulator.SeedNamespace("demo");
        using var http = new KubeHttp(emulator);
        using var cts = new CancellationTokenSource(Patience);
        await using var stream = http.WatchAsync($"/api/v1/namespaces/demo/secrets?watch=1&allowWatchBookmarks=true&resourceVersion={emulator.ResourceVersion}", cts.Token)
            .GetAsyncEnumerator(cts.Token);
        var next = stream.MoveNextAsync();
        await Eventually.TrueAsync(() => emulator.OpenWatches == 1, within: Patience);
        await Task.Delay(100);

        clock.Advance(TimeSpan.FromSeconds(5));

        Assert.True(await next);
        var bookmark = stream.Current;
        Assert.Equal("BOOKMARK", (string?)bookmark["type"]);
        Assert.Equal(new JsonObject { ["kind"] = "Secret", ["apiVersion"] = "v1", ["metadata"] = new JsonObject { ["resourceVersion"] = emulator.ResourceVersion } }.ToJsonString(),
            bookmark["object"]!.ToJsonString());
    }

    [Fact]
    public async Task Watch_WithTimeoutSeconds_EndsTheStreamNormally()
    {
        var clock = new ManualTimeProvider();
        await using var emulator = await KubernetesEmulator.StartAsync(new KubernetesEmulatorOptions { Time = clock });
        using var http = new KubeHttp(emulator);
        var watching = CollectAsync(http, $"/api/v1/namespaces/default/secrets?watch=1&timeoutSeconds=30&resourceVersion={emulator.ResourceVersion}", int.MaxValue);
        await Eventually.TrueAsync(() => emulator.OpenWatches == 1, within: Patience);
        await Task.Delay(100);

        clock.Advance(TimeSpan.FromSeconds(30));

        Assert.Empty(await watching.WaitAsync(Patience));
    }

    [Fact]
    public async Task Watch_FromAResourceVersionOlderThanCompaction_Gets200ThenAnExpiredErrorEvent()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        emulator.SeedNamespace("demo");
        var old = emulator.ResourceVersion;
        emulator.SeedNamespace("later");
        emulator.CompactHistory();
        using var http = new KubeHttp(emulator);

        var events = await CollectAsync(http, $"/api/v1/namespaces?watch=1&resourceVersion={old}", int.MaxValue);

        var error = Assert.Single(events);
        Assert.Equal("ERROR", (string?)error["type"]);
        KubernetesEmulatorCrudTests.AssertStatus(error["object"]!.AsObject(), 410, "Expired", null);
        Assert.StartsWith($"too old resource version: {old} (", (string?)error["object"]!["message"]);
    }

    [Fact]
    public async Task ExpireWatches_EndsAnOpenWatchWithAnExpiredErrorAfterItsQueuedEvents_AndResumingFromBeforeIsExpiredToo()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        using var http = new KubeHttp(emulator);
        var from = emulator.ResourceVersion;
        var watching = CollectAsync(http, $"/api/v1/namespaces?watch=1&resourceVersion={from}", int.MaxValue);
        await Eventually.TrueAsync(() => emulator.OpenWatches == 1, within: Patience);
        emulator.SeedNamespace("seen");

        emulator.ExpireWatches();

        var events = await watching.WaitAsync(Patience);
        Assert.Equal(["ADDED", "ERROR"], events.Select(e => (string)e["type"]!));
        KubernetesEmulatorCrudTests.AssertStatus(events[1]["object"]!.AsObject(), 410, "Expired", null);
        Assert.Equal(0, emulator.OpenWatches);
        var resumed = await CollectAsync(http, $"/api/v1/namespaces?watch=1&resourceVersion={from}", int.MaxValue);
        Assert.Equal("ERROR", (string?)resumed.Single()["type"]);
    }

    [Fact]
    public async Task Watch_FromAResourceVersionBeyondTheHistoryLimit_IsExpired_WhileARecentOneResumes()
    {
        await using var emulator = await KubernetesEmulator.StartAsync(new KubernetesEmulatorOptions { WatchHistoryLimit = 3 });
        var old = emulator.ResourceVersion;
        for (var i = 0; i < 5; i++)
        {
            emulator.SeedNamespace($"ns{i}");
        }

        using var http = new KubeHttp(emulator);
        var expired = await CollectAsync(http, $"/api/v1/namespaces?watch=1&resourceVersion={old}", int.MaxValue);
        var recent = await CollectAsync(http, $"/api/v1/namespaces?watch=1&resourceVersion={long.Parse(emulator.ResourceVersion) - 2}", 2);

        Assert.Equal("ERROR", (string?)expired.Single()["type"]);
        Assert.Equal(["ns3", "ns4"], recent.Select(e => (string)e["object"]!["metadata"]!["name"]!));
    }

    [Fact]
    public async Task Watch_EndsWhenStreamsAreDropped()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        using var http = new KubeHttp(emulator);
        var watching = Task.Run(async () =>
        {
            try
            {
                await foreach (var _ in http.WatchAsync($"/api/v1/namespaces/default/secrets?watch=1&resourceVersion={emulator.ResourceVersion}"))
                {
                }
            }
            catch (Exception error) when (error is HttpRequestException or IOException)
            {
                // A dropped connection surfaces as an I/O error mid-stream.
            }
        });
        await Eventually.TrueAsync(() => emulator.OpenWatches == 1, within: Patience);
        await Task.Delay(100);

        emulator.Faults.DropStreams();

        await watching.WaitAsync(Patience);
    }

    [Fact]
    public async Task Watch_IsLoggedWithTheWatchVerb_AndRejectsUnknownFieldSelectors()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        using var http = new KubeHttp(emulator);

        var reply = await http.GetAsync("/api/v1/namespaces/default/secrets?watch=1&fieldSelector=spec.x%3Dy");

        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.Equal("watch", emulator.Requests.Snapshot().Single().Verb);
    }

    internal static async Task<List<JsonObject>> CollectAsync(KubeHttp http, string path, int count)
    {
        using var cts = new CancellationTokenSource(Patience);
        var events = new List<JsonObject>();
        if (count == 0)
        {
            return events;
        }

        await foreach (var item in http.WatchAsync(path, cts.Token))
        {
            events.Add(item);
            if (events.Count == count)
            {
                break;
            }
        }

        return events;
    }
}
