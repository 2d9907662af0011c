using System.Net.Security;
using Microsoft.Extensions.Logging;
using SecretSync.Providers.Common;

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

        // Without a CA file the system trust decides, but the name is checked against tls.serverName rather than the address host.
        var roots = options.CaFile is { } caFile ? new TrustedCertificates(caFile, (path, reason) => VaultLog.CaFileUnusable(logger, path, reason)) : null;
        ssl.RemoteCertificateValidationCallback = CustomCaTrust.Callback(roots, options.ServerName ?? options.Address.IdnHost);
        return ssl;
    }
}
