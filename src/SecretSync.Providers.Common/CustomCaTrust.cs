using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace SecretSync.Providers.Common;

/// <summary>Server certificate validation against a custom CA bundle, or the system trust with a pinned host name.</summary>
/// <remarks>Revocation is not checked: private CAs rarely publish it, and an unreachable list would stop every call.</remarks>
public static class CustomCaTrust
{
    /// <summary>TLS client options: the platform's default validation without a CA file, otherwise trust in that file only.</summary>
    /// <param name="caFile">The PEM file of CA certificates (<c>tls.caFile</c>), or <see langword="null"/> for the system trust store.</param>
    /// <param name="expectedHost">The host name the certificate must match.</param>
    /// <param name="reportUnusable">Called with the path and a reason when the CA file cannot be used.</param>
    /// <returns>Options for <see cref="SocketsHttpHandler.SslOptions"/>.</returns>
    public static SslClientAuthenticationOptions ClientOptions(string? caFile, string expectedHost, Action<string, string> reportUnusable)
    {
        var ssl = new SslClientAuthenticationOptions();
        if (caFile is not null)
        {
            ssl.RemoteCertificateValidationCallback = Callback(new TrustedCertificates(caFile, reportUnusable), expectedHost);
        }

        return ssl;
    }

    /// <summary>A validation callback that runs <see cref="Verify"/>.</summary>
    /// <param name="roots">The CA bundle to trust, or <see langword="null"/> for the system trust store.</param>
    /// <param name="expectedHost">The host name the certificate must match.</param>
    /// <returns>The callback.</returns>
    public static RemoteCertificateValidationCallback Callback(TrustedCertificates? roots, string expectedHost) =>
        (_, certificate, presented, errors) => Verify(certificate, presented, errors, roots, expectedHost);

    /// <summary>Whether a server certificate chains to <paramref name="roots"/> and matches <paramref name="expectedHost"/>.</summary>
    /// <param name="certificate">The server's certificate.</param>
    /// <param name="presented">The chain the server sent; its intermediates help build the chain.</param>
    /// <param name="errors">The platform's verdict.</param>
    /// <param name="roots">
    /// The CA bundle to trust; <see langword="null"/> keeps the platform's verdict on trust but checks the name against
    /// <paramref name="expectedHost"/> instead of the connection's host.
    /// </param>
    /// <param name="expectedHost">The host name the certificate must match.</param>
    /// <returns><see langword="true"/> when the certificate is trusted.</returns>
    public static bool Verify(X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors, TrustedCertificates? roots, string expectedHost)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return false;
        }

        X509Certificate2Collection? trusted = null;
        if (roots is not null && (trusted = roots.Certificates) is not { Count: > 0 })
        {
            return false;
        }

        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        try
        {
            if (trusted is null)
            {
                if ((errors & ~SslPolicyErrors.RemoteCertificateNameMismatch) != SslPolicyErrors.None)
                {
                    return false;
                }
            }
            else if (!ChainsTo(leaf, presented, trusted))
            {
                return false;
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

    private static bool ChainsTo(X509Certificate2 leaf, X509Chain? presented, X509Certificate2Collection trusted)
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

        return chain.Build(leaf);
    }
}
