using System.Text;
using SecretSync.Kubernetes.Models;

namespace SecretSync.Kubernetes.Client;

/// <summary>Collects the values of a Secret being written, so no exception message can repeat them.</summary>
internal static class SensitiveValues
{
    // Very short values would redact ordinary words from messages; they carry no useful secret anyway.
    private const int MinimumLength = 3;

    public static IReadOnlyCollection<string>? Of(IKubernetesObject obj)
    {
        if (obj is not Secret secret)
        {
            return null;
        }

        var values = new List<string>();
        foreach (var bytes in secret.Data?.Values ?? Enumerable.Empty<byte[]>())
        {
            values.Add(Convert.ToBase64String(bytes));
            try
            {
                values.Add(new UTF8Encoding(false, true).GetString(bytes));
            }
            catch (DecoderFallbackException)
            {
                // Binary values cannot appear in a text message as themselves; their base64 form is covered.
            }
        }

        foreach (var text in secret.StringData?.Values ?? Enumerable.Empty<string>())
        {
            values.Add(text);
            values.Add(Convert.ToBase64String(Encoding.UTF8.GetBytes(text)));
        }

        return values.Where(v => v.Length >= MinimumLength).Distinct(StringComparer.Ordinal).ToList();
    }

    public static void AddDecoded(string maybeBase64, List<string> into)
    {
        var buffer = new byte[maybeBase64.Length];
        if (Convert.TryFromBase64String(maybeBase64, buffer, out var written))
        {
            try
            {
                into.Add(new UTF8Encoding(false, true).GetString(buffer, 0, written));
            }
            catch (DecoderFallbackException)
            {
                // Binary: nothing printable to redact.
            }
        }
    }
}
