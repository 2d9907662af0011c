using System.Net;
using System.Net.Sockets;
using SecretSync.Core.Providers;
using SecretSync.Providers.Common.Tests.Support;
using SecretSync.Testing;

namespace SecretSync.Providers.Common.Tests;

/// <summary>What a user of any HTTP adapter sees of its transport: which answers are retried, after how long, and what failures say.</summary>
/// <remarks>Back-off and timeouts run on a manual clock, which the tests move exactly as far as the transport asks to wait.</remarks>
public sealed class ProviderTransportTests : IAsyncDisposable
{
    private const string SecretValue = "pw-never-shown-4711";

    private readonly ManualTimeProvider _clock = new();
    private ScriptedServer? _server;

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task ServerErrors_AreRetriedMaxRetriesTimes_ThenTheLastAnswerIsReturned(int maxRetries)
    {
        using var transport = await StartAsync(_ => new Answer(503), maxRetries);

        var call = await WaitingOutRetriesAsync(transport, transport.GetAsync("v1/db"));

        Assert.Equal(503, call.Reply?.Status);
        Assert.Equal(1 + maxRetries, _server!.Arrivals.Count);
    }

    [Fact]
    public async Task TheDefault_IsTwoRetries()
    {
        using var transport = await StartAsync(_ => new Answer(500));

        await WaitingOutRetriesAsync(transport, transport.GetAsync("v1/db"));

        Assert.Equal(3, _server!.Arrivals.Count);
    }

    [Fact]
    public async Task AServerError_ThatHeals_GivesTheGoodAnswer()
    {
        using var transport = await StartAsync(n => n == 0 ? new Answer(502) : new Answer(200, "{}"));

        var call = await WaitingOutRetriesAsync(transport, transport.GetAsync("v1/db"));

        Assert.Equal(200, call.Reply?.Status);
    }

    [Fact]
    public async Task TooManyRequests_IsRetriedAfterItsRetryAfter()
    {
        using var transport = await StartAsync(n => n == 0 ? new Answer(429, RetryAfter: "3") : new Answer(200, "{}"));

        var call = await WaitingOutRetriesAsync(transport, transport.GetAsync("v1/db"));

        Assert.Equal(200, call.Reply?.Status);
        var arrivals = _server!.Arrivals;
        Assert.Equal(TimeSpan.FromSeconds(3), arrivals[1] - arrivals[0]);
    }

    [Fact]
    public async Task TooManyRequests_WithALongRetryAfter_IsReturnedAtOnce_ForTheQueueToHoldOff()
    {
        using var transport = await StartAsync(_ => new Answer(429, RetryAfter: "60"));

        var call = await transport.GetAsync("v1/db");

        Assert.Equal(429, call.Reply?.Status);
        Assert.Equal(TimeSpan.FromSeconds(60), call.Reply?.RetryAfter);
        Assert.Single(_server!.Arrivals);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(403)]
    [InlineData(404)]
    public async Task ClientErrors_AreNotRetried(int status)
    {
        using var transport = await StartAsync(_ => new Answer(status));

        var call = await transport.GetAsync("v1/db");

        Assert.Equal(status, call.Reply?.Status);
        Assert.Single(_server!.Arrivals);
        Assert.Empty(transport.Retries);
    }

    [Fact]
    public async Task AWrite_ThatFailsOnTheServer_IsNotRetried()
    {
        using var transport = await StartAsync(_ => new Answer(500));

        var call = await transport.PostAsync("v1/db", "{}");

        Assert.Equal(500, call.Reply?.Status);
        Assert.Single(_server!.Arrivals);
    }

    [Fact]
    public async Task ATimeout_NamesTheAuthorityTheWaitAndTheRequest_NeverTheBody()
    {
        using var transport = await StartAsync(_ => new Answer(0, Hang: true));

        var pending = transport.PostAsync("v1/db?cas=1", $$"""{"password":"{{SecretValue}}"}""").AsTask();
        await Eventually.TrueAsync(() => _server!.Arrivals.Count == 1, "the request to arrive");
        _clock.Advance(TimeSpan.FromSeconds(10));
        var call = await pending;

        var failure = Assert.IsType<ProviderFailure>(call.Failure);
        Assert.Equal(FailureKind.Unavailable, failure.Kind);
        Assert.Equal("Test did not answer within 10s (POST v1/db).", failure.Message);
    }

    [Fact]
    public async Task RetryReasons_NameTheStatus_NeverTheBody()
    {
        using var transport = await StartAsync(_ => new Answer(503, $$"""{"errors":["{{SecretValue}}"]}"""));

        await WaitingOutRetriesAsync(transport, transport.GetAsync("v1/db"));

        Assert.All(transport.Retries, r => Assert.Equal("status 503", r.Reason));
    }

    [Fact]
    public async Task ARefusedConnection_NamesTheAddress()
    {
        var port = ClosedPort();
        using var transport = new TestTransport(new Uri($"http://127.0.0.1:{port}/"), _clock, maxRetries: 0);

        var call = await transport.GetAsync("v1/db");

        Assert.Equal($"Cannot connect to Test at 127.0.0.1:{port}.", call.Failure?.Message);
    }

    [Fact]
    public async Task ARedirectToAnotherOrigin_IsNotFollowed_AndItsPathIsNotRepeated()
    {
        using var transport = await StartAsync(_ => new Answer(307, Location: "http://127.0.0.2:9/steal?token=t0k3n"), maxRedirects: 1);

        var call = await transport.PostAsync("v1/db", $$"""{"password":"{{SecretValue}}"}""");

        var failure = Assert.IsType<ProviderFailure>(call.Failure);
        Assert.Contains("another origin", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("t0k3n", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(SecretValue, failure.Message, StringComparison.Ordinal);
        Assert.Single(_server!.Arrivals);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task<TestTransport> StartAsync(Func<int, Answer> script, int maxRetries = ProviderPipeline.DefaultMaxRetries, int maxRedirects = 0)
    {
        _server = await ScriptedServer.StartAsync(_clock, script);
        return new TestTransport(_server.Address, _clock, maxRetries, maxRedirects);
    }

    /// <summary>Completes a call, moving the clock by each wait the transport announces once it has started waiting.</summary>
    private async Task<ProviderCall<ProviderReply>> WaitingOutRetriesAsync(TestTransport transport, ValueTask<ProviderCall<ProviderReply>> call)
    {
        var pending = call.AsTask();
        var waited = 0;
        while (true)
        {
            // The first timer created after a retry is announced is the wait before it.
            await Eventually.TrueAsync(
                () => pending.IsCompleted || (transport.Retries.Count > waited && _clock.TimersCreated > transport.Retries[waited].TimersBefore),
                "the call to finish or to wait before a retry");
            if (pending.IsCompleted)
            {
                return await pending;
            }

            _clock.Advance(transport.Retries[waited].Delay);
            waited++;
        }
    }
}
