using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using SecretSync.Core.Providers;
using SecretSync.Providers.Contract;

namespace SecretSync.Providers.Vault.Tests;

/// <summary>Redirects never carry a token or a login body away from the configured address.</summary>
public sealed class VaultRedirectTests
{
    [Fact]
    public async Task ARedirectToAnotherHost_CarriesNoToken_AndTheReadFails()
    {
        await using var bed = await VaultTestBed.StartAsync();
        bed.Vault.WriteSecret("secret", "app/db", new Dictionary<string, object?> { ["password"] = "pw" });
        await using var elsewhere = await RecordingServer.StartAsync();
        await using var front = await LoopbackServer.StartAsync(context => RedirectAsync(context, elsewhere.Server.Address));
        var client = bed.Connect(("address", front.Address.ToString().TrimEnd('/')));

        var read = await client.ReadAsync("app/db", null, CancellationToken.None);

        var failure = Assert.IsType<ReadResult.Failed>(read).Failure;
        Assert.Contains("another origin", failure.Message, StringComparison.Ordinal);
        Assert.Empty(elsewhere.Received);
        Assert.DoesNotContain(bed.Vault.RootToken, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARedirectedLogin_SendsTheSecretIdNowhereElse()
    {
        await using var bed = await VaultTestBed.StartAsync();
        var (roleId, secretId) = bed.Vault.AddAppRole("secretsync", ["app"], TimeSpan.FromHours(1));
        await using var elsewhere = await RecordingServer.StartAsync();
        await using var front = await LoopbackServer.StartAsync(context => RedirectAsync(context, elsewhere.Server.Address));
        var client = bed.Connect(
            ("address", front.Address.ToString().TrimEnd('/')), ("auth.method", "approle"), ("auth.roleId", roleId), ("auth.secretId", secretId));

        var read = await client.ReadAsync("app/db", null, CancellationToken.None);

        Assert.IsType<ReadResult.Failed>(read);
        Assert.Empty(elsewhere.Received);
    }

    [Fact]
    public async Task ARedirectWithinTheConfiguredAddress_IsFollowed_WithItsToken()
    {
        await using var bed = await VaultTestBed.StartAsync();
        bed.Vault.WriteSecret("secret", "app/db", new Dictionary<string, object?> { ["password"] = "pw" });
        using var upstream = new HttpClient { BaseAddress = bed.Vault.BaseAddress };
        LoopbackServer? front = null;
        front = await LoopbackServer.StartAsync(async context =>
        {
            const string Moved = "/active";
            if (!context.Request.Path.StartsWithSegments(Moved, out var rest))
            {
                await RedirectAsync(context, new Uri(front!.Address, Moved));
                return;
            }

            using var forward = new HttpRequestMessage(new HttpMethod(context.Request.Method), rest + context.Request.QueryString);
            foreach (var (name, values) in context.Request.Headers.Where(h => h.Key.StartsWith("X-Vault-", StringComparison.OrdinalIgnoreCase)))
            {
                forward.Headers.TryAddWithoutValidation(name, values.ToArray());
            }

            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            if (body.Length > 0)
            {
                forward.Content = new ByteArrayContent(body.ToArray());
            }

            using var answer = await upstream.SendAsync(forward);
            context.Response.StatusCode = (int)answer.StatusCode;
            await context.Response.Body.WriteAsync(await answer.Content.ReadAsByteArrayAsync());
        });
        await using var _ = front;
        var client = bed.Connect(("address", front.Address.ToString().TrimEnd('/')));

        var read = await client.ReadAsync("app/db", null, CancellationToken.None);

        Assert.Equal("pw", Expect.Text(Expect.Found(read), "password"));
    }

    /// <summary>Answers like a standby: a 307 to the same path on <paramref name="target"/>.</summary>
    private static Task RedirectAsync(HttpContext context, Uri target)
    {
        context.Response.StatusCode = StatusCodes.Status307TemporaryRedirect;
        context.Response.Headers.Location = new Uri(target, target.AbsolutePath.TrimEnd('/') + context.Request.Path + context.Request.QueryString).ToString();
        return Task.CompletedTask;
    }

    /// <summary>A second host that records every request it gets: headers and body.</summary>
    private sealed class RecordingServer : IAsyncDisposable
    {
        private RecordingServer(LoopbackServer server, ConcurrentQueue<string> received)
        {
            Server = server;
            Received = received;
        }

        public LoopbackServer Server { get; }

        public ConcurrentQueue<string> Received { get; }

        public static async Task<RecordingServer> StartAsync()
        {
            var received = new ConcurrentQueue<string>();
            var server = await LoopbackServer.StartAsync(async context =>
            {
                using var reader = new StreamReader(context.Request.Body);
                var headers = string.Join("; ", context.Request.Headers.Select(h => $"{h.Key}={h.Value}"));
                received.Enqueue($"{context.Request.Method} {context.Request.Path} [{headers}] {await reader.ReadToEndAsync()}");
                context.Response.StatusCode = StatusCodes.Status200OK;
            });
            return new RecordingServer(server, received);
        }

        public ValueTask DisposeAsync() => Server.DisposeAsync();
    }
}
