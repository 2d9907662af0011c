using System.Text;
using SecretSync.Core.Desired;
using SecretSync.Core.Model;
using SecretSync.Core.Providers;
using SecretSync.Core.Rendering;

namespace SecretSync.Benchmarks.Micro;

/// <summary>Inputs shaped like the scenario fleet's: a two-key source, rendered into one target.</summary>
internal static class Samples
{
    public static readonly byte[] InstallKey = Encoding.UTF8.GetBytes("benchmark-install-key-32-bytes!!");

    public static DesiredTarget Target(string ns = "bench-00001") =>
        new(new NamespacedName(ns, "secret-00"), "fleet", new SourceRef("vault-main", "fleet/source-00"), new Dictionary<string, string>(), "Opaque");

    public static SecretPayload Payload(int keys = 2, int valueBytes = 32)
    {
        var values = Enumerable.Range(0, keys).ToDictionary(k => $"key-{k}", k => Enumerable.Repeat((byte)('a' + (k % 26)), valueBytes).ToArray());
        return new SecretPayload(new SourceVersion("7", new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)), values);
    }

    public static RenderedSecret Rendered(int keys = 2, int valueBytes = 32) =>
        SecretRenderer.Render(Target(), Payload(keys, valueBytes)) is RenderResult.Rendered rendered ? rendered.Secret : throw new InvalidOperationException("sample did not render");
}
