using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace SecretSync.DevStack.Tests.Gcp;

/// <summary>An answer from the emulator: status, raw body and parsed body (default when not JSON).</summary>
internal sealed record GcpAnswer(HttpStatusCode Status, string Raw, JsonElement Json, HttpResponseMessage Response)
{
    public string ErrorStatus => Json.GetProperty("error").GetProperty("status").GetString()!;

    public string ErrorMessage => Json.GetProperty("error").GetProperty("message").GetString()!;
}

/// <summary>A plain HttpClient speaking Secret Manager's REST JSON to the emulator, as any client would; never our adapter.</summary>
internal sealed class GcpTestHttp : IAsyncDisposable
{
    private GcpTestHttp(GcpSecretManagerEmulator gcp)
    {
        Gcp = gcp;
        Http = new HttpClient { BaseAddress = gcp.BaseAddress };
    }

    public GcpSecretManagerEmulator Gcp { get; }

    public HttpClient Http { get; }

    public string Secrets => $"v1/projects/{Gcp.Project}/secrets";

    public static async Task<GcpTestHttp> StartAsync(GcpSecretManagerEmulatorOptions? options = null) => new(await GcpSecretManagerEmulator.StartAsync(options));

    public Task<GcpAnswer> GetAsync(string path, string? token = "") => SendAsync("GET", path, null, token);

    public Task<GcpAnswer> PostAsync(string path, object? body, string? token = "") => SendAsync("POST", path, body, token);

    public async Task<GcpAnswer> SendAsync(string method, string path, object? body, string? token = "")
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path.TrimStart('/'));
        token = token == "" ? Gcp.AccessToken : token;
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body as string ?? JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        }

        var response = await Http.SendAsync(request);
        var raw = await response.Content.ReadAsStringAsync();
        JsonElement json = default;
        try
        {
            json = raw.Length > 0 ? JsonDocument.Parse(raw).RootElement.Clone() : default;
        }
        catch (JsonException)
        {
        }

        return new GcpAnswer(response.StatusCode, raw, json, response);
    }

    /// <summary>CRC-32C computed independently of both the adapter and the emulator (bitwise, no table).</summary>
    public static uint Crc32C(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var i = 0; i < 8; i++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
            }
        }

        return ~crc;
    }

    public static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Gcp.DisposeAsync();
    }
}
