using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SecretSync.Providers.Aws;

/// <summary>The parts of one SigV4 signature, kept apart so tests can compare each with AWS's published test suite.</summary>
/// <param name="CanonicalRequest">The canonical request (step 1).</param>
/// <param name="StringToSign">The string to sign (step 2).</param>
/// <param name="Signature">The hex signature (step 4).</param>
/// <param name="SignedHeaders">The <c>;</c>-joined lower-case header names signed.</param>
/// <param name="Authorization">The <c>Authorization</c> header value.</param>
internal sealed record SigV4Result(string CanonicalRequest, string StringToSign, string Signature, string SignedHeaders, string Authorization)
{
    /// <inheritdoc />
    public override string ToString() => $"SigV4Result(signed headers {SignedHeaders})";
}

/// <summary>AWS Signature Version 4 for header-signed requests (aws-secrets-manager.md §5).</summary>
/// <remarks>
/// Hand-written because AWSSDK.Core's <c>AWS4Signer</c> is internal API that changed across major versions
/// (aws-secrets-manager.md §5 ".NET"). Checked against AWS's published SigV4 test suite in the tests. The secret
/// key is only ever an HMAC key here; it is never formatted into a string.
/// </remarks>
internal static class SigV4
{
    public const string Algorithm = "AWS4-HMAC-SHA256";

    /// <summary>The hex SHA-256 of an empty payload.</summary>
    public const string EmptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /// <summary>The <c>X-Amz-Date</c> form of a time: <c>yyyyMMddTHHmmssZ</c>.</summary>
    public static string AmzDate(DateTimeOffset time) => time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Signs a request whose headers (including <c>host</c> and <c>x-amz-date</c>) are all to be signed.</summary>
    /// <param name="method">HTTP method.</param>
    /// <param name="path">The request path, not yet encoded (e.g. <c>/</c>).</param>
    /// <param name="query">Query parameters, not yet encoded.</param>
    /// <param name="headers">Every header to sign, with its value as sent.</param>
    /// <param name="payloadHash">Hex SHA-256 of the body.</param>
    /// <param name="accessKeyId">The access key id (goes into the credential scope).</param>
    /// <param name="secretAccessKey">The secret access key (HMAC key only).</param>
    /// <param name="region">The signing region.</param>
    /// <param name="service">The signing service, <c>secretsmanager</c> here.</param>
    /// <param name="amzDate">The value of the <c>x-amz-date</c> header.</param>
    public static SigV4Result Sign(
        string method, string path, IEnumerable<KeyValuePair<string, string>> query, IEnumerable<KeyValuePair<string, string>> headers,
        string payloadHash, string accessKeyId, ReadOnlySpan<char> secretAccessKey, string region, string service, string amzDate)
    {
        var (canonicalHeaders, signedHeaders) = CanonicalHeaders(headers);
        var canonicalRequest = string.Join('\n',
            method.ToUpperInvariant(), CanonicalPath(path), CanonicalQuery(query), canonicalHeaders, signedHeaders, payloadHash);
        var date = amzDate[..8];
        var scope = $"{date}/{region}/{service}/aws4_request";
        var stringToSign = string.Join('\n', Algorithm, amzDate, scope, Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest))));
        var key = SigningKey(secretAccessKey, date, region, service);
        var signature = Hex(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
        CryptographicOperations.ZeroMemory(key);
        var authorization = $"{Algorithm} Credential={accessKeyId}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}";
        return new SigV4Result(canonicalRequest, stringToSign, signature, signedHeaders, authorization);
    }

    /// <summary>The signing key: HMAC chain <c>"AWS4"+secret</c> → date → region → service → <c>aws4_request</c>.</summary>
    public static byte[] SigningKey(ReadOnlySpan<char> secretAccessKey, string date, string region, string service)
    {
        var secret = new byte[Encoding.UTF8.GetByteCount(secretAccessKey) + 4];
        "AWS4"u8.CopyTo(secret);
        Encoding.UTF8.GetBytes(secretAccessKey, secret.AsSpan(4));
        try
        {
            var key = HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(date));
            key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(region));
            key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(service));
            return HMACSHA256.HashData(key, "aws4_request"u8);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <summary>Hex SHA-256 of a payload.</summary>
    public static string PayloadHash(ReadOnlySpan<byte> payload) => Hex(SHA256.HashData(payload));

    /// <summary>Lower-case hex.</summary>
    public static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    /// <summary>RFC 3986 encoding as SigV4 wants it: unreserved characters kept, everything else <c>%XX</c> upper-case.</summary>
    public static string UriEncode(string value, bool keepSlash)
    {
        var builder = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~' || (keepSlash && c == '/'))
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    private static string CanonicalPath(string path) => path.Length == 0 ? "/" : UriEncode(path, keepSlash: true);

    private static string CanonicalQuery(IEnumerable<KeyValuePair<string, string>> query) =>
        string.Join('&', query
            .Select(p => (Name: UriEncode(p.Key, keepSlash: false), Value: UriEncode(p.Value, keepSlash: false)))
            .OrderBy(p => p.Name, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => $"{p.Name}={p.Value}"));

    private static (string Canonical, string Signed) CanonicalHeaders(IEnumerable<KeyValuePair<string, string>> headers)
    {
        // Same-named headers join with commas in the order given; values are trimmed and inner runs of spaces collapse.
        var grouped = headers
            .GroupBy(h => h.Key.Trim().ToLowerInvariant(), StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (Name: g.Key, Value: string.Join(',', g.Select(h => CollapseSpaces(h.Value)))))
            .ToList();
        var canonical = string.Concat(grouped.Select(h => $"{h.Name}:{h.Value}\n"));
        return (canonical, string.Join(';', grouped.Select(h => h.Name)));
    }

    private static string CollapseSpaces(string value)
    {
        var trimmed = value.Trim();
        if (!trimmed.Contains("  ", StringComparison.Ordinal))
        {
            return trimmed;
        }

        var builder = new StringBuilder(trimmed.Length);
        foreach (var c in trimmed)
        {
            if (c != ' ' || builder.Length == 0 || builder[^1] != ' ')
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}
