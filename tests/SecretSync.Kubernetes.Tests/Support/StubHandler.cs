using System.Net;
using System.Text;

namespace SecretSync.Kubernetes.Tests.Support;

/// <summary>Answers requests from a script, for cases the emulator cannot produce; records what was sent.</summary>
internal sealed class StubHandler(Func<HttpRequestMessage, int, HttpResponseMessage> respond) : HttpMessageHandler
{
    private readonly List<(HttpRequestMessage Request, string? Body)> _seen = [];

    public IReadOnlyList<(HttpRequestMessage Request, string? Body)> Seen
    {
        get
        {
            lock (_seen)
            {
                return [.. _seen];
            }
        }
    }

    public static HttpResponseMessage Json(HttpStatusCode code, string json, Action<HttpResponseMessage>? configure = null)
    {
        var response = new HttpResponseMessage(code) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        configure?.Invoke(response);
        return response;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        int index;
        lock (_seen)
        {
            _seen.Add((request, body));
            index = _seen.Count - 1;
        }

        return respond(request, index);
    }
}
