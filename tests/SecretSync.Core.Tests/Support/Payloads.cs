using System.Collections.Frozen;
using System.Text;
using SecretSync.Core.Desired;
using SecretSync.Core.Model;
using SecretSync.Core.Providers;

namespace SecretSync.Core.Tests.Support;

internal static class Payloads
{
    public static readonly byte[] InstallKey = Encoding.UTF8.GetBytes("0123456789abcdef0123456789abcdef");

    public static SourceVersion Version(string id = "3") => new(id, new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));

    public static SecretPayload Of(params (string Key, string Value)[] values) => Of("3", values);

    public static SecretPayload Of(string version, params (string Key, string Value)[] values) =>
        new(Version(version), values.ToDictionary(v => v.Key, v => Encoding.UTF8.GetBytes(v.Value), StringComparer.Ordinal));

    public static Dictionary<string, byte[]> Data(params (string Key, string Value)[] values) =>
        values.ToDictionary(v => v.Key, v => Encoding.UTF8.GetBytes(v.Value), StringComparer.Ordinal);

    public static DesiredTarget Target(IReadOnlyDictionary<string, string>? renames = null, string type = "Opaque") =>
        new(new NamespacedName("payments", "db-credentials"), "payments-db", new SourceRef("vault", "payments/db"),
            renames ?? FrozenDictionary<string, string>.Empty, type);
}
