using System.Text;
using System.Text.Json.Nodes;
using SecretSync.Core.Providers;
using SecretSync.DevStack.Hosting;

namespace SecretSync.Providers.Contract;

/// <summary>Malformed, truncated, wrongly typed and oversized answers, run once per provider by a subclass.</summary>
/// <remarks>
/// Every answer passes through a <see cref="HostileProxy"/> that spoils it. Whatever the spoiling, a read or version
/// check returns a result (never throws), is never "absent" (which could revoke a Secret), and no failure message
/// carries the value. Cases are a fixed list plus a seeded generator, so a failure names a case that replays.
/// </remarks>
public abstract class HostileResponseTests : IAsyncLifetime
{
    private const string Value = "hostile-sentinel-Vq83Zk";
    private const string Json = "hostile/json";
    private const string Missing = "hostile/missing";
    private const int Seed = 20_260_921;

    private IProviderBackend? _backend;
    private HostileProxy? _proxy;
    private TlsMaterial? _tls;
    private string? _caFile;
    private string? _binary;

    /// <summary>Starts the emulator and returns a backend aimed at it.</summary>
    protected abstract Task<IProviderBackend> StartBackendAsync();

    /// <summary>The setting that holds the authority's base address.</summary>
    protected abstract string AddressKey { get; }

    /// <summary>Which requests carry data worth spoiling (not login or token lookups).</summary>
    protected virtual bool IsDataRequest(string method, string path) => true;

    /// <summary>Response headers that state the outcome beside the body; spoiled answers lose them.</summary>
    protected virtual IReadOnlyList<string> AnswerHeaders => [];

    private IProviderBackend Backend => _backend ?? throw new InvalidOperationException("not started");

    private HostileProxy Proxy => _proxy ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        _backend = await StartBackendAsync();
        await _backend.PutAsync(Json, new Dictionary<string, string> { ["password"] = Value, ["user"] = "app" });
        if (_backend.SupportsBinary)
        {
            _binary = "hostile/binary";
            await _backend.PutBinaryAsync(_binary, Encoding.UTF8.GetBytes(Value));
        }

        var upstream = new Uri(_backend.Settings.Get(AddressKey)!);
        string? upstreamCa = null;
        if (upstream.Scheme == Uri.UriSchemeHttps)
        {
            upstreamCa = await File.ReadAllTextAsync(_backend.Settings.Get("tls.caFile")!);
            _tls = TlsMaterial.Generate(TimeProvider.System.GetUtcNow(), "hostile-proxy");
            _caFile = Path.GetTempFileName();
            await File.WriteAllTextAsync(_caFile, _tls.CaPem);
        }

