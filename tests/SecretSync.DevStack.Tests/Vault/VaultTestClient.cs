using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace SecretSync.DevStack.Tests.Vault;

/// <summary>An answer from the emulator: status, raw body, parsed body (default when empty), Content-Type.</summary>
internal sealed record VaultAnswer(HttpStatusCode Status, string Raw, JsonElement Json, string? ContentType, HttpResponseMessage Response)
{
    public JsonElement Data => Json.GetProperty("data");

    public string[] Errors => [.. Json.GetProperty("errors").EnumerateArray().Select(e => e.GetString()!)];
}

/// <summary>A plain HttpClient speaking to the emulator the way any Vault client does; never our adapter.</summary>
internal sealed class VaultTestClient : IAsyncDisposable
{
    private VaultTestClient(VaultEmulator vault)
    {
        Vault = vault;
        Http = new HttpClient { BaseAddress = vault.BaseAddress };
    }

    public VaultEmulator Vault { get; }

    public HttpClient Http { get; }

    public static async Task<VaultTestClient> StartAsync(VaultEmulatorOptions? options = null) =>
        new(await VaultEmulator.StartAsync(options));

    public Task<VaultAnswer> GetAsync(string path, string? token = "root") => SendAsync("GET", path, null, token);

    public Task<VaultAnswer> PostAsync(string path, object? body, string? token = "root") => SendAsync("POST", path, body, token);

    public Task<VaultAnswer> ListAsync(string path, string? token = "root") => SendAsync("LIST", path, null, token);

    public Task<VaultAnswer> DeleteAsync(string path, string? token = "root") => SendAsync("DELETE", path, null, token);

    public Task<VaultAnswer> PatchAsync(string path, object body, string? token = "root", string contentType = "application/merge-patch+json") =>
        SendAsync("PATCH", path, body, token, contentType);

    public async Task<VaultAnswer> SendAsync(string method, string path, object? body, string? token = "root", string contentType = "application/json",
        IReadOnlyDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path.TrimStart('/'));
        if (token is not null)
        {
            request.Headers.Add("X-Vault-Token", token);
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (body is not null)
        {
            var json = body as string ?? JsonSerializer.Serialize(body);
            request.Content = new StringContent(json, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        }

        var response = await Http.SendAsync(request);
        var raw = await response.Content.ReadAsStringAsync();
        var parsed = raw.Length == 0 ? default : JsonDocument.Parse(raw).RootElement.Clone();
        return new VaultAnswer(response.StatusCode, raw, parsed, response.Content.Headers.ContentType?.ToString(), response);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Vault.DisposeAsync();
    }
}

/// <summary>Assertions on the shapes of reference vault.md §1.</summary>
internal static class VaultShape
{
    /// <summary>§1 "Response envelope": every field present with its neutral value for a KV or auth answer.</summary>
    public static void AssertEnvelope(JsonElement body, bool hasAuth = false)
    {
        Assert.True(Guid.TryParse(body.GetProperty("request_id").GetString(), out _));
        Assert.Equal("", body.GetProperty("lease_id").GetString());
        Assert.False(body.GetProperty("renewable").GetBoolean());
        Assert.Equal(0, body.GetProperty("lease_duration").GetInt32());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("wrap_info").ValueKind);
        Assert.True(body.TryGetProperty("warnings", out _));
        Assert.Equal(hasAuth ? JsonValueKind.Object : JsonValueKind.Null, body.GetProperty("auth").ValueKind);
        Assert.True(body.TryGetProperty("data", out _));
    }

    /// <summary>§1 "Errors": exactly <c>{"errors":[...]}</c> with the given messages.</summary>
    public static void AssertErrors(VaultAnswer answer, HttpStatusCode status, params string[] errors)
    {
        Assert.Equal(status, answer.Status);
        Assert.Equal("application/json", answer.ContentType);
        Assert.Equal(["errors"], answer.Json.EnumerateObject().Select(p => p.Name));
        Assert.Equal(errors, answer.Errors);
    }

    public static string[] Names(JsonElement obj) => [.. obj.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];

    public static Dictionary<string, object?> Data(params (string Key, object? Value)[] pairs) =>
        pairs.ToDictionary(p => p.Key, p => p.Value);
}
