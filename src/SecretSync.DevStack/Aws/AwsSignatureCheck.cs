using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace SecretSync.DevStack.Aws;

/// <summary>Verifies SigV4 <c>Authorization</c> headers as Secrets Manager does, recomputing the signature with the known key.</summary>
/// <remarks>
/// Written independently of the adapter's signer (DevStack references no SecretSync project), from
/// aws-secrets-manager.md §5: canonical request → string to sign → HMAC chain. It signs exactly the headers the
/// client lists in <c>SignedHeaders</c>, so SDKs that sign more (amz-sdk-*, content-length, x-amz-content-sha256)
/// verify too.
/// </remarks>
internal static class AwsSignatureCheck
{
    private const string Algorithm = "AWS4-HMAC-SHA256";

    /// <summary>Null when the request is correctly signed with the emulator's key; otherwise the error AWS would send.</summary>
    public static AwsError? Verify(HttpRequest request, byte[] body, AwsSecretsManagerEmulatorOptions options, DateTimeOffset now)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.Length == 0)
        {
            return new AwsError("MissingAuthenticationTokenException", "Missing Authentication Token", 400);
        }

        if (!header.StartsWith(Algorithm + " ", StringComparison.Ordinal))
        {
            return new AwsError("IncompleteSignatureException", $"Authorization header requires the {Algorithm} algorithm.", 400);
        }

        var parts = header[(Algorithm.Length + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        if (!parts.TryGetValue("Credential", out var credential) || !parts.TryGetValue("SignedHeaders", out var signedList)
            || !parts.TryGetValue("Signature", out var signature))
        {
            return new AwsError("IncompleteSignatureException",
                "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.", 400);
        }

        var scope = credential.Split('/');
        if (scope.Length != 5 || scope[4] != "aws4_request")
        {
            return new AwsError("IncompleteSignatureException", "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term.", 400);
        }

        if (scope[0] != options.AccessKeyId)
        {
            return new AwsError("UnrecognizedClientException", "The security token included in the request is invalid.", 400);
        }

        var token = request.Headers["X-Amz-Security-Token"].ToString();
        if (options.SessionToken is not null && token != options.SessionToken)
        {
            return new AwsError("UnrecognizedClientException", "The security token included in the request is invalid.", 400);
        }

        var amzDate = request.Headers["X-Amz-Date"].ToString();
        if (!DateTimeOffset.TryParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var signedAt))
        {
            return new AwsError("IncompleteSignatureException", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.", 400);
        }

        if (scope[1] != amzDate[..8])
        {
            return new AwsError("InvalidSignatureException", $"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{scope[1]}' != '{amzDate[..8]}'", 403);
        }

        if (scope[2] != options.Region)
        {
            return new AwsError("InvalidSignatureException", $"Credential should be scoped to a valid region. ", 403);
        }

        if (scope[3] != "secretsmanager")
        {
            return new AwsError("InvalidSignatureException", "Credential should be scoped to correct service: 'secretsmanager'. ", 403);
        }

        if ((signedAt - now).Duration() > options.MaxClockSkew)
        {
            return new AwsError("InvalidSignatureException",
                $"Signature expired: {amzDate} is now earlier than {(now - options.MaxClockSkew).UtcDateTime:yyyyMMdd'T'HHmmss'Z'} ({now.UtcDateTime:yyyyMMdd'T'HHmmss'Z'} - {options.MaxClockSkew.TotalMinutes:0} min.)", 403);
        }

        var signedHeaders = signedList.Split(';');
        if (!signedHeaders.Contains("host") || signedHeaders.Any(h => h != h.ToLowerInvariant()) || !signedHeaders.SequenceEqual(signedHeaders.Order(StringComparer.Ordinal)))
        {
            return new AwsError("InvalidSignatureException", "'Host' must be a signed header; SignedHeaders must be lower-case and sorted.", 403);
        }

        var canonical = new StringBuilder();
        canonical.Append(request.Method.ToUpperInvariant()).Append('\n');
        canonical.Append(Encode(request.Path.HasValue ? request.Path.Value! : "/", keepSlash: true)).Append('\n');
        canonical.Append(CanonicalQuery(request.QueryString.Value)).Append('\n');
        foreach (var name in signedHeaders)
        {
            var values = request.Headers[name];
            canonical.Append(name).Append(':').Append(string.Join(',', values.Select(v => Collapse(v ?? "")))).Append('\n');
        }

        canonical.Append('\n').Append(signedList).Append('\n').Append(Convert.ToHexStringLower(SHA256.HashData(body)));
        var stringToSign = $"{Algorithm}\n{amzDate}\n{string.Join('/', scope[1..])}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())))}";
        var key = Hmac(Encoding.UTF8.GetBytes("AWS4" + options.SecretAccessKey), scope[1]);
        key = Hmac(key, scope[2]);
        key = Hmac(key, scope[3]);
        key = Hmac(key, "aws4_request");
        var expected = Convert.ToHexStringLower(Hmac(key, stringToSign));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature))
            ? null
            : new AwsError("InvalidSignatureException",
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.", 403);
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    private static string Collapse(string value)
    {
        var builder = new StringBuilder();
        foreach (var c in value.Trim())
        {
            if (c != ' ' || builder.Length == 0 || builder[^1] != ' ')
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }

    private static string CanonicalQuery(string? query)
    {
        if (string.IsNullOrEmpty(query) || query == "?")
        {
            return "";
        }

        return string.Join('&', query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .Select(pair => (Name: Encode(Uri.UnescapeDataString(pair[0]), false), Value: Encode(Uri.UnescapeDataString(pair.Length > 1 ? pair[1] : ""), false)))
            .OrderBy(p => p.Name, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => $"{p.Name}={p.Value}"));
    }

    private static string Encode(string text, bool keepSlash)
    {
        var builder = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            if ((b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b is (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~'
                || (keepSlash && b == '/'))
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append(CultureInfo.InvariantCulture, $"%{b:X2}");
            }
        }

        return builder.ToString();
    }
}
