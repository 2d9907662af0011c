using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SecretSync.DevStack.Hosting;

/// <summary>Where and how an emulator listens.</summary>
public record EmulatorListenOptions
{
    /// <summary>TCP port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Also listen on this Unix socket, so clients in another network namespace can be relayed in.</summary>
    public string? UnixSocketPath { get; init; }

    /// <summary>Serve HTTPS with this material instead of plain HTTP.</summary>
    public TlsMaterial? Tls { get; init; }

    /// <summary>The clock the emulator stamps objects with.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}

/// <summary>What an emulator plugs into <see cref="EmulatorHost"/>.</summary>
internal interface IEmulatorProtocol
{
    /// <summary>Names the operation of a request for the request log and fault matching.</summary>
    string VerbOf(HttpRequest request);

    /// <summary>Writes an injected error in the protocol's own error shape.</summary>
    Task WriteFaultAsync(HttpContext context, int statusCode, TimeSpan? retryAfter);

    /// <summary>Handles a request.</summary>
    Task HandleAsync(HttpContext context);
}

/// <summary>Kestrel on loopback with a request log, fault injection and admin endpoints under <c>/_devstack/</c>.</summary>
internal sealed class EmulatorHost : IAsyncDisposable
{
    private const string AdminPrefix = "/_devstack/";
    private static readonly JsonSerializerOptions AdminJson = new(JsonSerializerDefaults.Web);
    private readonly WebApplication _app;

    private EmulatorHost(WebApplication app, Uri baseAddress, RequestLog requests, FaultInjector faults)
    {
        _app = app;
        BaseAddress = baseAddress;
        Requests = requests;
        Faults = faults;
    }

    public Uri BaseAddress { get; }

    public RequestLog Requests { get; }

    public FaultInjector Faults { get; }

    public static async Task<EmulatorHost> StartAsync(EmulatorListenOptions listen, IEmulatorProtocol protocol, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddRouting();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 64 * 1024 * 1024;
            kestrel.Listen(IPAddress.Loopback, listen.Port, endpoint => UseTls(endpoint, listen.Tls));
            if (listen.UnixSocketPath is { } socket)
            {
                File.Delete(socket);
                kestrel.ListenUnixSocket(socket, endpoint => UseTls(endpoint, listen.Tls));
            }
        });

        var app = builder.Build();
        var requests = new RequestLog();
        var faults = new FaultInjector();
        app.UseWebSockets();
        app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/_devstack"))
            {
                await HandleAdminAsync(context, requests, faults);
                return;
            }

            var started = Stopwatch.GetTimestamp();
            var arrived = listen.Time.GetUtcNow();
            var verb = protocol.VerbOf(context.Request);
            try
            {
                if (!await ApplyFaultsAsync(context, protocol, faults, verb))
                {
                    await next(context);
                }
            }
            finally
            {
                requests.Add(new RecordedRequest(
                    arrived, context.Request.Method, context.Request.Path.Value ?? "/", context.Request.QueryString.Value ?? "",
                    verb, context.Response.StatusCode, Stopwatch.GetElapsedTime(started), context.Request.Headers.UserAgent.ToString()));
            }
        });
        app.Run(protocol.HandleAsync);

        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!
            .Addresses.Select(a => new Uri(a)).First(a => a.Host is "127.0.0.1" or "localhost");
        var scheme = listen.Tls is null ? "http" : "https";
        return new EmulatorHost(app, new Uri($"{scheme}://127.0.0.1:{address.Port}/"), requests, faults);
    }

    public async ValueTask DisposeAsync()
    {
        Faults.DropStreams();
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }

    private static void UseTls(Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions endpoint, TlsMaterial? tls)
    {
        if (tls is not null)
        {
            endpoint.UseHttps(tls.ServerCertificate);
        }
    }

    private static async Task<bool> ApplyFaultsAsync(HttpContext context, IEmulatorProtocol protocol, FaultInjector faults, string verb)
    {
        var rules = faults.Take(context.Request.Method, context.Request.Path.Value ?? "/", verb);
        if (rules.Count == 0)
        {
            return false;
        }

        var latency = rules.Aggregate(TimeSpan.Zero, (sum, rule) => sum + rule.Latency);
        if (latency > TimeSpan.Zero)
        {
            await Task.Delay(latency, context.RequestAborted);
        }

        var failing = rules.FirstOrDefault(rule => rule.StatusCode is not null);
        if (failing is null)
        {
            return false;
        }

        if (failing.RetryAfter is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        await protocol.WriteFaultAsync(context, failing.StatusCode!.Value, failing.RetryAfter);
        return true;
    }

    private static async Task HandleAdminAsync(HttpContext context, RequestLog requests, FaultInjector faults)
    {
        var path = context.Request.Path.Value!;
        switch (context.Request.Method, path[AdminPrefix.Length..].TrimEnd('/'))
        {
            case ("GET", "requests"):
                await context.Response.WriteAsJsonAsync(requests.Snapshot(), AdminJson);
                break;
            case ("DELETE", "requests"):
                requests.Clear();
                context.Response.StatusCode = StatusCodes.Status204NoContent;
                break;
            case ("POST", "faults"):
                var rule = await context.Request.ReadFromJsonAsync<FaultRule>(AdminJson);
                if (rule is null)
                {
                    context.Response.StatusCode = StatusCodes.Status400BadRequest;
                    return;
                }

                faults.Add(rule);
                context.Response.StatusCode = StatusCodes.Status201Created;
                break;
            case ("DELETE", "faults"):
                faults.Clear();
                context.Response.StatusCode = StatusCodes.Status204NoContent;
                break;
            case ("POST", "streams/drop"):
                faults.DropStreams();
                context.Response.StatusCode = StatusCodes.Status204NoContent;
                break;
            default:
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                await context.Response.WriteAsync("unknown devstack admin endpoint; known: GET|DELETE requests, POST|DELETE faults, POST streams/drop");
                break;
        }
    }
}
