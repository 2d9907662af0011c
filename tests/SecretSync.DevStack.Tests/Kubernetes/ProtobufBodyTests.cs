using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace SecretSync.DevStack.Tests.Kubernetes;

/// <summary>kubectl 1.32+ sends some create bodies as Kubernetes protobuf; the emulator decodes the kinds it sends.</summary>
public sealed class ProtobufBodyTests
{
    [Fact]
    public async Task Create_WithAProtobufSecretBody_StoresTheDecodedSecret()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        emulator.SeedNamespace("demo");
        using var http = new KubeHttp(emulator);
        var metadata = Message(Text(1, "app"), Message(11, Text(1, "team"), Text(2, "blue")));
        var secret = Message(Embedded(1, metadata), Message(2, Text(1, "user"), Bytes(2, "bob"u8.ToArray())), Text(3, "Opaque"));
        var envelope = Message(Message(1, Text(1, "v1"), Text(2, "Secret")), Embedded(2, secret));
        using var content = new ByteArrayContent([.. "k8s\0"u8.ToArray(), .. envelope]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.kubernetes.protobuf");

        using var response = await http.Client.PostAsync("/api/v1/namespaces/demo/secrets?fieldManager=kubectl-create", content);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var stored = emulator.Get("secrets", "demo", "app")!;
        Assert.Equal(KubeHttp.B64("bob"), (string?)stored["data"]!["user"]);
        Assert.Equal("blue", (string?)stored["metadata"]!["labels"]!["team"]);
    }

    [Fact]
    public async Task Create_WithAProtobufBodyOfAnUndecodedKind_IsUnsupportedMediaType()
    {
        await using var emulator = await KubernetesEmulator.StartAsync();
        using var http = new KubeHttp(emulator);
        var envelope = Message(Message(1, Text(1, "apps/v1"), Text(2, "Deployment")), Embedded(2, []));
        using var content = new ByteArrayContent([.. "k8s\0"u8.ToArray(), .. envelope]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.kubernetes.protobuf");

        using var response = await http.Client.PostAsync("/apis/apps/v1/namespaces/default/deployments", content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    private static byte[] Text(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    private static byte[] Bytes(int field, byte[] value) => [.. Varint((ulong)(field << 3 | 2)), .. Varint((ulong)value.Length), .. value];

    private static byte[] Embedded(int field, byte[] message) => Bytes(field, message);

    private static byte[] Message(int field, params byte[][] parts) => Embedded(field, Message(parts));

    private static byte[] Message(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    private static byte[] Varint(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value == 0 ? b : (byte)(b | 0x80));
        }
        while (value != 0);
        return [.. bytes];
    }
}
