using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace SecretSync.Daemon.Hosting;

/// <summary>The HTTP surface: health, readiness, Prometheus metrics and status; it only reads.</summary>
/// <remarks>
/// None of these ever returns a secret value: status carries versions, times and errors only. Nothing here changes
/// what the daemon does: approving held deletions is a patch of the daemon's Lease, which the cluster's RBAC decides.
/// </remarks>
internal static class Endpoints
{
    private static readonly JsonSerializerOptions StatusJson = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static void Map(WebApplication app, DaemonRuntime runtime)
    {
        app.MapGet("/healthz", () => runtime.Failure is null
            ? Results.Text("ok\n")
            : Results.Text("the sync loop stopped; the process is exiting\n", statusCode: StatusCodes.Status500InternalServerError));
        app.MapGet("/readyz", () => Results.Text(runtime.Readiness + "\n", statusCode: runtime.Ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable));
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapGet("/status", () => Results.Json(runtime.Snapshot(), StatusJson));
    }
}
