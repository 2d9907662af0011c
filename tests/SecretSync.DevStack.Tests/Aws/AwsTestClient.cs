using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace SecretSync.DevStack.Tests.Aws;

/// <summary>A bare JSON 1.1 client with its own SigV4 signing, to drive the emulator at the HTTP level.</summary>
internal sealed class AwsTestClient(AwsSecretsManagerEmulator aws) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = aws.BaseAddress };

    public sealed record Answer(int Status, JsonElement Body, string? ErrorType, string? RetryAfter)
    {
        public string? Code => Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty("__type", out var t) ? t.GetString() : null;
    }

    public Task<Answer> CallAsync(string operation, object body) => CallAsync(operation, body, aws.AccessKeyId, aws.SecretAccessKey, TimeProvider.System.GetUtcNow(), aws.Region);

    public async Task<Answer> CallAsync(string operation, object body, string keyId, string secret, DateTimeOffset at, string region, bool sign = true)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(body);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/") { Content = new ByteArrayContent(json) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-amz-json-1.1");
        var amzDate = at.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var host = $"{aws.BaseAddress.Host}:{aws.BaseAddress.Port}";
        var target = $"secretsmanager.{operation}";
        request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        if (sign)
        {
            var canonical = $"POST\n/\n\ncontent-type:application/x-amz-json-1.1\nhost:{host}\nx-amz-date:{amzDate}\nx-amz-target:{target}\n\n" +
                $"content-type;host;x-amz-date;x-amz-target\n{Hex(SHA256.HashData(json))}";
            var scope = $"{amzDate[..8]}/{region}/secretsmanager/aws4_request";
            var toSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
            var key = Hmac(Encoding.UTF8.GetBytes("AWS4" + secret), amzDate[..8]);
            key = Hmac(Hmac(Hmac(key, region), "secretsmanager"), "aws4_request");
            request.Headers.TryAddWithoutValidation("Authorization",
                $"AWS4-HMAC-SHA256 Credential={keyId}/{scope}, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature={Hex(Hmac(key, toSign))}");
        }

        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var parsed = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return new Answer((int)response.StatusCode, parsed,
            response.Headers.TryGetValues("x-amzn-ErrorType", out var types) ? types.First() : null,
            response.Headers.TryGetValues("Retry-After", out var retry) ? retry.First() : null);
    }

    public void Dispose() => _http.Dispose();

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
