using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using SecretSync.Core.Model;
using SecretSync.Core.Providers;
using SecretSync.Daemon.Metrics;
using SecretSync.Daemon.Sync;
using SecretSync.Daemon.Tests.Metrics;

namespace SecretSync.Daemon.Tests.Sync;

[Collection(nameof(TelemetryTests))]
public sealed class SyncTracingTests
{
    // Nothing listens on this loopback port: the OTLP exporter's attempts fail quietly, the in-memory one records.
    private const string UnreachableCollector = "http://127.0.0.1:9";

    [Theory]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT")]
    [InlineData("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")]
    public void Tracing_IsOnOnlyWithAnOtlpEndpoint(string variable)
    {
        Assert.False(Telemetry.TracingEnabled(_ => null));
        Assert.False(Telemetry.TracingEnabled(_ => " "));
        Assert.True(Telemetry.TracingEnabled(name => name == variable ? UnreachableCollector : null));
    }

    [Fact]
    public void Registration_WithoutAnOtlpEndpoint_HasNoTracerAndStartsNoSpan()
    {
        using var services = new ServiceCollection().AddLogging().AddSecretSyncTelemetry("test-0", _ => null).BuildServiceProvider();

        Assert.Null(services.GetService<TracerProvider>());
        Assert.False(SyncTracing.Source.HasListeners());
        Assert.Null(SyncTracing.Read(new SourceRef("vault-main", "payments/db"), null));
    }

    [Fact]
    public void Registration_WithAnOtlpEndpoint_ExportsTheSyncSourcesSpans()
    {
        var exported = new List<Activity>();
        var collection = new ServiceCollection().AddLogging()
            .AddSecretSyncTelemetry("test-0", name => name == "OTEL_EXPORTER_OTLP_ENDPOINT" ? UnreachableCollector : null);
        collection.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(exported));
        using (var services = collection.BuildServiceProvider())
        {
            Assert.NotNull(services.GetService<TracerProvider>());
            var secret = new NamespacedName("payments", "db-credentials");
            var version = new SourceVersion("7", DateTimeOffset.UnixEpoch);
            using (SyncTracing.CheckVersions("vault-main", 3))
            {
            }

            using (var span = SyncTracing.Read(new SourceRef("vault-main", "payments/db"), "7"))
            {
                SyncTracing.Failed(span, nameof(FailureKind.Unavailable));
            }

            using (SyncTracing.Render(secret, version))
            {
            }

            using (SyncTracing.Write(secret, version, "create"))
            {
            }
        }

        Assert.All(exported, span => Assert.Equal(SyncTracing.SourceName, span.Source.Name));
        Assert.Equal(
            [SyncTracing.VersionCheckSpan, SyncTracing.ProviderReadSpan, SyncTracing.RenderSpan, SyncTracing.KubernetesWriteSpan],
            exported.Select(span => span.OperationName));
        var read = exported[1];
        Assert.Equal("vault-main", read.GetTagItem(SyncTracing.ProviderAttribute));
        Assert.Equal("payments/db", read.GetTagItem(SyncTracing.SourcePathAttribute));
        Assert.Equal("7", read.GetTagItem(SyncTracing.VersionAttribute));
        Assert.Equal(ActivityStatusCode.Error, read.Status);
        Assert.Equal("Unavailable", read.GetTagItem(SyncTracing.FailureAttribute));
        var write = exported[3];
        Assert.Equal("payments", write.GetTagItem(SyncTracing.NamespaceAttribute));
        Assert.Equal("db-credentials", write.GetTagItem(SyncTracing.SecretAttribute));
        Assert.Equal("create", write.GetTagItem(SyncTracing.ActionAttribute));
    }
}
