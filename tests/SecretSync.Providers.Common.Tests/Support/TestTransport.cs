using System.Net.Security;
using System.Text;
using SecretSync.Testing;

namespace SecretSync.Providers.Common.Tests.Support;

/// <summary>The smallest adapter transport: retries 5xx on idempotent calls, as the real adapters do, and records each retry.</summary>
internal sealed class TestTransport : ProviderTransport<ProviderReply>
{
    private readonly ManualTimeProvider _clock;
    private readonly Lock _gate = new();
    private readonly List<(string Reason, TimeSpan Delay, int TimersBefore)> _retries = [];

    public TestTransport(Uri endpoint, ManualTimeProvider clock, int maxRetries = ProviderPipeline.DefaultMaxRetries, int maxRedirects = 0)
        : base(new ProviderTransportOptions
        {
            Name = "test",
            Authority = "Test",
            Endpoint = endpoint,
            TlsSettings = "tls.caFile",
            Timeout = TimeSpan.FromSeconds(10),
            MaxRetries = maxRetries,
            Time = clock,
            Ssl = new SslClientAuthenticationOptions(),
            MaxResponseBytes = 1 << 20,
            MaxRedirects = maxRedirects,
        })
    {
        _clock = clock;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

    /// <summary>Each retry: why, the wait before it, and how many timers existed when it was announced.</summary>
    public IReadOnlyList<(string Reason, TimeSpan Delay, int TimersBefore)> Retries
    {
        get
        {
            lock (_gate)
            {
                return [.. _retries];
            }
        }
    }

    public ValueTask<ProviderCall<ProviderReply>> GetAsync(string path) => SendAsync(HttpMethod.Get, path, null, idempotent: true);

    public ValueTask<ProviderCall<ProviderReply>> PostAsync(string path, string json) =>
        SendAsync(HttpMethod.Post, path, Encoding.UTF8.GetBytes(json), idempotent: false);

    protected override ProviderReply ReplyOf(HttpResponseMessage response, byte[] body) => ProviderReply.Of(response, body, Time);

    protected override bool ShouldRetry(ProviderReply reply, bool idempotent) => reply.Status >= 500 && idempotent;

    protected override void OnRetry(bool idempotent, int attempt, string reason, TimeSpan delay)
    {
        lock (_gate)
        {
            _retries.Add((reason, delay, _clock.TimersCreated));
        }
    }

    private ValueTask<ProviderCall<ProviderReply>> SendAsync(HttpMethod method, string path, byte[]? json, bool idempotent) =>
        SendAsync(
            _ => ValueTask.FromResult(new HttpRequestMessage(method, new Uri(Endpoint, path)) { Content = JsonContent(json) }),
            idempotent, Route(method, path), CancellationToken.None);
}
