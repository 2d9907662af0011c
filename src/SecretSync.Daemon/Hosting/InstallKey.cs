using System.Security.Cryptography;
using SecretSync.Core.Audit;
using SecretSync.Core.Configuration;
using SecretSync.Kubernetes.Client;
using SecretSync.Kubernetes.Errors;
using SecretSync.Kubernetes.Models;

namespace SecretSync.Daemon.Hosting;

/// <summary>The install key under which content hashes are HMACs, so audit events never carry a plain digest.</summary>
/// <remarks>
/// It must survive restarts: a new key changes every content hash, and every Secret would be rewritten once.
/// Sources, in order: <c>audit.hmacKey.file</c>, <c>audit.hmacKey.secret</c> (key <c>key</c>), the daemon's own
/// key file if given, else a Secret <c>secretsync-install-key</c> in the daemon's namespace, created on first start.
/// Key files hold base64 text (at least 16 bytes once decoded) or raw bytes.
/// </remarks>
internal static class InstallKey
{
    public const string SecretName = "secretsync-install-key";
    public const string DataKey = "key";

    public static async Task<byte[]> LoadAsync(HmacKeySource? configured, string? ownFile, KubernetesClient kube, string @namespace, CancellationToken cancellationToken)
    {
        if (configured?.File is { } file)
        {
            return Decode(await File.ReadAllBytesAsync(file, cancellationToken), $"audit.hmacKey.file {file}");
        }

        if (configured?.Secret is { } named)
        {
            var secret = await kube.Secrets.GetAsync(named.Namespace, named.Name, cancellationToken);
            return secret.Data?.GetValueOrDefault(DataKey) is { } bytes
                ? Decode(bytes, $"audit.hmacKey.secret {named}")
                : throw new InvalidOperationException($"audit.hmacKey.secret {named} has no data key '{DataKey}'.");
        }

        if (ownFile is not null)
        {
            if (!File.Exists(ownFile))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(ownFile))!);
                await File.WriteAllTextAsync(ownFile, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), cancellationToken);
            }

            return Decode(await File.ReadAllBytesAsync(ownFile, cancellationToken), ownFile);
        }

        var existing = await kube.Secrets.TryGetAsync(@namespace, SecretName, cancellationToken);
        if (existing?.Data?.GetValueOrDefault(DataKey) is { } stored)
        {
            return Decode(stored, $"Secret {@namespace}/{SecretName}");
        }

        var key = RandomNumberGenerator.GetBytes(32);
        try
        {
            await kube.Secrets.CreateAsync(new Secret
            {
                Metadata = new ObjectMeta { Name = SecretName, Namespace = @namespace, Labels = new() { ["app.kubernetes.io/name"] = "secretsync" } },
                Type = Secret.OpaqueType,
                Data = new() { [DataKey] = key },
            }, cancellationToken);
            return key;
        }
        catch (KubernetesApiException ex) when (ex.Reason == KubernetesErrorReason.AlreadyExists)
        {
            // Another replica created it first; use theirs.
            var winner = await kube.Secrets.GetAsync(@namespace, SecretName, cancellationToken);
            return Decode(winner.Data?.GetValueOrDefault(DataKey) ?? [], $"Secret {@namespace}/{SecretName}");
        }
    }

    private static byte[] Decode(byte[] content, string where) => InstallKeyText.Decode(content, where);
}
