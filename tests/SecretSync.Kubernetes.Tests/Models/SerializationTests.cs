using System.Text;
using System.Text.Json;
using SecretSync.Kubernetes.Models;

namespace SecretSync.Kubernetes.Tests.Models;

public sealed class SerializationTests
{
    [Fact]
    public void SecretData_IsBase64OnTheWire_AndBytesInMemory()
    {
        var secret = new Secret
        {
            Metadata = new ObjectMeta { Name = "db", Namespace = "app" },
            Data = new() { ["password"] = Encoding.UTF8.GetBytes("password") },
        };

        var json = JsonSerializer.Serialize(secret, KubernetesJsonContext.Default.Secret);

        Assert.Contains("\"data\":{\"password\":\"cGFzc3dvcmQ=\"}", json, StringComparison.Ordinal);
        Assert.Contains("\"apiVersion\":\"v1\"", json, StringComparison.Ordinal);
        Assert.Contains("\"kind\":\"Secret\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("stringData", json, StringComparison.Ordinal);
        var back = JsonSerializer.Deserialize(json, KubernetesJsonContext.Default.Secret)!;
        Assert.Equal("password", Encoding.UTF8.GetString(back.Data!["password"]));
    }

    [Fact]
    public void SecretToString_NamesKeysButNeverValues()
    {
        var secret = new Secret
        {
            Metadata = new ObjectMeta { Name = "db", Namespace = "app", ResourceVersion = "42" },
            Data = new() { ["password"] = Encoding.UTF8.GetBytes("hunter2-value") },
            StringData = new() { ["token"] = "plain-token-value" },
        };

        var text = secret.ToString();

        Assert.Contains("app/db", text, StringComparison.Ordinal);
        Assert.Contains("password", text, StringComparison.Ordinal);
        Assert.Contains("token", text, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", text, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes("hunter2-value")), text, StringComparison.Ordinal);
        Assert.DoesNotContain("plain-token-value", text, StringComparison.Ordinal);
    }

    [Fact]
    public void LeaseTimes_AreWrittenAsMicroTime_WithSixFractionalDigits()
    {
        var lease = new Lease
        {
            Metadata = new ObjectMeta { Name = "secretsync", Namespace = "kube-system" },
            Spec = new LeaseSpec
            {
                HolderIdentity = "pod-a",
                LeaseDurationSeconds = 15,
                AcquireTime = new DateTimeOffset(2024, 5, 1, 10, 0, 0, TimeSpan.Zero).AddTicks(1_234_567),
                RenewTime = new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.FromHours(2)),
            },
        };

        var json = JsonSerializer.Serialize(lease, KubernetesJsonContext.Default.Lease);

        Assert.Contains("\"acquireTime\":\"2024-05-01T10:00:00.123456Z\"", json, StringComparison.Ordinal);
        Assert.Contains("\"renewTime\":\"2024-05-01T10:00:00.000000Z\"", json, StringComparison.Ordinal);
        Assert.Contains("\"apiVersion\":\"coordination.k8s.io/v1\"", json, StringComparison.Ordinal);
        var back = JsonSerializer.Deserialize(json, KubernetesJsonContext.Default.Lease)!;
        Assert.Equal(lease.Spec.AcquireTime!.Value.AddTicks(-7), back.Spec!.AcquireTime);
    }

    [Fact]
    public void EventTimestamps_AreSecondPrecision_AndEventTimeIsMicroTime()
    {
        var at = new DateTimeOffset(2024, 5, 1, 10, 0, 0, TimeSpan.Zero).AddMilliseconds(250);
        var evt = new Event
        {
            Metadata = new ObjectMeta { Name = "db.17c", Namespace = "app" },
            InvolvedObject = new ObjectReference { Kind = "Secret", Name = "db", Namespace = "app" },
            FirstTimestamp = at,
            LastTimestamp = at,
            EventTime = at,
            Type = Event.NormalType,
        };

        var json = JsonSerializer.Serialize(evt, KubernetesJsonContext.Default.Event);

        Assert.Contains("\"firstTimestamp\":\"2024-05-01T10:00:00Z\"", json, StringComparison.Ordinal);
        Assert.Contains("\"eventTime\":\"2024-05-01T10:00:00.250000Z\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownFieldsAndManagedFields_FromTheServer_AreIgnored()
    {
        const string json = """
            {"kind":"Secret","apiVersion":"v1","metadata":{"name":"db","namespace":"app","uid":"u-1","resourceVersion":"7",
             "creationTimestamp":"2024-05-01T10:00:00Z","managedFields":[{"manager":"kubectl","operation":"Update"}],
             "labels":{"a":"b"}},"type":"Opaque","data":{"k":"dg=="},"somethingNew":{"x":1}}
            """;

        var secret = JsonSerializer.Deserialize(json, KubernetesJsonContext.Default.Secret)!;

        Assert.Equal("7", secret.Metadata.ResourceVersion);
        Assert.Equal(new DateTimeOffset(2024, 5, 1, 10, 0, 0, TimeSpan.Zero), secret.Metadata.CreationTimestamp);
        Assert.Equal("b", secret.Metadata.Labels!["a"]);
        Assert.Equal("v", Encoding.UTF8.GetString(secret.Data!["k"]));
    }

    [Fact]
    public void ListItems_WithoutKind_AndListMetadata_AreRead()
    {
        const string json = """
            {"kind":"NamespaceList","apiVersion":"v1","metadata":{"resourceVersion":"12","continue":"abc","remainingItemCount":3},
             "items":[{"metadata":{"name":"a"},"status":{"phase":"Active"}}]}
            """;

        var list = JsonSerializer.Deserialize(json, KubernetesJsonContext.Default.KubernetesListNamespace)!;

        Assert.Equal("12", list.Metadata.ResourceVersion);
        Assert.Equal("abc", list.Metadata.Continue);
        Assert.Equal(3, list.Metadata.RemainingItemCount);
        Assert.Equal(Namespace.ActivePhase, Assert.Single(list.Items).Status!.Phase);
    }
}
