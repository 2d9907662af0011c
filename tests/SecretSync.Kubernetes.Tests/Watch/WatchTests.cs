using SecretSync.DevStack;
using SecretSync.Kubernetes.Client;
using SecretSync.Kubernetes.Errors;
using SecretSync.Kubernetes.Models;
using SecretSync.Kubernetes.Tests.Support;
using SecretSync.Testing;

namespace SecretSync.Kubernetes.Tests.Watch;

public sealed class WatchTests
{
    [Fact]
    public async Task Watch_FromAListsResourceVersion_StreamsAddedModifiedDeleted()
    {
        await using var k8s = await Emulators.StartAsync();
        using var client = Emulators.ClientFor(k8s);
        await client.Secrets.CreateAsync(Emulators.Secret("default", "before"));
        var list = await client.Secrets.ListAsync("default");
        using var stop = new CancellationTokenSource();
        await using var events = client.Secrets.WatchAsync("default", new WatchOptions { ResourceVersion = list.Metadata.ResourceVersion }, stop.Token).GetAsyncEnumerator();
        var pending = events.NextAsync(TimeSpan.FromSeconds(15));

        var created = await client.Secrets.CreateAsync(Emulators.Secret("default", "db"));
        created.Data!["k"] = "changed"u8.ToArray();
        var modified = await client.Secrets.ReplaceAsync(created);
        await client.Secrets.DeleteAsync("default", "db");

        var added = await pending;
        Assert.Equal((WatchEventType.Added, "db"), (added.Type, added.Object.Metadata.Name));
        Assert.Equal(created.Metadata.ResourceVersion, added.ResourceVersion);
        var change = await events.NextAsync();
        Assert.Equal(WatchEventType.Modified, change.Type);
        Assert.Equal(modified.Metadata.ResourceVersion, change.ResourceVersion);
        Assert.Equal("changed", System.Text.Encoding.UTF8.GetString(change.Object.Data!["k"]));
        var deleted = await events.NextAsync();
        Assert.Equal(WatchEventType.Deleted, deleted.Type);
        Assert.Equal("db", deleted.Object.Metadata.Name);
    }

    [Fact]
    public async Task Watch_WithLabelSelector_SeesOnlyMatchingObjects()
    {
        await using var k8s = await Emulators.StartAsync();
        using var client = Emulators.ClientFor(k8s);
        var start = (await client.Secrets.ListAsync("default")).Metadata.ResourceVersion;
        await using var events = client.Secrets.WatchAsync("default", new WatchOptions { ResourceVersion = start, LabelSelector = "app.kubernetes.io/managed-by=secretsync" }).GetAsyncEnumerator();
        var pending = events.NextAsync();

        await client.Secrets.CreateAsync(Emulators.Secret("default", "unmanaged"));
        await client.Secrets.CreateAsync(Emulators.Secret("default", "managed", labels: new() { ["app.kubernetes.io/managed-by"] = "secretsync" }));

        Assert.Equal("managed", (await pending).Object.Metadata.Name);
    }

    [Fact]
    public async Task Watch_EndsNormally_WhenTheServerTimeoutElapses()
    {
        await using var k8s = await Emulators.StartAsync();
        using var client = Emulators.ClientFor(k8s);
        var start = (await client.Secrets.ListAsync("default")).Metadata.ResourceVersion;

        var events = new List<WatchEvent<Secret>>();
        await foreach (var e in client.Secrets.WatchAsync("default", new WatchOptions { ResourceVersion = start, Timeout = TimeSpan.FromSeconds(1), AllowWatchBookmarks = false }).WithCancellation(new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token))
        {
            events.Add(e);
        }

        Assert.Empty(events);
        Assert.Contains(k8s.Requests.Snapshot(), r => r.Verb == "watch" && r.Query.Contains("timeoutSeconds=1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Watch_WithBookmarksAllowed_ReceivesBookmarkCheckpoints()
    {
        await using var k8s = await Emulators.StartAsync(new KubernetesEmulatorOptions { BookmarkInterval = TimeSpan.FromMilliseconds(100) });
        using var client = Emulators.ClientFor(k8s);
        var start = (await client.Secrets.ListAsync("default")).Metadata.ResourceVersion;
        await using var events = client.Secrets.WatchAsync("default", new WatchOptions { ResourceVersion = start }).GetAsyncEnumerator();

        var bookmark = await events.NextAsync();

        Assert.Equal(WatchEventType.Bookmark, bookmark.Type);
        Assert.False(string.IsNullOrEmpty(bookmark.ResourceVersion));
        await k8s.LoggedWatchAsync("allowWatchBookmarks=true");
    }

    [Fact]
    public async Task Watch_FromAResourceVersionOlderThanHistory_ThrowsGone()
    {
        await using var k8s = await Emulators.StartAsync();
        using var client = Emulators.ClientFor(k8s);
        var old = (await client.Secrets.ListAsync("default")).Metadata.ResourceVersion;
        await client.Secrets.CreateAsync(Emulators.Secret("default", "a"));
        await client.Secrets.CreateAsync(Emulators.Secret("default", "b"));
        k8s.CompactHistory();

        var error = await Assert.ThrowsAsync<KubernetesApiException>(async () =>
        {
            await foreach (var _ in client.Secrets.WatchAsync("default", new WatchOptions { ResourceVersion = old }))
            {
            }
        });

        Assert.Equal(KubernetesErrorReason.Gone, error.Reason);
        Assert.Equal(410, error.Status.Code);
    }

    [Fact]
    public async Task DroppedConnection_SurfacesAsAnIOException_OrAnEndOfStream()
    {
        await using var k8s = await Emulators.StartAsync();
        using var client = Emulators.ClientFor(k8s);
        var start = (await client.Secrets.ListAsync("default")).Metadata.ResourceVersion;
        await using var events = client.Secrets.WatchAsync("default", new WatchOptions { ResourceVersion = start, AllowWatchBookmarks = false }).GetAsyncEnumerator();
        var pending = events.MoveNextAsync().AsTask();
        await Eventually.TrueAsync(() => k8s.Requests.CountWhere(r => r.Verb == "watch") > 0 || !pending.IsCompleted, "the watch to start");
        await Task.Delay(100);

        k8s.Faults.DropStreams();

        try
        {
            Assert.False(await pending.WaitAsync(TimeSpan.FromSeconds(10)));
        }
        catch (IOException)
        {
            // An aborted chunked response is the other way a drop shows.
        }
        catch (HttpRequestException)
        {
            // Likewise, depending on where the read was.
        }
    }
}
