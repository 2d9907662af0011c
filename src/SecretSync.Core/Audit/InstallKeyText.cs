namespace SecretSync.Core.Audit;

/// <summary>Reads install key material as key files and Secrets hold it: base64 text, or raw bytes.</summary>
public static class InstallKeyText
{
    /// <summary>The fewest bytes an install key may have.</summary>
    public const int MinimumBytes = 16;

    /// <summary>How a file holding an audit chain key (not an install key) begins; such a key can verify the chain but derive nothing else.</summary>
    public const string ChainKeyPrefix = "secretsync-chain-key-v1:";

    /// <summary>The key in <paramref name="content"/>: decoded when it is base64 text, else the bytes themselves.</summary>
    /// <param name="content">A key file's or Secret value's bytes.</param>
    /// <param name="where">Where they came from, named in the error.</param>
    /// <returns>The key.</returns>
    /// <exception cref="InvalidOperationException">The key is shorter than <see cref="MinimumBytes"/>.</exception>
    public static byte[] Decode(byte[] content, string where)
    {
        ArgumentNullException.ThrowIfNull(content);
        var text = System.Text.Encoding.UTF8.GetString(content).Trim();
        if (text.StartsWith(ChainKeyPrefix, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{where} holds an audit chain key (from 'secretsync audit chain-key'), not an install key.");
        }

        var buffer = new byte[text.Length];
        var key = Convert.TryFromBase64String(text, buffer, out var written) ? buffer[..written] : content;
        return key.Length >= MinimumBytes
            ? key
            : throw new InvalidOperationException($"The install key in {where} is {key.Length} bytes; at least {MinimumBytes} are required.");
    }
}
