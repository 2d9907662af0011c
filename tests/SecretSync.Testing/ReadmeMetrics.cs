using System.Text.RegularExpressions;

namespace SecretSync.Testing;

/// <summary>The metric names README.md documents in its "Endpoints and metrics" table.</summary>
public static partial class ReadmeMetrics
{
    /// <summary>Every <c>secretsync_…</c> family named in the table's first column.</summary>
    /// <exception cref="InvalidOperationException">README.md has no metric table.</exception>
    public static IReadOnlySet<string> Names()
    {
        var lines = File.ReadAllLines(Path.Combine(Repository.Root, "README.md"));
        var header = Array.FindIndex(lines, l => l.StartsWith("| metric | labels |", StringComparison.Ordinal));
        if (header < 0)
        {
            throw new InvalidOperationException("README.md has no '| metric | labels |' table.");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in lines.Skip(header + 2).TakeWhile(l => l.StartsWith('|')))
        {
            var firstCell = row.Split('|', StringSplitOptions.TrimEntries)[1];
            names.UnionWith(Name().Matches(firstCell).Select(m => m.Groups["name"].Value));
        }

        return names;
    }

    [GeneratedRegex("`(?<name>secretsync_[a-z0-9_]+)`")]
    private static partial Regex Name();
}
