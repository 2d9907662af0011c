using System.Buffers.Binary;
using System.Security.Cryptography;
using SecretSync.Core.Audit;

namespace SecretSync.Audit.FileChain;

/// <summary>The key that authenticates chain records: derived from the install key with its own label, never the install key itself.</summary>
/// <remarks>
/// HKDF-SHA256 (RFC 5869) of the install key with the info <see cref="Label"/>, so the chain's MACs and the content HMACs of
/// Secrets never share a key. Whoever can read the install key (the daemon, and whoever may read its Secret or file) can also
/// forge records; nobody else can recompute a chain.
/// </remarks>
public sealed class ChainKey
{
    /// <summary>The HKDF info that separates this key from every other use of the install key.</summary>
    public const string Label = "secretsync audit chain v1";

    private readonly byte[] _key;

    private ChainKey(byte[] key) => _key = key;

    /// <summary>The chain key of an install key.</summary>
    /// <param name="installKey">The daemon's install key (at least 16 bytes).</param>
    /// <returns>The derived key.</returns>
    /// <exception cref="ArgumentException">The install key is shorter than 16 bytes.</exception>
    public static ChainKey Derive(ReadOnlySpan<byte> installKey)
    {
        if (installKey.Length < InstallKeyText.MinimumBytes)
        {
            throw new ArgumentException($"An install key has at least {InstallKeyText.MinimumBytes} bytes.", nameof(installKey));
        }

        return new ChainKey(HKDF.DeriveKey(HashAlgorithmName.SHA256, installKey.ToArray(), 32, [], System.Text.Encoding.ASCII.GetBytes(Label)));
    }

    /// <summary>The chain key in a file: an exported chain key (<see cref="Export"/>), or derived from the install key in it
    /// (base64 text or raw bytes, as the daemon's key files and the install key Secret's data).</summary>
    /// <param name="path">The key file.</param>
    /// <returns>The chain key.</returns>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="InvalidOperationException">The key in it is too short or malformed.</exception>
    public static ChainKey FromKeyFile(string path)
    {
        var content = File.ReadAllBytes(path);
        var text = System.Text.Encoding.UTF8.GetString(content).Trim();
        if (!text.StartsWith(InstallKeyText.ChainKeyPrefix, StringComparison.Ordinal))
        {
            return FromInstallKey(content, path);
        }

        var key = new byte[32];
        return Convert.TryFromBase64String(text[InstallKeyText.ChainKeyPrefix.Length..], key, out var written) && written == key.Length
            ? new ChainKey(key)
            : throw new InvalidOperationException($"The chain key in {path} is malformed: expected {InstallKeyText.ChainKeyPrefix} and 32 bytes of base64.");
    }

    /// <summary>The chain key of the install key in a file; refuses a file that holds a chain key.</summary>
    /// <param name="path">The install key file (base64 text or raw bytes).</param>
    /// <returns>The derived key.</returns>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="InvalidOperationException">The key in it is too short, or it is a chain key.</exception>
    public static ChainKey FromInstallKeyFile(string path) => FromInstallKey(File.ReadAllBytes(path), path);

    /// <summary>The key as a file's text: what an auditor needs to verify the chain, and nothing that confirms a guessed Secret value.</summary>
    /// <returns>The prefix and the key in base64.</returns>
    public string Export() => InstallKeyText.ChainKeyPrefix + Convert.ToBase64String(_key);

    private static ChainKey FromInstallKey(byte[] content, string where) => Derive(InstallKeyText.Decode(content, where));

    /// <summary>HMAC-SHA256 over the record's sequence (8 bytes, big-endian), its link and its event bytes.</summary>
    internal byte[] Mac(long sequence, ReadOnlySpan<byte> prev, ReadOnlySpan<byte> eventJson)
    {
        Span<byte> number = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(number, sequence);
        using var mac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        mac.AppendData(number);
        mac.AppendData(prev);
        mac.AppendData(eventJson);
        return mac.GetHashAndReset();
    }
}
