namespace SecretSync.Providers.Gcp;

/// <summary>CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum Secret Manager puts in <c>dataCrc32c</c> (gcp-secret-manager.md §2).</summary>
/// <remarks>System.IO.Hashing is not among the pinned packages, and a table-driven CRC is a few lines.</remarks>
internal static class Crc32C
{
    private static readonly uint[] Table = BuildTable();

    /// <summary>The CRC-32C of <paramref name="data"/>, e.g. <c>0xE3069283</c> for the ASCII bytes of <c>123456789</c>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return ~crc;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var entry = i;
            for (var bit = 0; bit < 8; bit++)
            {
                entry = (entry & 1) != 0 ? (entry >> 1) ^ 0x82F63B78u : entry >> 1;
            }

            table[i] = entry;
        }

        return table;
    }
}
