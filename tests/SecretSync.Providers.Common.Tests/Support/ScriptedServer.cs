using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SecretSync.Providers.Common.Tests.Support;

/// <summary>What the server answers to one request; <see cref="Hang"/> never answers.</summary>
internal sealed record Answer(int Status, string Body = "", string? RetryAfter = null, string? Location = null, bool Hang = false);

/// <summary>Plain HTTP on loopback answering each request as a script says, recording when (on the test's clock) each arrived.</summary>
internal sealed class ScriptedServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly List<DateTimeOffset> _arrivals = [];

    private ScriptedServer(WebApplication app) => _app = app;

    public Uri Address { get; private set; } = null!;

    public IReadOnlyList<DateTimeOffset> Arrivals
    {
        get
        {
            lock (_gate)
            {
                return [.. _arrivals];
            }
        }
    }

    /// <summary>Starts a server whose answer to the n-th request (0 first) is <paramref name="script"/>(n).</summary>
    public static async Task<ScriptedServer> StartAsync(TimeProvider clock, Func<int, Answer> script)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new ScriptedServer(app);
        app.Run(async context =>
        {
            int number;
            lock (server._gate)
            {
                number = server._arrivals.Count;
                server._arrivals.Add(clock.GetUtcNow());
            }

            await server.AnswerAsync(context, script(number));
        });
        await app.StartAsync();
        var port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
        server.Address = new Uri($"http://127.0.0.1:{port}/");
        return server;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private async Task AnswerAsync(HttpContext context, Answer answer)
    {
        if (answer.Hang)
        {
            // Until the client gives up (its timeout) or the server stops.
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            return;
        }

        context.Response.StatusCode = answer.Status;
        if (answer.RetryAfter is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = retryAfter;
        }

        if (answer.Location is { } location)
        {
            context.Response.Headers.Location = location;
        }

        await context.Response.WriteAsync(answer.Body);
    }
}
