using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using SecretSync.Testing;

namespace SecretSync.DevStack.Tests.Vault;

/// <summary>Event notifications over the WebSocket, pinned to reference vault.md §5.</summary>
public sealed class VaultEventsTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    // vault.md §5 "JSON payload" and "Which HTTP call emits which type"; metadata values are strings.
    [Fact]
    public async Task EachKvOperation_SendsOneJsonTextFrame_WithTheDocumentedShape()
    {
        await using var c = await VaultTestClient.StartAsync();
        using var socket = await ConnectAsync(c.Vault, "kv-v2/*");

        await c.PostAsync("v1/secret/data/foo", new { data = new { v = 1 } });
        await c.PatchAsync("v1/secret/data/foo", new { data = new { v = 2 } });
        await c.DeleteAsync("v1/secret/data/foo");
        await c.PostAsync("v1/secret/delete/foo", new { versions = new[] { 1 } });
        await c.PostAsync("v1/secret/undelete/foo", new { versions = new[] { 1, 2 } });
        await c.PostAsync("v1/secret/destroy/foo", new { versions = new[] { 1 } });
        await c.PostAsync("v1/secret/metadata/foo", new { max_versions = 3 });
        await c.PatchAsync("v1/secret/metadata/foo", new { max_versions = 4 });
        await c.DeleteAsync("v1/secret/metadata/foo");

        var events = new List<JsonElement>();
        for (var i = 0; i < 9; i++)
        {
            events.Add(await ReceiveAsync(socket));
        }

        Assert.Equal(
            ["kv-v2/data-write", "kv-v2/data-patch", "kv-v2/data-delete", "kv-v2/delete", "kv-v2/undelete", "kv-v2/destroy",
                "kv-v2/metadata-write", "kv-v2/metadata-patch", "kv-v2/metadata-delete"],
            events.Select(e => e.GetProperty("data").GetProperty("event_type").GetString()));

        var write = events[0];
        Assert.Equal(["data", "datacontentype", "id", "source", "specversion", "time", "type"], VaultShape.Names(write));
        Assert.Equal("https://vaultproject.io/", write.GetProperty("source").GetString());
        Assert.Equal("1.0", write.GetProperty("specversion").GetString());
        Assert.Equal("application/cloudevents", write.GetProperty("datacontentype").GetString());
        var metadata = write.GetProperty("data").GetProperty("event").GetProperty("metadata");
        Assert.Equal(write.GetProperty("id").GetString(), write.GetProperty("data").GetProperty("event").GetProperty("id").GetString());
        Assert.Equal("1", metadata.GetProperty("current_version").GetString());
        Assert.Equal("0", metadata.GetProperty("oldest_version").GetString());
        Assert.Equal("secret/data/foo", metadata.GetProperty("data_path").GetString());
        Assert.Equal("secret/data/foo", metadata.GetProperty("path").GetString());
        Assert.Equal("true", metadata.GetProperty("modified").GetString());
        Assert.Equal("data-write", metadata.GetProperty("operation").GetString());
        Assert.All(metadata.EnumerateObject(), p => Assert.Equal(JsonValueKind.String, p.Value.ValueKind));
        var plugin = write.GetProperty("data").GetProperty("plugin_info");
        Assert.Equal("secret/", plugin.GetProperty("mount_path").GetString());
        Assert.Equal("kv", plugin.GetProperty("plugin").GetString());
        Assert.StartsWith("kv_", plugin.GetProperty("mount_accessor").GetString());

        Assert.Equal("2", events[1].GetProperty("data").GetProperty("event").GetProperty("metadata").GetProperty("current_version").GetString());
        Assert.Equal("secret/destroy/foo", events[5].GetProperty("data").GetProperty("event").GetProperty("metadata").GetProperty("path").GetString());
        Assert.Equal("secret/data/foo", events[4].GetProperty("data").GetProperty("event").GetProperty("metadata").GetProperty("data_path").GetString());
        Assert.Equal("secret/metadata/foo", events[8].GetProperty("data").GetProperty("event").GetProperty("metadata").GetProperty("path").GetString());
    }

    // vault.md §5 "<eventType> ... may hold * wildcards, e.g. kv-v2/data-*"; seeding through the API publishes too.
    [Fact]
    public async Task AWildcardSubscription_SeesOnlyTheMatchingTypes()
    {
        await using var c = await VaultTestClient.StartAsync();
        using var socket = await ConnectAsync(c.Vault, "kv-v2/data-*");

        await c.PostAsync("v1/secret/metadata/skip", new { max_versions = 2 });
        c.Vault.WriteSecret("secret", "seeded", new Dictionary<string, object?> { ["v"] = 1 });
        c.Vault.DestroyVersions("secret", "seeded", 1);
        c.Vault.DeleteLatestVersion("secret", "seeded");

        Assert.Equal("kv-v2/data-write", (await ReceiveAsync(socket)).GetProperty("data").GetProperty("event_type").GetString());
        Assert.Equal("kv-v2/data-delete", (await ReceiveAsync(socket)).GetProperty("data").GetProperty("event_type").GetString());
    }

    // vault.md §5 policy: subscribers only see events on paths their token may subscribe to.
    [Fact]
    public async Task ASubscriber_SeesOnlyEventsOnPathsItsPolicyAllows()
    {
        await using var c = await VaultTestClient.StartAsync();
        c.Vault.SetPolicy("watch-app", ("sys/events/subscribe/", ["read"]), ("secret/data/app/", ["subscribe", "list"]));
        var token = c.Vault.CreateToken(["watch-app"], TimeSpan.FromHours(1));
        using var socket = await ConnectAsync(c.Vault, "*", token);

        c.Vault.WriteSecret("secret", "ops/db", new Dictionary<string, object?> { ["v"] = 1 });
        c.Vault.WriteSecret("secret", "app/db", new Dictionary<string, object?> { ["v"] = 1 });

        var only = await ReceiveAsync(socket);
        Assert.Equal("secret/data/app/db", only.GetProperty("data").GetProperty("event").GetProperty("metadata").GetProperty("path").GetString());
    }

    // Fault injection: a dropped stream ends the socket (issue item 2, "dropped websocket").
    [Fact]
    public async Task DropStreams_ClosesOpenSockets()
    {
        await using var c = await VaultTestClient.StartAsync();
        using var socket = await ConnectAsync(c.Vault, "*");
        Assert.Equal(1, c.Vault.EventSubscriberCount);

        c.Vault.Faults.DropStreams();

        using var timeout = new CancellationTokenSource(Patience);
        var ended = false;
        try
        {
            var result = await socket.ReceiveAsync(new byte[1024], timeout.Token);
            ended = result.MessageType == WebSocketMessageType.Close;
        }
        catch (WebSocketException)
        {
            ended = true;
        }

        Assert.True(ended);
        await Eventually.TrueAsync(() => c.Vault.EventSubscriberCount == 0, within: Patience);
    }

    // vault.md §5 "1.16+ Enterprise only": with events off the route does not exist (404, like any unknown route).
    [Fact]
    public async Task WithEventsOff_TheSubscribeEndpointIs404()
    {
        await using var c = await VaultTestClient.StartAsync(new VaultEmulatorOptions { EventsEnabled = false });

        var status = await ConnectStatusAsync(c.Vault, "kv-v2/data-*", "root");
        Assert.Equal(HttpStatusCode.NotFound, status);
        var plain = await c.GetAsync("v1/sys/events/subscribe/kv-v2/data-*?json=true");
        Assert.Equal(HttpStatusCode.NotFound, plain.Status);
        Assert.Single(plain.Errors);

        c.Vault.EventsEnabled = true;
        using var socket = await ConnectAsync(c.Vault, "*");
        Assert.Equal(WebSocketState.Open, socket.State);
    }

    // vault.md §5 "Bad token at connect time → HTTP 401/403 before the upgrade"; empty event type 400.
    [Fact]
    public async Task ABadToken_IsRefusedWith403BeforeTheUpgrade()
    {
        await using var c = await VaultTestClient.StartAsync();

        Assert.Equal(HttpStatusCode.Forbidden, await ConnectStatusAsync(c.Vault, "*", "hvs.bogus"));
        var noRead = c.Vault.CreateToken(["nothing"], TimeSpan.FromHours(1));
        Assert.Equal(HttpStatusCode.Forbidden, await ConnectStatusAsync(c.Vault, "*", noRead));
        Assert.Equal(HttpStatusCode.BadRequest, (await c.GetAsync("v1/sys/events/subscribe/?json=true")).Status);
        Assert.Equal(0, c.Vault.EventSubscriberCount);
    }

    private static Uri SubscribeUri(VaultEmulator vault, string eventType) =>
        new($"ws://127.0.0.1:{vault.BaseAddress.Port}/v1/sys/events/subscribe/{eventType}?json=true");

    private static async Task<ClientWebSocket> ConnectAsync(VaultEmulator vault, string eventType, string? token = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("X-Vault-Token", token ?? vault.RootToken);
        using var timeout = new CancellationTokenSource(Patience);
        await socket.ConnectAsync(SubscribeUri(vault, eventType), timeout.Token);
        return socket;
    }

    private static async Task<HttpStatusCode> ConnectStatusAsync(VaultEmulator vault, string eventType, string token)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader("X-Vault-Token", token);
        using var timeout = new CancellationTokenSource(Patience);
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(SubscribeUri(vault, eventType), timeout.Token));
        return socket.HttpStatusCode;
    }

    /// <summary>One text frame: a JSON object followed by a newline (§5 "with it, each message is a text frame").</summary>
    private static async Task<JsonElement> ReceiveAsync(ClientWebSocket socket)
    {
        using var timeout = new CancellationTokenSource(Patience);
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        WebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer, timeout.Token);
            message.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);

        Assert.Equal(WebSocketMessageType.Text, result.MessageType);
        var text = Encoding.UTF8.GetString(message.ToArray());
        Assert.EndsWith("\n", text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
