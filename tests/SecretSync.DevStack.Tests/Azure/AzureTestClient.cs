using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace SecretSync.DevStack.Tests.Azure;

/// <summary>Raw HTTPS calls to the Key Vault emulator, trusting its CA only, with or without the bearer token.</summary>
internal sealed class AzureTestClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly AzureKeyVaultEmulator _vault;

    public AzureTestClient(AzureKeyVaultEmulator vault)
    {
        _vault = vault;
        var ca = vault.Tls.Authority;
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            {
                if (certificate is null)
                {
                    return false;
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(certificate);
            },
        };
        _http = new HttpClient(handler) { BaseAddress = vault.BaseAddress };
    }

    public Task<(int Status, JsonElement Body, HttpResponseMessage Response)> SendAsync(
        HttpMethod method, string pathAndQuery, object? body = null, bool authenticated = true, string? token = null) =>
        SendRawAsync(method, pathAndQuery, body is null ? null : JsonSerializer.Serialize(body), authenticated, token);

    public async Task<(int Status, JsonElement Body, HttpResponseMessage Response)> SendRawAsync(
        HttpMethod method, string pathAndQuery, string? json, bool authenticated = true, string? token = null)
    {
        using var request = new HttpRequestMessage(method, pathAndQuery);
        if (authenticated)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token ?? _vault.AccessToken);
        }

        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var element = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return ((int)response.StatusCode, element, response);
    }

    public void Dispose() => _http.Dispose();
}
