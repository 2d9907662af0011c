using System.Text.Json.Nodes;
using SecretSync.Testing;

namespace SecretSync.Integration.Tests.Release;

/// <summary>What is built is what was reviewed: every project's packages are pinned by a lock file the image and CI restore against.</summary>
public sealed class LockedRestoreTests
{
    public static TheoryData<string> Projects()
    {
        var projects = new TheoryData<string>();
        foreach (var project in Directory.EnumerateFiles(Path.Combine(Repository.Root, "src"), "*.csproj", SearchOption.AllDirectories)
                     .Concat(Directory.EnumerateFiles(Path.Combine(Repository.Root, "tests"), "*.csproj", SearchOption.AllDirectories))
                     .Where(p => !p.Contains("/bin/", StringComparison.Ordinal) && !p.Contains("/obj/", StringComparison.Ordinal))
                     .Order(StringComparer.Ordinal))
        {
            projects.Add(Path.GetRelativePath(Repository.Root, project));
        }

        return projects;
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public void EveryProject_HasALockFile_PinningEachPackageByContentHash(string project)
    {
        var lockFile = Path.Combine(Repository.Root, Path.GetDirectoryName(project)!, "packages.lock.json");

        Assert.True(File.Exists(lockFile), $"{project} has no packages.lock.json; run 'dotnet restore SecretSync.sln' and commit it");
        var frameworks = JsonNode.Parse(File.ReadAllText(lockFile))!["dependencies"]!.AsObject();
        var packages = frameworks.SelectMany(f => f.Value!.AsObject()).Where(p => p.Value!["type"]!.GetValue<string>() != "Project").ToList();
        Assert.All(packages, p => Assert.False(string.IsNullOrEmpty(p.Value!["contentHash"]?.GetValue<string>()), $"{project}: {p.Key} has no content hash"));
    }

    [Fact]
    public void TheImage_AndCi_RestoreInLockedMode()
    {
        var publish = File.ReadAllLines(Path.Combine(Repository.Root, "Dockerfile")).Single(l => l.TrimStart().StartsWith("dotnet publish ", StringComparison.Ordinal));
        var ci = File.ReadAllText(Path.Combine(Repository.Root, ".ci", "run"));

        Assert.Contains("-p:RestoreLockedMode=true", publish, StringComparison.Ordinal);
        Assert.Contains("dotnet restore SecretSync.sln --locked-mode", ci, StringComparison.Ordinal);
    }
}
