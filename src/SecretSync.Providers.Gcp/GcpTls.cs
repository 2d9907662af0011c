using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace SecretSync.Providers.Gcp;

/// <summary>TLS client settings: system trust by default, or a custom CA bundle (<c>tls.caFile</c>) for an endpoint override.</summary>
internal static class GcpTls
{
    public static SslClientAuthenticationOptions Create(GcpOptions options, ILogger logger)
    {
        var ssl = new SslClientAuthenticationOptions();
        if (options.CaFile is not { } caFile)
        {
            return ssl;
        }

        var roots = new CaBundle(caFile, logger);
        var expectedHost = options.Endpoint.IdnHost;
        ssl.RemoteCertificateValidationCallback = (_, certificate, presented, errors) => Verify(certificate, presented, errors, roots, expectedHost);
        return ssl;
    }

    private static bool Verify(X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors, CaBundle roots, string expectedHost)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable) || roots.Certificates is not { Count: > 0 } trusted)
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

            return chain.Build(leaf) && leaf.MatchesHostname(expectedHost);
        }
        finally
        {
            if (!ReferenceEquals(leaf, certificate))
            {
                leaf.Dispose();
            }
        }
    }

    /// <summary>The CA file's certificates, loaded on first use and again after a failed load, so a CA mounted late still works.</summary>
    private sealed class CaBundle(string path, ILogger logger)
    {
        private X509Certificate2Collection? _certificates;

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
                    collection.ImportFromPemFile(path);
                    if (collection.Count == 0)
                    {
                        GcpLog.CaFileUnusable(logger, path, "it holds no PEM certificate");
                        return null;
                    }

                    Volatile.Write(ref _certificates, collection);
                    return collection;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
                {
                    // Fail closed: without the CA nothing is trusted.
                    GcpLog.CaFileUnusable(logger, path, e.GetType().Name);
                    return null;
                }
            }
        }
    }
}
