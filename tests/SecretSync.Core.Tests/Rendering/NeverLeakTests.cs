using System.Collections.Frozen;
using SecretSync.Core.Audit;
using SecretSync.Core.Planning;
using SecretSync.Core.Providers;
using SecretSync.Core.Rendering;
using SecretSync.Core.Tests.Support;

namespace SecretSync.Core.Tests.Rendering;

public sealed class NeverLeakTests
{
    private const string Value = "s3cr3t-VALUE-4242";

    [Fact]
    public void Render_KnownValue_AppearsInNoPrintedObject()
    {
        var payload = Payloads.Of(("password", Value));
        var target = Payloads.Target();
        var result = SecretRenderer.Render(target, payload);
        var secret = Assert.IsType<RenderResult.Rendered>(result).Secret;
        var hash = new ContentHasher(Payloads.InstallKey).Hash(secret);
        var plan = SecretPlanner.Plan(target, hash, payload.Version, observed: null);
        var read = new ReadResult.Found(payload);
        var auditLine = AuditJson.Serialize(new AuditEvent
        {
            Id = "1", Sequence = 1, Time = DateTimeOffset.UnixEpoch, Cluster = "c", Instance = "i",
            Action = AuditActions.Created, Outcome = AuditOutcomes.Success, ContentHmac = hash,
        });

        object[] printed = [payload, result, secret, read, plan, hash, auditLine, ManagedMetadata.AnnotationsFor(target, payload.Version, hash)];

        Assert.All(printed, o => Assert.DoesNotContain(Value, Describe(o), StringComparison.Ordinal));
    }

    [Fact]
    public void Render_Failures_NeverPrintTheValue()
    {
        var target = Payloads.Target(new Dictionary<string, string> { ["missing"] = "m" }.ToFrozenDictionary());
        var payloads = new[]
        {
            Payloads.Of(("password", Value)),
            Payloads.Of(("bad key", Value)),
            new SecretPayload(Payloads.Version(), new Dictionary<string, byte[]> { ["big"] = [.. System.Text.Encoding.UTF8.GetBytes(Value), .. new byte[SecretRenderer.MaxDataBytes]] }),
        };

        foreach (var payload in payloads)
        {
            foreach (var candidate in new[] { target, Payloads.Target() })
            {
                var result = SecretRenderer.Render(candidate, payload);
                Assert.DoesNotContain(Value, Describe(result), StringComparison.Ordinal);
            }
        }
    }

    private static string Describe(object o) =>
        o is IEnumerable<KeyValuePair<string, string>> pairs ? string.Join(",", pairs) : o.ToString() ?? "";
}
