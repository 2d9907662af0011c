using SecretSync.Core.Providers;
using SecretSync.DevStack;
using SecretSync.Providers.Contract;
using SecretSync.Testing;

namespace SecretSync.Providers.Vault.Tests;

public sealed class VaultWatchTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static async Task<SourceEvent> NextAsync(IAsyncEnumerator<SourceEvent> events)
    {
        var next = events.MoveNextAsync().AsTask();
        var finished = await Task.WhenAny(next, Task.Delay(Patience));
        Assert.True(finished == next, "No event arrived in time.");
        Assert.True(await next, "The event stream ended.");
        return events.Current;
    }

    private static async Task<SourceEvent.Changed> NextChangeAsync(IAsyncEnumerator<SourceEvent> events) =>
        Assert.IsType<SourceEvent.Changed>(await NextAsync(events));

    [Fact]
    public async Task Events_ReportConnected_ThenEachChangeWithItsPathAndVersion()
    {
        await using var bed = await VaultTestBed.StartAsync();
        var client = bed.Connect();
        using var cts = new CancellationTokenSource();
        await using var events = client.WatchAsync(cts.Token).GetAsyncEnumerator(cts.Token);

        Assert.IsType<SourceEvent.Connected>(await NextAsync(events));
        await Eventually.TrueAsync(() => bed.Vault.EventSubscriberCount == 1, "the subscription is registered");

        bed.Vault.WriteSecret("secret", "payments/db", new Dictionary<string, object?> { ["k"] = "v1" });
        Assert.Equal(new SourceEvent.Changed("payments/db", "1"), await NextChangeAsync(events));
        bed.Vault.WriteSecret("secret", "payments/db", new Dictionary<string, object?> { ["k"] = "v2" });
        Assert.Equal(new SourceEvent.Changed("payments/db", "2"), await NextChangeAsync(events));

        // Deletion kinds arrive too, without a version: the caller re-checks.
        bed.Vault.DeleteLatestVersion("secret", "payments/db");
        Assert.Equal(new SourceEvent.Changed("payments/db", null), await NextChangeAsync(events));
        bed.Vault.UndeleteVersions("secret", "payments/db", 2);
        Assert.Equal("payments/db", (await NextChangeAsync(events)).Path);
        bed.Vault.DestroyVersions("secret", "payments/db", 1);
        Assert.Equal("payments/db", (await NextChangeAsync(events)).Path);
        bed.Vault.DeleteMetadata("secret", "payments/db");
        Assert.Equal("payments/db", (await NextChangeAsync(events)).Path);

        // The request log records a WebSocket once it closes.
        await events.DisposeAsync();
        await Eventually.TrueAsync(
            () => bed.Vault.Requests.CountWhere(r => r.Verb == "events" && r.Path == "/v1/sys/events/subscribe/kv-v2/*" && r.Query == "?json=true") == 1,
            "the subscription request is logged");
    }

    [Fact]
    public async Task EventsOfOtherMounts_AreNotReported()
    {
        await using var bed = await VaultTestBed.StartAsync(new VaultEmulatorOptions { KvMounts = ["secret", "other"] });
        var client = bed.Connect();
        using var cts = new CancellationTokenSource();
        await using var events = client.WatchAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        Assert.IsType<SourceEvent.Connected>(await NextAsync(events));
        await Eventually.TrueAsync(() => bed.Vault.EventSubscriberCount == 1, "the subscription is registered");

        bed.Vault.WriteSecret("other", "x", new Dictionary<string, object?> { ["k"] = "v" });
        bed.Vault.WriteSecret("secret", "y", new Dictionary<string, object?> { ["k"] = "v" });

        Assert.Equal("y", (await NextChangeAsync(events)).Path);
    }

    [Fact]
    public async Task ADroppedSocket_YieldsLost_ThenConnectedAgain_AndEventsResume()
    {
        await using var bed = await VaultTestBed.StartAsync();
        var client = bed.Connect();
        using var cts = new CancellationTokenSource();
        await using var events = client.WatchAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        Assert.IsType<SourceEvent.Connected>(await NextAsync(events));
        await Eventually.TrueAsync(() => bed.Vault.EventSubscriberCount == 1, "the subscription is registered");

        bed.Vault.Faults.DropStreams();

        Assert.IsType<SourceEvent.Lost>(await NextAsync(events));
        Assert.IsType<SourceEvent.Connected>(await NextAsync(events));
        await Eventually.TrueAsync(() => bed.Vault.EventSubscriberCount == 1, "the new subscription is registered");
        bed.Vault.WriteSecret("secret", "after", new Dictionary<string, object?> { ["k"] = "v" });
        Assert.Equal(new SourceEvent.Changed("after", "1"), await NextChangeAsync(events));
    }

    [Fact]
    public async Task WhileSealed_TheStreamStaysLost_SoCallersKeepPolling_ThenRecovers()
    {
        await using var bed = await VaultTestBed.StartAsync();
        var client = bed.Connect();
        using var cts = new CancellationTokenSource();
        await using var events = client.WatchAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        Assert.IsType<SourceEvent.Connected>(await NextAsync(events));

        bed.Vault.Sealed = true;
        Assert.IsType<SourceEvent.Lost>(await NextAsync(events));
        var refused = Assert.IsType<SourceEvent.Lost>(await NextAsync(events));
        bed.Vault.Sealed = false;

        Assert.Contains("503", refused.Reason, StringComparison.Ordinal);
        Assert.IsType<SourceEvent.Connected>(await NextAsync(events));
    }

    [Fact]
    public async Task ACommunityVaultWithoutEvents_YieldsLost_AndBacksOffForMinutes()
    {
        var clock = new ManualTimeProvider();
        await using var bed = await VaultTestBed.StartAsync(new VaultEmulatorOptions { EventsEnabled = false, Time = clock });
        var client = bed.Connect();
        using var cts = new CancellationTokenSource();
        await using var events = client.WatchAsync(cts.Token).GetAsyncEnumerator(cts.Token);

        var lost = Assert.IsType<SourceEvent.Lost>(await NextAsync(events));
        Assert.Contains("404", lost.Reason, StringComparison.Ordinal);
        var next = events.MoveNextAsync().AsTask();
        await Eventually.TrueAsync(() => clock.PendingTimers == 1, "the stream to wait before probing again");

        // The probe waits between half and all of 5 minutes: short of that, nothing can have been sent.
        clock.Advance(VaultEventStream.Unsupported.Initial / 2 - TimeSpan.FromSeconds(1));
        Assert.Equal(1, clock.PendingTimers);
        Assert.Equal(1, bed.Count("events"));

        clock.Advance(VaultEventStream.Unsupported.Initial / 2 + TimeSpan.FromSeconds(1));
        Assert.IsType<SourceEvent.Lost>(await next.WaitAsync(Patience) ? events.Current : null);
        Assert.Equal(2, bed.Count("events"));
        await cts.CancelAsync();
    }

    [Fact]
    public async Task EventsOff_YieldsOneLost_AndNeverConnects()
    {
        await using var bed = await VaultTestBed.StartAsync();
        var client = bed.Connect(("events", "off"));
        using var cts = new CancellationTokenSource();
        await using var events = client.WatchAsync(cts.Token).GetAsyncEnumerator(cts.Token);

        Assert.Contains("off", Assert.IsType<SourceEvent.Lost>(await NextAsync(events)).Reason, StringComparison.Ordinal);
        var next = events.MoveNextAsync().AsTask();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => next);
        Assert.Equal(0, bed.Count("events"));
    }

    [Fact]
    public async Task DisposingTheClient_EndsAnOpenWatchWithCancellation()
    {
        await using var bed = await VaultTestBed.StartAsync();
        var provider = new VaultProvider(TimeProvider.System, null, null, TestSettings.NoEnvironment);
        var client = provider.Connect(Settings.Of(("address", bed.Address), ("auth.token", bed.Vault.RootToken)));
        var watcher = Assert.IsAssignableFrom<ISourceWatcher>(client);
        await using var events = watcher.WatchAsync(CancellationToken.None).GetAsyncEnumerator();
        Assert.IsType<SourceEvent.Connected>(await NextAsync(events));
        var next = events.MoveNextAsync().AsTask();

        await client.DisposeAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => next);
    }

    [Fact]
    public async Task ASubscriptionTheTokenMayNotOpen_IsLost_NotAnError()
    {
        await using var bed = await VaultTestBed.StartAsync();
        bed.Vault.SetPolicy("read-only", ("secret/data/", ["read"]));
        var client = bed.Connect(("auth.token", bed.Vault.CreateToken(["read-only"], TimeSpan.FromHours(1))));
        using var cts = new CancellationTokenSource();
        await using var events = client.WatchAsync(cts.Token).GetAsyncEnumerator(cts.Token);

        var lost = Assert.IsType<SourceEvent.Lost>(await NextAsync(events));

        Assert.Contains("403", lost.Reason, StringComparison.Ordinal);
    }
}
