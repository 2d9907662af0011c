using System.Text;
using SecretSync.Core.Desired;
using SecretSync.Core.Model;
using SecretSync.Core.Providers;
using SecretSync.Core.Rendering;

namespace SecretSync.Providers.Contract;

/// <summary>The scenarios every provider adapter must pass, run once per provider by a subclass.</summary>
/// <remarks>
/// What users rely on: reads return the data and a version; changes are detected; only the authority's positive
/// evidence is "absent"; throttling, auth failures and outages are failures that never allow revocation.
/// </remarks>
public abstract class ProviderContractTests : IAsyncLifetime
{
    private IProviderBackend? _backend;
    private ISecretSource? _source;

    protected IProviderBackend Backend => _backend ?? throw new InvalidOperationException("not started");

    protected ISecretSource Source => _source ?? throw new InvalidOperationException("not started");

    /// <summary>Starts the emulator and returns a backend aimed at it.</summary>
    protected abstract Task<IProviderBackend> StartBackendAsync();

    public async Task InitializeAsync()
    {
        _backend = await StartBackendAsync();
        Assert.Empty(_backend.Provider.Validate(_backend.Settings).ErrorsOnly());
        _source = _backend.Provider.Connect(_backend.Settings);
    }

    public async Task DisposeAsync()
    {
        if (_source is not null)
        {
            await _source.DisposeAsync();
        }

        if (_backend is not null)
        {
            await _backend.DisposeAsync();
        }
    }

    [Fact]
    public async Task Read_ReturnsTheValuesAndTheVersion()
    {
        var version = await Backend.PutAsync("contract/db", new Dictionary<string, string> { ["user"] = "app", ["password"] = "pw-1" });

        var found = Assert.IsType<ReadResult.Found>(await Source.ReadAsync("contract/db", null, default));

        Assert.Equal(version, found.Payload.Version.Id);
        Assert.Equal("app", Text(found, "user"));
        Assert.Equal("pw-1", Text(found, "password"));
        Assert.True(found.Payload.Version.CreatedAt > DateTimeOffset.UnixEpoch);
    }

    [Fact]
    public async Task NewVersion_IsDetectedByTheVersionCheck_AndOlderVersionsStayReadable()
    {
        var first = await Backend.PutAsync("contract/rotating", new Dictionary<string, string> { ["password"] = "pw-1" });
        var before = Assert.IsType<VersionResult.Current>((await Source.CheckVersionsAsync(["contract/rotating"], default))["contract/rotating"]);

        var second = await Backend.PutAsync("contract/rotating", new Dictionary<string, string> { ["password"] = "pw-2" });
        var after = Assert.IsType<VersionResult.Current>((await Source.CheckVersionsAsync(["contract/rotating"], default))["contract/rotating"]);

        Assert.Equal(first, before.Version.Id);
        Assert.Equal(second, after.Version.Id);
        Assert.NotEqual(before.Version.Id, after.Version.Id);
        Assert.Equal("pw-2", Text(Assert.IsType<ReadResult.Found>(await Source.ReadAsync("contract/rotating", null, default)), "password"));
        Assert.Equal("pw-1", Text(Assert.IsType<ReadResult.Found>(await Source.ReadAsync("contract/rotating", first, default)), "password"));
    }

    [Fact]
    public async Task VersionCheck_OfManyPaths_AnswersEachPath()
    {
        await Backend.PutAsync("contract/a", new Dictionary<string, string> { ["k"] = "1" });
        await Backend.PutAsync("contract/b", new Dictionary<string, string> { ["k"] = "2" });

        var results = await Source.CheckVersionsAsync(["contract/a", "contract/b", "contract/never"], default);

        Assert.IsType<VersionResult.Current>(results["contract/a"]);
        Assert.IsType<VersionResult.Current>(results["contract/b"]);
        Assert.Equal(AbsenceKind.NotFound, Assert.IsType<VersionResult.Absent>(results["contract/never"]).Absence.Kind);
    }

