using System.Text;

namespace SecretSync.Providers.Gcp.Tests;

public sealed class Crc32CTests
{
    // RFC 3720 (iSCSI) appendix B.4 and the CRC catalogue's CRC-32/ISCSI check value.
    [Theory]
    [InlineData("123456789", 0xE3069283u)]
    [InlineData("", 0x00000000u)]
    [InlineData("a", 0xC1D04330u)]
    [InlineData("The quick brown fox jumps over the lazy dog", 0x22620404u)]
    public void Crc32C_MatchesPublishedVectors(string text, uint expected) =>
        Assert.Equal(expected, Crc32C.Compute(Encoding.ASCII.GetBytes(text)));

    [Fact]
    public void Crc32C_MatchesTheIscsiVectorsForZerosOnesAndCounting()
    {
        Assert.Equal(0x8A9136AAu, Crc32C.Compute(new byte[32]));
        Assert.Equal(0x62A8AB43u, Crc32C.Compute(Enumerable.Repeat((byte)0xFF, 32).ToArray()));
        Assert.Equal(0x46DD794Eu, Crc32C.Compute(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray()));
        Assert.Equal(0x113FDB5Cu, Crc32C.Compute(Enumerable.Range(0, 32).Select(i => (byte)(31 - i)).ToArray()));
    }

    [Fact]
    public void Crc32C_OfTheReferenceExamplePayload_IsComputedFromItsBytes()
    {
        // gcp-secret-manager.md §2 shows data "czNjcjN0" (s3cr3t) beside dataCrc32c "2976264125", an illustrative number:
        // the CRC-32C of those bytes is 825573743, which is what Google sends and gcloud checks.
        Assert.Equal(825573743u, Crc32C.Compute(Convert.FromBase64String("czNjcjN0")));
    }
}
