using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using SecretSync.Core.Model;
using SecretSync.Core.Planning;

namespace SecretSync.Core.Rendering;

/// <summary>What a managed Secret's <see cref="Annotations.Seal"/> says about it.</summary>
public enum SealState
{
    /// <summary>SecretSync wrote a Secret of this name, and its <c>secretsync.io/*</c> annotations are as written.</summary>
    Valid,

    /// <summary>SecretSync wrote a Secret of this name, but someone edited its <c>secretsync.io/*</c> annotations.</summary>
    MetadataEdited,

    /// <summary>No seal: written by a SecretSync version without seals, or by someone else.</summary>
    Missing,

    /// <summary>A seal SecretSync did not make for this name: the object merely carries the managed-by label.</summary>
    Foreign,
}

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
    private static readonly byte[] OwnerDomain = "secretsync/owner/v1"u8.ToArray();
    private static readonly byte[] MetadataDomain = "secretsync/metadata/v1"u8.ToArray();
    private const string SealVersion = "v1";
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

    /// <summary>The seal of a managed Secret named <paramref name="secret"/> carrying <paramref name="annotations"/>.</summary>
    /// <remarks>
    /// Two truncated HMACs under the install key: one over the name alone, proving SecretSync wrote a Secret of this
    /// name; one over the name and every <see cref="ManagedMetadata.SealedAnnotations"/> value, proving those are as
    /// written. Nobody without the key can make either, so an object that merely carries the managed-by label is
    /// told from a managed Secret whose metadata a tenant edited. Neither covers any value.
    /// </remarks>
    public string Seal(NamespacedName secret, IReadOnlyDictionary<string, string> annotations)
    {
        ArgumentNullException.ThrowIfNull(annotations);
        return $"{SealVersion}.{Owner(secret)}.{Metadata(secret, annotations)}";
    }

    /// <summary>Checks the <see cref="Annotations.Seal"/> among <paramref name="annotations"/> of the Secret named <paramref name="secret"/>.</summary>
    public SealState CheckSeal(NamespacedName secret, IReadOnlyDictionary<string, string> annotations)
    {
        ArgumentNullException.ThrowIfNull(annotations);
        if (!annotations.TryGetValue(Annotations.Seal, out var seal))
        {
            return SealState.Missing;
        }

        var parts = seal.Split('.');
        if (parts.Length != 3 || parts[0] != SealVersion || !FixedTimeEquals(parts[1], Owner(secret)))
        {
            return SealState.Foreign;
        }

        return FixedTimeEquals(parts[2], Metadata(secret, annotations)) ? SealState.Valid : SealState.MetadataEdited;
    }

    private string Owner(NamespacedName secret)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        AppendField(hmac, OwnerDomain);
        AppendName(hmac, secret);
        return Convert.ToHexStringLower(hmac.GetHashAndReset(), 0, 16);
    }

    private string Metadata(NamespacedName secret, IReadOnlyDictionary<string, string> annotations)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        AppendField(hmac, MetadataDomain);
        AppendName(hmac, secret);
        foreach (var key in ManagedMetadata.SealedAnnotations)
        {
            if (annotations.TryGetValue(key, out var value))
            {
                AppendField(hmac, Encoding.UTF8.GetBytes(value));
            }
            else
            {
                AppendLength(hmac, -1);
            }
        }

        return Convert.ToHexStringLower(hmac.GetHashAndReset(), 0, 16);
    }

    private static void AppendName(IncrementalHash hmac, NamespacedName secret)
    {
        AppendField(hmac, Encoding.UTF8.GetBytes(secret.Namespace));
        AppendField(hmac, Encoding.UTF8.GetBytes(secret.Name));
    }

    private static bool FixedTimeEquals(string given, string expected) =>
        given.Length == expected.Length && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(given), Encoding.ASCII.GetBytes(expected));

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
