namespace SecretSync.Testing;

/// <summary>Locates the repository checkout the tests run from.</summary>
public static class Repository
{
    /// <summary>The folder holding <c>SecretSync.sln</c>.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SecretSync.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No SecretSync.sln above {AppContext.BaseDirectory}.");
    }
}
