using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using SecretSync.Daemon.Metrics;

namespace SecretSync.Daemon.Hosting;

/// <summary>The HTTP surface: health, readiness, Prometheus metrics, status and revocation approval.</summary>
/// <remarks>None of these ever returns a secret value: status carries versions, times and errors only.</remarks>
internal static class Endpoints
{
    private static readonly JsonSerializerOptions StatusJson = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static void Map(WebApplication app, DaemonRuntime runtime, PrometheusExposition exposition)
    {
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/readyz", () => runtime.Ready
            ? Results.Text("ready\n")
            : Results.Text(!runtime.CachesSynced ? "caches not synced yet\n" : "first sync as leader not finished\n", statusCode: StatusCodes.Status503ServiceUnavailable));
        app.MapGet("/metrics", () => Results.Text(exposition.Render(), "text/plain; version=0.0.4; charset=utf-8"));
        app.MapGet("/status", () => Results.Json(runtime.Snapshot(), StatusJson));
        app.MapPost("/revocations/approve", (string? token) =>
        {
            if (runtime.Engine is not { } engine)
            {
                return Results.Text("the daemon is starting\n", statusCode: StatusCodes.Status503ServiceUnavailable);
            }

            if (!runtime.IsLeader)
            {
                return Results.Text("this replica is a standby; approve on the leader\n", statusCode: StatusCodes.Status409Conflict);
            }

            return !string.IsNullOrWhiteSpace(token) && engine.Approve(token.Trim())
                ? Results.Text("approved: held revocations will run in the next cycle\n")
                : Results.Text($"no held revocations match that token{(engine.BrakeSummary is { } brake ? $" ({brake})" : "")}\n", statusCode: StatusCodes.Status404NotFound);
        });
    }
}
