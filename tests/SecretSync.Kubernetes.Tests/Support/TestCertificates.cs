using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SecretSync.Kubernetes.Tests.Support;

/// <summary>Throwaway PEM material for kubeconfig tests.</summary>
internal static class TestCertificates
{
    public static (string CertificatePem, string KeyPem) SelfSigned(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={subject}", key, HashAlgorithmName.SHA256);
        var now = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(10));
        return (certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    public static string Base64(string text) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(text));
}
