using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SecretSync.DevStack.Hosting;

/// <summary>A throwaway certificate authority and a server certificate for localhost and 127.0.0.1.</summary>
/// <remarks>Clients trust <see cref="CaPem"/> (kubectl <c>--certificate-authority</c>, <c>NODE_EXTRA_CA_CERTS</c>, hvac <c>verify=</c>).</remarks>
public sealed class TlsMaterial : IDisposable
{
    private TlsMaterial(X509Certificate2 authority, X509Certificate2 server)
    {
        Authority = authority;
        ServerCertificate = server;
        CaPem = authority.ExportCertificatePem();
    }

    /// <summary>The CA certificate (public part only).</summary>
    public X509Certificate2 Authority { get; }

    /// <summary>The server certificate with its private key.</summary>
    public X509Certificate2 ServerCertificate { get; }

    /// <summary>The CA certificate as PEM text.</summary>
    public string CaPem { get; }

    /// <summary>Generates a CA and a server certificate valid for a day from <paramref name="now"/>.</summary>
    public static TlsMaterial Generate(DateTimeOffset now, string commonName = "secretsync-devstack")
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest($"CN={commonName} CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest($"CN=localhost", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        serverRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        serverRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var signed = serverRequest.Create(ca, now.AddMinutes(-5), now.AddDays(1).AddMinutes(-10), serial);
        using var withKey = signed.CopyWithPrivateKey(serverKey);

        // Kestrel on Linux needs a key it can reopen, so round-trip through PKCS#12.
        var server = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
        var authority = X509CertificateLoader.LoadCertificate(ca.Export(X509ContentType.Cert));
        return new TlsMaterial(authority, server);
    }

    /// <summary>Writes <see cref="CaPem"/> to a file and returns its path.</summary>
    public string WriteCaPem(string path)
    {
        File.WriteAllText(path, CaPem);
        return path;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Authority.Dispose();
        ServerCertificate.Dispose();
    }
}
