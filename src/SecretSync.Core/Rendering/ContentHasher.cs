using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace SecretSync.Core.Rendering;

/// <summary>Keyed hash of a Secret's type and data, safe to publish in annotations and audit events.</summary>
/// <remarks>
/// HMAC-SHA256 under the install key, so a published hash cannot be used to confirm a guessed value. The
/// encoding is canonical: keys sorted ordinally, every field length-prefixed, so neither map order nor
/// key/value boundaries can make different contents hash alike.
/// </remarks>
public sealed class ContentHasher
{
    /// <summary>The prefix of every hash this class produces.</summary>
    public const string Prefix = "hmac-sha256:";

    /// <summary>The shortest install key accepted.</summary>
    public const int MinKeyBytes = 16;

    private static readonly byte[] Domain = "secretsync/content/v1"u8.ToArray();
    private readonly byte[] _key;

    /// <summary>Creates a hasher under an install key.</summary>
    /// <exception cref="ArgumentException">The key is shorter than <see cref="MinKeyBytes"/>.</exception>
    public ContentHasher(byte[] installKey)
    {
        ArgumentNullException.ThrowIfNull(installKey);
        if (installKey.Length < MinKeyBytes)
        {
            throw new ArgumentException($"The audit install key must be at least {MinKeyBytes} bytes; it is {installKey.Length}.", nameof(installKey));
        }

        _key = [.. installKey];
    }

    /// <summary>Hashes rendered Secret data.</summary>
    public string Hash(RenderedSecret secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return Hash(secret.Type, secret.Data);
    }

    /// <summary>Hashes a Secret's type and data, e.g. as observed in the cluster.</summary>
    /// <returns><c>hmac-sha256:</c> followed by 64 lowercase hex digits.</returns>
    public string Hash(string type, IReadOnlyDictionary<string, byte[]> data)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(data);

        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        AppendField(hmac, Domain);
        AppendField(hmac, Encoding.UTF8.GetBytes(type));
        AppendLength(hmac, data.Count);
        foreach (var key in data.Keys.Order(StringComparer.Ordinal))
        {
            AppendField(hmac, Encoding.UTF8.GetBytes(key));
            AppendField(hmac, data[key]);
        }

        return Prefix + Convert.ToHexStringLower(hmac.GetHashAndReset());
    }

    private static void AppendField(IncrementalHash hmac, byte[] bytes)
    {
        AppendLength(hmac, bytes.Length);
        hmac.AppendData(bytes);
    }

    private static void AppendLength(IncrementalHash hmac, int length)
    {
        Span<byte> prefix = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(prefix, length);
        hmac.AppendData(prefix);
    }
}