        _proxy = await HostileProxy.StartAsync(upstream, _tls, upstreamCa);
        _proxy.Mutates = IsDataRequest;
        _proxy.AnswerHeaders = AnswerHeaders;
    }

    public async Task DisposeAsync()
    {
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
        }

        if (_backend is not null)
        {
            await _backend.DisposeAsync();
        }

        _tls?.Dispose();
        if (_caFile is not null)
        {
            File.Delete(_caFile);
        }
    }

    [Fact]
    public async Task ThroughTheProxyUnspoiled_EverythingReadsAsFromTheAuthority()
    {
        await using var source = Connect();

        Assert.Equal(Value, Expect.Text(Expect.Found(await source.ReadAsync(Json, null, default)), "password"));
        Expect.Current((await source.CheckVersionsAsync([Json], default))[Json]);
        Assert.IsType<ReadResult.Absent>(await source.ReadAsync(Missing, null, default));
    }

    [Fact]
    public async Task BrokenBodies_AreFailures_NeverAbsence_NeverAnException()
    {
        foreach (var mutation in Broken())
        {
            foreach (var path in Paths())
            {
                var read = await ReadAsync(mutation, path);
                Assert.True(read is ReadResult.Failed, $"{mutation} on a read of {path}: expected a failure, got {read}");
                var check = await CheckAsync(mutation, path);
                Assert.True(check is VersionResult.Failed, $"{mutation} on a version check of {path}: expected a failure, got {check}");
            }
        }
    }

    [Fact]
    public async Task ParseableButUndocumentedBodies_AreFailures_AndTheyNameNoValue()
    {
        foreach (var mutation in Broken().Where(m => !m.Cut))
        {
            var read = await ReadAsync(mutation, Json);

            var failure = Assert.IsType<ReadResult.Failed>(read).Failure;
            Assert.True(failure.Kind is FailureKind.InvalidResponse or FailureKind.Unavailable, $"{mutation}: {failure}");
        }
    }

    [Fact]
    public async Task WronglyTypedFields_NeverThrow_NeverTurnIntoAbsence()
    {
        var cases = 0;
        foreach (var path in Paths())
        {
            var original = await CaptureAsync(path);
            foreach (var mutation in WrongTypes(original))
            {
                cases++;
                var read = await ReadAsync(mutation, path);
                var check = await CheckAsync(mutation, path);
                Assert.False(read is ReadResult.Absent, $"{mutation} on a read of {path}: {read}");
                Assert.False(check is VersionResult.Absent, $"{mutation} on a version check of {path}: {check}");
                if (read is ReadResult.Found found)
                {
                    // Read it may be, but never as a blanked Secret.
                    Assert.True(found.Payload.Values.Count > 0 && found.Payload.Values.Values.All(v => v.Length > 0), $"{mutation} on a read of {path}: blanked to {found}");
                }
            }
        }

        Assert.True(cases >= 10, $"only {cases} wrong-type cases");
    }

    [Fact]
    public async Task SeededCorruptions_NeverThrow_NeverTurnIntoAbsence()
    {
        var random = new Random(Seed);
        foreach (var path in Paths())
        {
            for (var i = 0; i < 25; i++)
            {
                var mutation = Corrupt(random);
                var read = await ReadAsync(mutation, path);
                Assert.False(read is ReadResult.Absent, $"{mutation} on a read of {path}: {read}");
                var check = await CheckAsync(mutation, path);
                Assert.False(check is VersionResult.Absent, $"{mutation} on a version check of {path}: {check}");
            }
        }
    }

    [Fact]
    public async Task ASpoiledNotFoundAnswer_IsNoEvidenceOfAbsence()
    {
        foreach (var mutation in Broken())
        {
            var read = await ReadAsync(mutation, Missing);
            Assert.True(read is ReadResult.Failed, $"{mutation} on a read of a missing source: expected a failure, got {read}");
            var check = await CheckAsync(mutation, Missing);
            Assert.True(check is VersionResult.Failed, $"{mutation} on a version check of a missing source: expected a failure, got {check}");
        }
    }

    [Fact]
    public async Task AnOversizedAnswer_IsRefused_WithOrWithoutItsLength()
    {
        foreach (var mutation in new[]
                 {
                     new Mutation("65 MiB of padding", Padding: 65L * 1024 * 1024),
                     new Mutation("65 MiB of padding, chunked", Padding: 65L * 1024 * 1024, Chunked: true),
                 })
        {
            var read = await ReadAsync(mutation, Json);

            // Valid JSON followed by whitespace parses: only a size cap turns this answer into a failure.
            var failure = Assert.IsType<ReadResult.Failed>(read).Failure;
            Assert.True(failure.Kind is FailureKind.InvalidResponse or FailureKind.Unavailable, $"{mutation}: {failure}");
        }
    }

    /// <summary>Bodies no documented parser accepts: each must fail, whatever the request.</summary>
    private static IEnumerable<Mutation> Broken()
    {
        yield return new Mutation("an HTML error page", _ => "<html><body>502 Bad Gateway</body></html>"u8.ToArray());
        yield return new Mutation("an empty body", _ => []);
        yield return new Mutation("null", _ => "null"u8.ToArray());
        yield return new Mutation("a bare string", _ => "\"text\""u8.ToArray());
        yield return new Mutation("a bare number", _ => "42"u8.ToArray());
        yield return new Mutation("the first half", b => b[..(b.Length / 2)]);
        yield return new Mutation("all but the last byte", b => b[..Math.Max(0, b.Length - 1)]);
        yield return new Mutation("invalid UTF-8", b => [.. b[..(b.Length / 2)], 0xC3, 0x28, 0xFF, .. b[(b.Length / 2)..]]);
        yield return new Mutation("10000 levels of nesting", _ => Encoding.ASCII.GetBytes(new string('[', 10_000) + new string(']', 10_000)));
        yield return new Mutation("a connection cut half way", Cut: true);
    }

    /// <summary>For each field of the authority's answer (up to a bound), one variant with that field's JSON type changed.</summary>
    private static IEnumerable<Mutation> WrongTypes(IReadOnlyList<byte[]> answers)
    {
        var fields = answers.Take(4).Select((body, index) => (index, node: TryParse(body))).Where(a => a.node is not null)
            .SelectMany(a => Leaves(a.node!, "$").Select(l => (a.index, path: l.Path, l.Node)))
            .Take(60)
            .ToList();
        foreach (var (index, path, node) in fields)
        {
            foreach (var (kind, replacement) in Replacements(node))
            {
                yield return new Mutation($"answer {index} {path} as {kind}", body =>
                    TryParse(body) is { } root && Replace(root, path, replacement()) ? Encoding.UTF8.GetBytes(root.ToJsonString()) : body);
            }
        }
    }

    private static IEnumerable<(string Kind, Func<JsonNode?> Make)> Replacements(JsonNode node)
    {
        yield return ("null", () => null);
        switch (node)
        {
            case JsonObject:
                yield return ("an array", () => new JsonArray(1, "x"));
                break;
            case JsonArray:
                yield return ("an object", () => new JsonObject { ["x"] = 1 });
                break;
            case JsonValue value when value.TryGetValue<string>(out _):
                yield return ("a number", () => JsonValue.Create(12345));
                yield return ("another string", () => JsonValue.Create("%%not base64, not a time, not a number%%"));
                break;
            default:
                yield return ("a string", () => JsonValue.Create("x"));
                yield return ("an object", () => new JsonObject());
                break;
        }
    }

    private static Mutation Corrupt(Random random)
    {
        var kind = random.Next(4);
        var at = random.NextDouble();
        var length = random.Next(1, 16);
        const string Junk = "{}[]\",:0aZ\\\0 ";
        var junk = (byte)Junk[random.Next(Junk.Length)];
        return new Mutation($"corruption {kind} at {at:F3} x{length} with 0x{junk:X2}", body =>
        {
            if (body.Length == 0)
            {
                return body;
            }

            var offset = (int)(at * body.Length);
            return kind switch
            {
                0 => body[..offset],
                1 => [.. body[..offset], .. body[Math.Min(body.Length, offset + length)..]],
                2 => [.. body[..offset], .. Enumerable.Repeat(junk, length), .. body[offset..]],
                _ => [.. body[..offset], junk, .. body[Math.Min(body.Length, offset + 1)..]],
            };
        });
    }

    private IEnumerable<string> Paths() => _binary is null ? [Json] : [Json, _binary];

    private ISecretSource Connect()
    {
        var settings = Backend.Settings.With(AddressKey, Proxy.Address.ToString().TrimEnd('/'));
        if (_caFile is not null)
        {
            settings = settings.With("tls.caFile", _caFile);
        }

        return Backend.Provider.Connect(settings);
    }

    /// <summary>Every answer the read of <paramref name="path"/> gets, as the authority sent it.</summary>
    private async Task<IReadOnlyList<byte[]>> CaptureAsync(string path)
    {
        var answers = new List<byte[]>();
        Proxy.Mutation = new Mutation("capture", body =>
        {
            lock (answers)
            {
                answers.Add(body);
            }

            return body;
        });
        try
        {
            await using var source = Connect();
            Expect.Found(await source.ReadAsync(path, null, default));
            Expect.Current((await source.CheckVersionsAsync([path], default))[path]);
        }
        finally
        {
            Proxy.Mutation = null;
        }

        return answers;
    }

    private async Task<ReadResult> ReadAsync(Mutation mutation, string path)
    {
        await using var source = Connect();
        Proxy.Mutation = mutation;
        var spoiled = Proxy.Spoiled;
        try
        {
            var result = await source.ReadAsync(path, null, default);
            Assert.True(Proxy.Spoiled > spoiled, $"{mutation}: the read of {path} met no spoiled answer, so it proves nothing");
            AssertNoValueIn(result is ReadResult.Failed f ? f.Failure.ToString() : result.ToString()!, mutation);
            return result;
        }
        finally
        {
            Proxy.Mutation = null;
        }
    }

    private async Task<VersionResult> CheckAsync(Mutation mutation, string path)
    {
        await using var source = Connect();
        Proxy.Mutation = mutation;
        var spoiled = Proxy.Spoiled;
        try
        {
            var result = (await source.CheckVersionsAsync([path], default))[path];
            Assert.True(Proxy.Spoiled > spoiled, $"{mutation}: the version check of {path} met no spoiled answer, so it proves nothing");
            AssertNoValueIn(result.ToString()!, mutation);
            return result;
        }
        finally
        {
            Proxy.Mutation = null;
        }
    }

    private static void AssertNoValueIn(string text, Mutation mutation)
    {
        Assert.False(BearsTheValue(text), $"{mutation}: the result's text carries the value: {text}");
    }

    private static bool BearsTheValue(string text)
    {
        if (text.Contains(Value, StringComparison.Ordinal) || text.Contains(Convert.ToBase64String(Encoding.UTF8.GetBytes(Value)), StringComparison.Ordinal))
        {
            return true;
        }

        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(text)).Contains(Value, StringComparison.Ordinal);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static JsonNode? TryParse(byte[] body)
    {
        try
        {
            return JsonNode.Parse(body);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static IEnumerable<(string Path, JsonNode Node)> Leaves(JsonNode node, string path)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, child) in obj)
                {
                    if (child is not null)
                    {
                        yield return ($"{path}.{key}", child);
                        foreach (var leaf in Leaves(child, $"{path}.{key}"))
                        {
                            yield return leaf;
                        }
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < Math.Min(array.Count, 3); i++)
                {
                    if (array[i] is { } child)
                    {
                        yield return ($"{path}[{i}]", child);
                        foreach (var leaf in Leaves(child, $"{path}[{i}]"))
                        {
                            yield return leaf;
                        }
                    }
                }

                break;
        }
    }

    /// <summary>Replaces the node at <paramref name="path"/> (as <see cref="Leaves"/> spells it); false when the body has no such node.</summary>
    private static bool Replace(JsonNode root, string path, JsonNode? replacement)
    {
        switch (Leaves(root, "$").FirstOrDefault(l => l.Path == path).Node)
        {
            case { Parent: JsonObject parent } found:
                parent[found.GetPropertyName()] = replacement;
                return true;
            case { Parent: JsonArray array } found:
                array[found.GetElementIndex()] = replacement;
                return true;
            default:
                return false;
        }
    }
}
