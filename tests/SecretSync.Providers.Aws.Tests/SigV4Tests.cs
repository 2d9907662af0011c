namespace SecretSync.Providers.Aws.Tests;

/// <summary>The signer against AWS's published Signature Version 4 test suite.</summary>
/// <remarks>
/// Source: AWS General Reference, "Signature Version 4 test suite" (aws-sig-v4-test-suite, cases dated
/// 20150830T123600Z, credentials AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, us-east-1, service
/// "service"): the .creq, .sts and .authz files of get-vanilla, post-vanilla and post-x-www-form-urlencoded; and
/// the signing-key example of "Examples of how to derive a signing key for Signature Version 4" (20120215/iam).
/// https://docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html
/// </remarks>
public sealed class SigV4Tests
{
    private const string KeyId = "AKIDEXAMPLE";
    private const string Secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private const string Date = "20150830T123600Z";

    private static readonly KeyValuePair<string, string>[] BaseHeaders = [new("Host", "example.amazonaws.com"), new("X-Amz-Date", Date)];

    [Fact]
    public void GetVanilla_MatchesThePublishedCanonicalRequestStringToSignAndSignature()
    {
        var result = SigV4.Sign("GET", "/", [], BaseHeaders, SigV4.EmptyPayloadHash, KeyId, Secret, "us-east-1", "service", Date);

        Assert.Equal("GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            result.CanonicalRequest);
        Assert.Equal("AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
            result.StringToSign);
        Assert.Equal("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", result.Signature);
        Assert.Equal("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, " +
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", result.Authorization);
    }

    [Fact]
    public void PostVanilla_MatchesThePublishedCanonicalRequestStringToSignAndSignature()
    {
        var result = SigV4.Sign("POST", "/", [], BaseHeaders, SigV4.EmptyPayloadHash, KeyId, Secret, "us-east-1", "service", Date);

        Assert.Equal("POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            result.CanonicalRequest);
        Assert.Equal("AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
            result.StringToSign);
        Assert.Equal("5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b", result.Signature);
    }

    [Fact]
    public void PostXWwwFormUrlencoded_SignsTheBodyAndContentType_AsPublished()
    {
        var body = "Param1=value1"u8.ToArray();
        KeyValuePair<string, string>[] headers = [new("Content-Type", "application/x-www-form-urlencoded"), .. BaseHeaders];

        var result = SigV4.Sign("POST", "/", [], headers, SigV4.PayloadHash(body), KeyId, Secret, "us-east-1", "service", Date);

        Assert.Equal("POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n" +
            "content-type;host;x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e", result.CanonicalRequest);
        Assert.Equal("AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281",
            result.StringToSign);
        Assert.Equal("ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a", result.Signature);
        Assert.Equal("content-type;host;x-amz-date", result.SignedHeaders);
    }

    [Fact]
    public void QueryParameters_AreSortedByName_AsInGetVanillaQueryOrderKeyCase()
    {
        var result = SigV4.Sign("GET", "/", [new("Param2", "value2"), new("Param1", "value1")], BaseHeaders, SigV4.EmptyPayloadHash,
            KeyId, Secret, "us-east-1", "service", Date);

        Assert.Equal("b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500", result.Signature);
    }

    [Fact]
    public void SigningKey_MatchesTheDocumentedDerivationExample()
    {
        Assert.Equal("f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d",
            SigV4.Hex(SigV4.SigningKey(Secret, "20120215", "us-east-1", "iam")));
    }

    [Fact]
    public void HeaderValues_AreTrimmedAndInnerSpacesCollapsed_AndNamesLowerCased()
    {
        var result = SigV4.Sign("GET", "/", [], [.. BaseHeaders, new("My-Header1", "  a   b  c ")], SigV4.EmptyPayloadHash,
            KeyId, Secret, "us-east-1", "service", Date);

        Assert.Contains("my-header1:a b c\n", result.CanonicalRequest, StringComparison.Ordinal);
        Assert.Equal("host;my-header1;x-amz-date", result.SignedHeaders);
    }

    [Fact]
    public void TheResult_NeverPrintsTheSecretKey()
    {
        var result = SigV4.Sign("POST", "/", [], BaseHeaders, SigV4.EmptyPayloadHash, KeyId, Secret, "us-east-1", "service", Date);

        Assert.DoesNotContain(Secret, result.Authorization, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, result.CanonicalRequest + result.StringToSign + result, StringComparison.Ordinal);
    }
}
