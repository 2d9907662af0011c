# syntax=docker/dockerfile:1
# The secretsync image: built with the .NET SDK, run on the chiseled ASP.NET Core runtime (no shell, no
# package manager), as the non-root user `app` (UID 1654), with nothing written outside /tmp.
#   docker build -t registry.example.com/platform/secretsync:0.1.0 .
# .ci/run runs the same `dotnet publish` and starts the result, since no Docker engine runs in CI.

# The SDK image is pinned to the feature band global.json asks for (10.0.4xx with rollForward latestPatch):
# the floating sdk:10.0 tag moves between bands. Bump both together.
FROM mcr.microsoft.com/dotnet/sdk:10.0.400-noble AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props BannedSymbols.txt .editorconfig ./
COPY src/ src/
COPY samples/dev/ samples/dev/
RUN --mount=type=cache,id=nuget,target=/root/.nuget/packages \
    dotnet publish src/SecretSync.Cli/SecretSync.Cli.csproj -c Release -o /app --no-self-contained -p:UseAppHost=true -p:SatelliteResourceLanguages=en -p:PublishDocumentationFiles=false -p:RestoreLockedMode=true

FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled
WORKDIR /app
COPY --from=build /app ./
# Numeric, so that runAsNonRoot can verify it without resolving names.
USER 1654:1654
ENV DOTNET_NOLOGO=1 \
    DOTNET_CLI_TELEMETRY_OPTOUT=1
EXPOSE 8080
ENTRYPOINT ["/app/secretsync"]
CMD ["run", "--config", "/etc/secretsync/config.yaml"]
