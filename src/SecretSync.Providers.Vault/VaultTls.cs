using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace SecretSync.Providers.Vault;

/// <summary>TLS client settings: system trust by default, a custom CA bundle, a pinned server name, or (only when asked) no checks.</summary>
internal static class VaultTls
{
    public static SslClientAuthenticationOptions Create(VaultOptions options, ILogger logger)
    {
        var ssl = new SslClientAuthenticationOptions();
        if (options.InsecureSkipVerify)
        {
            VaultLog.TlsVerificationDisabled(logger, options.Address.Authority);
            ssl.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
            return ssl;
        }

        if (options.CaFile is null && options.ServerName is null)
        {
            // The platform's default validation: system trust store and the address host name.
            return ssl;
        }

        var roots = new CaBundle(options.CaFile, logger);
        var expectedHost = options.ServerName ?? options.Address.IdnHost;
        ssl.RemoteCertificateValidationCallback = (_, certificate, chain, errors) => Verify(certificate, chain, errors, roots, expectedHost);
        return ssl;
    }

    private static bool Verify(X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors, CaBundle roots, string expectedHost)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return false;
        }

        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        try
        {
            if (roots.Path is null)
            {
                // System trust, but the name is checked against tls.serverName rather than the address host.
                if ((errors & ~SslPolicyErrors.RemoteCertificateNameMismatch) != SslPolicyErrors.None)
                {
                    return false;
                }
            }
            else
            {
                if (roots.Certificates is not { Count: > 0 } trusted)
                {
                    return false;
                }

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

                if (!chain.Build(leaf))
                {
                    return false;
                }
            }

            return leaf.MatchesHostname(expectedHost);
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
    private sealed class CaBundle(string? path, ILogger logger)
    {
        private X509Certificate2Collection? _certificates;

        public string? Path => path;

        public X509Certificate2Collection? Certificates
        {
            get
            {
                if (Volatile.Read(ref _certificates) is { } loaded || path is null)
                {
                    return _certificates;
                }

                try
                {
                    var collection = new X509Certificate2Collection();
                    collection.ImportFromPemFile(path);
                    if (collection.Count == 0)
                    {
                        VaultLog.CaFileUnusable(logger, path, "it holds no PEM certificate");
                        return null;
                    }

                    Volatile.Write(ref _certificates, collection);
                    return collection;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
                {
                    // Fail closed: without the CA nothing is trusted.
                    VaultLog.CaFileUnusable(logger, path, e.GetType().Name);
                    return null;
                }
            }
        }
    }
}
