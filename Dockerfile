# syntax=docker/dockerfile:1
# The secretsync image: built with the .NET SDK, run on the chiseled ASP.NET Core runtime (no shell, no
# package manager), as the non-root user `app` (UID 1654), with nothing written outside /tmp.
#   docker build -t registry.example.com/platform/secretsync:0.1.0 .
# .ci/run runs the same `dotnet publish` and starts the result, since no Docker engine runs in CI.

# Both base images are pinned by digest: the tag says what it is, the digest fixes the bytes (a tag is re-pushed
# with every OS patch). To move to the newest build of a tag, read its digest and replace it here:
#   docker buildx imagetools inspect mcr.microsoft.com/dotnet/sdk:10.0.400-noble --format '{{json .Manifest.Digest}}'
# The SDK image is pinned to the feature band global.json asks for (10.0.4xx with rollForward latestPatch):
# the floating sdk:10.0 tag moves between bands. Bump both together.
FROM mcr.microsoft.com/dotnet/sdk:10.0.400-noble@sha256:e1ffd2a92ae84c1291bc1b6887501f8af98e6331e7af6d4c8d37168c5e87a64c AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props BannedSymbols.txt .editorconfig ./
COPY src/ src/
COPY samples/dev/ samples/dev/
RUN --mount=type=cache,id=nuget,target=/root/.nuget/packages \
    dotnet publish src/SecretSync.Cli/SecretSync.Cli.csproj -c Release -o /app --no-self-contained -p:UseAppHost=true -p:SatelliteResourceLanguages=en -p:PublishDocumentationFiles=false -p:RestoreLockedMode=true

FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled@sha256:48e51f2f6798897be7ac4e775c049ed8fe60d3190f637e1f9c9dc7513efa659c
WORKDIR /app
COPY --from=build /app ./
# Numeric, so that runAsNonRoot can verify it without resolving names.
USER 1654:1654
# DOTNET_EnableDiagnostics=0: no diagnostics IPC socket (dotnet-dump, dotnet-trace, startup hooks through it), so
# nothing sharing the pod can attach to the daemon's memory, which holds Secret values.
ENV DOTNET_NOLOGO=1 \
    DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    DOTNET_EnableDiagnostics=0
EXPOSE 8080
ENTRYPOINT ["/app/secretsync"]
CMD ["run", "--config", "/etc/secretsync/config.yaml"]