    [Fact]
    public async Task KeyMapping_RendersRenamedKeysFromTheProvidersData()
    {
        await Backend.PutAsync("contract/mapped", new Dictionary<string, string> { ["user"] = "app", ["password"] = "pw-m" });
        var found = Assert.IsType<ReadResult.Found>(await Source.ReadAsync("contract/mapped", null, default));
        var target = new DesiredTarget(new NamespacedName("ns", "db"), "bundle", new SourceRef("p", "contract/mapped"),
            new Dictionary<string, string> { ["user"] = "username" }, "Opaque");

        var rendered = Assert.IsType<RenderResult.Rendered>(SecretRenderer.Render(target, found.Payload)).Secret;

        Assert.Equal(["password", "username"], rendered.Data.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("app", Encoding.UTF8.GetString(rendered.Data["username"]));
    }

    [Fact]
    public async Task RemovedSource_IsConfirmedAbsent_ByReadAndByVersionCheck()
    {
        await Backend.PutAsync("contract/gone", new Dictionary<string, string> { ["k"] = "v" });

        await Backend.RemoveAsync("contract/gone");

        Assert.IsType<ReadResult.Absent>(await Source.ReadAsync("contract/gone", null, default));
        Assert.IsType<VersionResult.Absent>((await Source.CheckVersionsAsync(["contract/gone"], default))["contract/gone"]);
    }

    [Fact]
    public async Task Throttling_IsAFailureThatCarriesItsRetryAfter_NeverAbsence()
    {
        await Backend.PutAsync("contract/busy", new Dictionary<string, string> { ["k"] = "v" });

        using (Backend.Throttle(TimeSpan.FromSeconds(30)))
        {
            var read = Assert.IsType<ReadResult.Failed>(await Source.ReadAsync("contract/busy", null, default));
            var check = Assert.IsType<VersionResult.Failed>((await Source.CheckVersionsAsync(["contract/busy"], default))["contract/busy"]);

            Assert.Contains(read.Failure.Kind, new[] { FailureKind.Throttled, FailureKind.Unavailable });
            Assert.Contains(check.Failure.Kind, new[] { FailureKind.Throttled, FailureKind.Unavailable });
            Assert.True(read.Failure.RetryAfter is null || read.Failure.RetryAfter > TimeSpan.Zero);
        }
    }

    [Fact]
    public async Task RejectedCredentials_AreUnauthenticatedOrForbidden_NeverAbsence()
    {
        await Backend.PutAsync("contract/locked", new Dictionary<string, string> { ["k"] = "v" });
        await using var rejected = Backend.Provider.Connect(Backend.SettingsWithBadCredentials);

        var read = Assert.IsType<ReadResult.Failed>(await rejected.ReadAsync("contract/locked", null, default));
        var check = Assert.IsType<VersionResult.Failed>((await rejected.CheckVersionsAsync(["contract/locked"], default))["contract/locked"]);

        Assert.Contains(read.Failure.Kind, new[] { FailureKind.Unauthenticated, FailureKind.Forbidden });
        Assert.Contains(check.Failure.Kind, new[] { FailureKind.Unauthenticated, FailureKind.Forbidden });
    }

    [Fact]
    public async Task Outage_IsUnavailable_NeverAbsence()
    {
        await Backend.PutAsync("contract/down", new Dictionary<string, string> { ["k"] = "v" });

        using (Backend.Outage())
        {
            Assert.Equal(FailureKind.Unavailable, Assert.IsType<ReadResult.Failed>(await Source.ReadAsync("contract/down", null, default)).Failure.Kind);
            Assert.IsType<VersionResult.Failed>((await Source.CheckVersionsAsync(["contract/down"], default))["contract/down"]);
        }
    }

    [Fact]
    public async Task LargeValue_RoundTripsByteForByte()
    {
        var large = string.Create(400_000, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = (char)('a' + (i % 26));
            }
        });
        await Backend.PutAsync("contract/large", new Dictionary<string, string> { ["blob"] = large });

        var found = Assert.IsType<ReadResult.Found>(await Source.ReadAsync("contract/large", null, default));

        Assert.Equal(large, Text(found, "blob"));
    }

    [Fact]
    public async Task BinaryValue_RoundTripsByteForByte_WhereTheProviderHoldsBytes()
    {
        if (!Backend.SupportsBinary)
        {
            return; // Vault KV and Azure Key Vault hold text only; their adapters never see raw bytes.
        }

        var bytes = Enumerable.Range(0, 4096).Select(i => (byte)(i * 7 % 256)).ToArray();
        await Backend.PutBinaryAsync("contract/binary", bytes);

        var found = Assert.IsType<ReadResult.Found>(await Source.ReadAsync("contract/binary", null, default));

        Assert.Equal(bytes, found.Payload.Values[Backend.BinaryKey]);
    }

    [Fact]
    public async Task UnicodeValues_AndUnusualKeys_RoundTrip()
    {
        var values = new Dictionary<string, string> { ["pässwörd"] = "秘密-🔑", ["tls.crt"] = "line1\nline2", ["with space"] = "ü" };
        await Backend.PutAsync("contract/unicode", values);

        var found = Assert.IsType<ReadResult.Found>(await Source.ReadAsync("contract/unicode", null, default));

        foreach (var (key, value) in values)
        {
            Assert.Equal(value, Text(found, key));
        }
    }

    private static string Text(ReadResult.Found found, string key) =>
        found.Payload.Values.TryGetValue(key, out var bytes) ? Encoding.UTF8.GetString(bytes) : throw new KeyNotFoundException($"no key '{key}' in {found.Payload}");
}
