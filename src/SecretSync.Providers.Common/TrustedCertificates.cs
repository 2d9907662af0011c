using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SecretSync.Providers.Common;

/// <summary>The CA certificates of a PEM file (<c>tls.caFile</c>), loaded on first use and again after a failed load.</summary>
/// <remarks>Loading late lets a CA mounted after start-up still work; until a load succeeds nothing is trusted (fail closed).</remarks>
public sealed class TrustedCertificates
{
    private readonly Action<string, string> _reportUnusable;
    private X509Certificate2Collection? _certificates;

    /// <summary>Names the file to load; nothing is read yet.</summary>
    /// <param name="path">The PEM file of CA certificates.</param>
    /// <param name="reportUnusable">Called with the path and a reason each time the file cannot be used; the adapter logs it.</param>
    public TrustedCertificates(string path, Action<string, string> reportUnusable)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(reportUnusable);
        Path = path;
        _reportUnusable = reportUnusable;
    }

    /// <summary>The PEM file of CA certificates.</summary>
    public string Path { get; }

    /// <summary>The file's certificates, or <see langword="null"/> while the file is missing, unreadable or holds none.</summary>
    public X509Certificate2Collection? Certificates
    {
        get
        {
            if (Volatile.Read(ref _certificates) is { } loaded)
            {
                return loaded;
            }

            try
            {
                var collection = new X509Certificate2Collection();
                collection.ImportFromPemFile(Path);
                if (collection.Count == 0)
                {
                    _reportUnusable(Path, "it holds no PEM certificate");
                    return null;
                }

                Volatile.Write(ref _certificates, collection);
                return collection;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
            {
                _reportUnusable(Path, e.GetType().Name);
                return null;
            }
        }
    }
}
