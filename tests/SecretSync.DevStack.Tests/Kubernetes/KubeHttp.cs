using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace SecretSync.DevStack.Tests.Kubernetes;

/// <summary>Plain HttpClient calls against the emulator, the way any REST client would make them.</summary>
internal sealed class KubeHttp : IDisposable
{
    public KubeHttp(KubernetesEmulator emulator, string? token = null)
    {
        Client = new HttpClient { BaseAddress = emulator.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null)
        {
            Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    public HttpClient Client { get; }

    public static JsonObject Secret(string name, IReadOnlyDictionary<string, string>? stringData = null, IReadOnlyDictionary<string, string>? labels = null)
    {
        var metadata = new JsonObject { ["name"] = name };
        if (labels is not null)
        {
            metadata["labels"] = Map(labels);
        }

        var secret = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Secret", ["metadata"] = metadata };
        if (stringData is not null)
        {
            secret["stringData"] = Map(stringData);
        }

        return secret;
    }

    public static JsonObject Map(IReadOnlyDictionary<string, string> entries)
    {
        var map = new JsonObject();
        foreach (var (key, value) in entries)
        {
            map[key] = value;
        }

        return map;
    }

    public static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    public Task<Reply> GetAsync(string path) => SendAsync(HttpMethod.Get, path, null, null);

    public Task<Reply> PostAsync(string path, JsonNode body) => SendAsync(HttpMethod.Post, path, body.ToJsonString(), "application/json");

    public Task<Reply> PutAsync(string path, JsonNode body) => SendAsync(HttpMethod.Put, path, body.ToJsonString(), "application/json");

    public Task<Reply> PatchAsync(string path, string contentType, JsonNode body) => SendAsync(HttpMethod.Patch, path, body.ToJsonString(), contentType);

    public Task<Reply> DeleteAsync(string path, JsonNode? body = null) => SendAsync(HttpMethod.Delete, path, body?.ToJsonString(), body is null ? null : "application/json");

    public async Task<Reply> SendAsync(HttpMethod method, string path, string? body, string? contentType)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType ?? "application/json");
        }

        using var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new Reply(response.StatusCode, text, response.Headers.RetryAfter?.Delta, response.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>Opens a watch and yields one parsed event per line.</summary>
    public async IAsyncEnumerable<JsonObject> WatchAsync(string pathAndQuery, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, pathAndQuery);
        using var response = await Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var reader = new StreamReader(stream);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length > 0)
            {
                yield return JsonNode.Parse(line)!.AsObject();
            }
        }
    }

    public void Dispose() => Client.Dispose();
}

/// <summary>A response: status, body text and the parsed body when it is JSON.</summary>
internal sealed record Reply(HttpStatusCode Status, string Body, TimeSpan? RetryAfter, string? MediaType)
{
    public JsonObject Json => JsonNode.Parse(Body)!.AsObject();

    public int Code => (int)Status;

    public override string ToString() => $"{Code} {Body}";
}
