using System.Text.RegularExpressions;
using SecretSync.Testing;

namespace SecretSync.Integration.Tests.Release;

/// <summary>The image's Dockerfile: what no Docker engine here can check by building it.</summary>
public sealed partial class DockerfileTests
{
    private static readonly string[] Lines = File.ReadAllLines(Path.Combine(Repository.Root, "Dockerfile"));

    [Fact]
    public void EveryBaseImage_IsPinnedByTagAndDigest()
    {
        var from = Lines.Where(l => l.StartsWith("FROM ", StringComparison.Ordinal)).ToList();

        Assert.Equal(2, from.Count);
        Assert.All(from, line => Assert.Matches(PinnedFrom(), line));
    }

    [Fact]
    public void TheRuntimeStage_TurnsTheDiagnosticsIpcOff()
    {
        var runtime = Lines.SkipWhile(l => !l.StartsWith("FROM ", StringComparison.Ordinal)).Skip(1)
            .SkipWhile(l => !l.StartsWith("FROM ", StringComparison.Ordinal)).ToList();

        Assert.Contains(runtime, l => Regex.IsMatch(l, @"^(ENV\s+|\s+)DOTNET_EnableDiagnostics=0\b"));
    }

    [Fact]
    public void TheDockerfile_HasOnePublishLine_AsCiRunParsesIt()
    {
        var publish = Lines.Where(l => Regex.IsMatch(l, "^ +dotnet publish ")).ToList();

        Assert.Single(publish);
        Assert.Contains(" -o /app ", publish[0], StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^FROM mcr\.microsoft\.com/dotnet/[a-z]+:[0-9][0-9A-Za-z.\-]*@sha256:[0-9a-f]{64}( AS [a-z]+)?$")]
    private static partial Regex PinnedFrom();
}
