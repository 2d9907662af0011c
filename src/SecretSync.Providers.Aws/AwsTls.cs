using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace SecretSync.Providers.Aws;

/// <summary>TLS client settings: the system trust store by default, or the CA bundle named by <c>tls.caFile</c>.</summary>
internal static class AwsTls
{
    public static SslClientAuthenticationOptions Create(AwsOptions options, ILogger logger)
    {
        var ssl = new SslClientAuthenticationOptions();
        if (options.CaFile is not { } caFile)
        {
            return ssl;
        }

        var host = options.Endpoint.IdnHost;
        X509Certificate2Collection? roots = null;
        ssl.RemoteCertificateValidationCallback = (_, certificate, presented, errors) =>
        {
            // Loaded on first use and again after a failed load, so a CA mounted late still works; fail closed meanwhile.
            roots ??= Load(caFile, logger);
            return roots is { Count: > 0 } trusted && Verify(certificate, presented, errors, trusted, host);
        };
        return ssl;
    }

    private static X509Certificate2Collection? Load(string path, ILogger logger)
    {
        try
        {
            var collection = new X509Certificate2Collection();
            collection.ImportFromPemFile(path);
            if (collection.Count == 0)
            {
                AwsLog.CaFileUnusable(logger, path, "it holds no PEM certificate");
                return null;
            }

            return collection;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            AwsLog.CaFileUnusable(logger, path, e.GetType().Name);
            return null;
        }
    }

    private static bool Verify(X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors, X509Certificate2Collection trusted, string host)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return false;
        }

        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        try
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(trusted);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (presented is not null)
            {
                foreach (var element in presented.ChainElements)
                {
                    chain.ChainPolicy.ExtraStore.Add(element.Certificate);
                }
            }

            return chain.Build(leaf) && leaf.MatchesHostname(host);
        }
        finally
        {
            if (!ReferenceEquals(leaf, certificate))
            {
                leaf.Dispose();
            }
        }
    }
}
