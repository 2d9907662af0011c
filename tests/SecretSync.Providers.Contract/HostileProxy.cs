using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using SecretSync.DevStack.Hosting;

namespace SecretSync.Providers.Contract;

/// <summary>How the proxy spoils an answer.</summary>
/// <param name="Name">Printed when a case fails.</param>
/// <param name="Body">Turns the authority's body into the one sent; null sends it unchanged.</param>
/// <param name="Cut">Announce the whole length, send half, then drop the connection.</param>
/// <param name="Padding">Bytes of whitespace streamed after the body (an oversized answer).</param>
/// <param name="Chunked">Send the padded answer without a <c>Content-Length</c>, so its size shows only while reading.</param>
public sealed record Mutation(string Name, Func<byte[], byte[]>? Body = null, bool Cut = false, long Padding = 0, bool Chunked = false)
{
    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>A loopback reverse proxy in front of an emulator that corrupts the emulator's faithful answers.</summary>
/// <remarks>
/// The emulators only give well-formed answers; the proxy forwards each request unchanged (Host header included, so
/// AWS signatures still verify) and applies <see cref="Mutation"/> to the answers <see cref="Mutates"/> selects.
/// </remarks>
public sealed class HostileProxy : IAsyncDisposable
{
    private readonly HttpClient _upstream;
    private readonly LoopbackServer _server;

    private HostileProxy(HttpClient upstream, LoopbackServer server)
    {
        _upstream = upstream;
        _server = server;
    }

    /// <summary>Where clients connect (https when started with TLS material).</summary>
    public Uri Address => _server.Address;

    /// <summary>The spoiling applied now; null forwards faithfully.</summary>
    public Mutation? Mutation { get; set; }

    /// <summary>Which requests are spoiled (method, path); every request when null.</summary>
    public Func<string, string, bool>? Mutates { get; set; }

    /// <summary>Response headers dropped from spoiled answers, where a protocol also states its outcome (AWS's <c>x-amzn-ErrorType</c>).</summary>
    public IReadOnlyList<string> AnswerHeaders { get; set; } = [];

    /// <summary>Answers spoiled so far: a case that spoiled nothing proves nothing.</summary>
    public int Spoiled => _spoiled;

    private int _spoiled;

    /// <summary>Starts a proxy to <paramref name="upstream"/>, trusting <paramref name="upstreamCaPem"/> for an https upstream.</summary>
    public static async Task<HostileProxy> StartAsync(Uri upstream, TlsMaterial? tls = null, string? upstreamCaPem = null)
    {
        var handler = new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, AutomaticDecompression = DecompressionMethods.None };
        if (upstreamCaPem is not null)
        {
            var ca = X509Certificate2.CreateFromPem(upstreamCaPem);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return certificate is X509Certificate2 presented && chain.Build(presented);
            };
        }

        var client = new HttpClient(handler) { BaseAddress = upstream, Timeout = TimeSpan.FromSeconds(30) };
        HostileProxy? proxy = null;
        var server = await LoopbackServer.StartAsync(context => proxy!.ForwardAsync(context), tls);
        proxy = new HostileProxy(client, server);
        return proxy;
    }

    private async Task ForwardAsync(HttpContext context)
    {
        var request = context.Request;
        using var forward = new HttpRequestMessage(new HttpMethod(request.Method), request.Path + request.QueryString);
        var body = new MemoryStream();
        await request.Body.CopyToAsync(body, context.RequestAborted);
        if (body.Length > 0 || request.ContentLength is not null)
        {
            forward.Content = new ByteArrayContent(body.ToArray());
        }

        foreach (var (name, values) in request.Headers)
        {
            if (!forward.Headers.TryAddWithoutValidation(name, [.. values]))
            {
                forward.Content?.Headers.TryAddWithoutValidation(name, [.. values]);
            }
        }

        using var answer = await _upstream.SendAsync(forward, context.RequestAborted);
        var bytes = await answer.Content.ReadAsByteArrayAsync(context.RequestAborted);
        context.Response.StatusCode = (int)answer.StatusCode;
        foreach (var (name, values) in answer.Headers.Concat(answer.Content.Headers))
        {
            if (name is not ("Content-Length" or "Transfer-Encoding"))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }

        var mutation = Mutation;
        if (mutation is null || Mutates?.Invoke(request.Method, request.Path.Value ?? "") == false)
        {
            await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
            return;
        }

        Interlocked.Increment(ref _spoiled);
        foreach (var header in AnswerHeaders)
        {
            context.Response.Headers.Remove(header);
        }

        var spoiled = mutation.Body?.Invoke(bytes) ?? bytes;
        if (mutation.Cut)
        {
            context.Response.ContentLength = spoiled.Length;
            await context.Response.Body.WriteAsync(spoiled.AsMemory(0, spoiled.Length / 2), context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            context.Abort();
            return;
        }

        if (!mutation.Chunked)
        {
            context.Response.ContentLength = spoiled.Length + mutation.Padding;
        }

        await context.Response.Body.WriteAsync(spoiled, context.RequestAborted);
        var spaces = new byte[64 * 1024];
        Array.Fill(spaces, (byte)' ');
        for (var left = mutation.Padding; left > 0; left -= spaces.Length)
        {
            try
            {
                await context.Response.Body.WriteAsync(spaces.AsMemory(0, (int)Math.Min(spaces.Length, left)), context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return; // the client stopped reading at its own limit
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        _upstream.Dispose();
    }
}
