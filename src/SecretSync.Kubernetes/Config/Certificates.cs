using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace SecretSync.Kubernetes.Config;

/// <summary>PEM loading for CA bundles and client certificates, with errors that name where the PEM came from.</summary>
internal static class Certificates
{
    public static string ReadFile(string path, string where)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KubernetesConfigException($"{where}: cannot read {path}: {e.Message}", e);
        }
    }

    public static string DecodeBase64Pem(string base64, string where)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(base64.Trim()));
        }
        catch (FormatException e)
        {
            throw new KubernetesConfigException($"{where}: not valid base64 (the *-data fields hold base64-encoded PEM).", e);
        }
    }

    public static X509Certificate2Collection LoadAuthorities(string pem, string where)
    {
        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPem(pem);
        }
        catch (CryptographicException e)
        {
            throw new KubernetesConfigException($"{where}: not a valid PEM certificate bundle: {e.Message}", e);
        }

        if (collection.Count == 0)
        {
            throw new KubernetesConfigException($"{where}: holds no PEM certificate (expected -----BEGIN CERTIFICATE-----).");
        }

        return collection;
    }

    public static X509Certificate2 LoadClientCertificate(string certificatePem, string keyPem, string where)
    {
        try
        {
            using var ephemeral = X509Certificate2.CreateFromPem(certificatePem, keyPem);
            // A PFX round trip gives the key a form every TLS backend can use for client authentication.
            return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
        }
        catch (CryptographicException e)
        {
            throw new KubernetesConfigException($"{where}: the client certificate and key do not form a valid PEM pair: {e.Message}", e);
        }
    }
}
