using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace SecretSync.Providers.Azure;

/// <summary>TLS client settings: the system trust store by default, or a custom CA bundle (<c>tls.caFile</c>); never unverified.</summary>
internal static class AzureTls
{
    public static SocketsHttpHandler CreateHandler(AzureOptions options, ILogger logger)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.Timeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AutomaticDecompression = System.Net.DecompressionMethods.None,
        };
        if (options.CaFile is { } caFile)
        {
            var roots = new CaBundle(caFile, logger);
            var host = options.VaultUrl.IdnHost;
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) => Verify(certificate, chain, errors, roots, host);
        }

        return handler;
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
                        AzureLog.CaFileUnusable(logger, path, "it holds no PEM certificate");
                        return null;
                    }

                    Volatile.Write(ref _certificates, collection);
                    return collection;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
                {
                    // Fail closed: without the CA nothing is trusted.
                    AzureLog.CaFileUnusable(logger, path, e.GetType().Name);
                    return null;
                }
            }
        }
    }
}
