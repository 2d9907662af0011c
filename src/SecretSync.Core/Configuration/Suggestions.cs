namespace SecretSync.Core.Configuration;

/// <summary>Finds the closest known word to a typo, for did-you-mean hints.</summary>
internal static class Suggestions
{
    /// <summary>The candidate within a small edit distance of <paramref name="input"/>, or null.</summary>
    public static string? Closest(string input, IEnumerable<string> candidates)
    {
        var limit = Math.Max(1, input.Length / 3);
        return candidates
            .Select(c => (Candidate: c, Distance: Distance(input.ToLowerInvariant(), c.ToLowerInvariant())))
            .Where(x => x.Distance <= limit)
            .OrderBy(x => x.Distance)
            .Select(x => x.Candidate)
            .FirstOrDefault();
    }

    /// <summary>" (did you mean 'x'?)" when a close candidate exists, else empty.</summary>
    public static string Hint(string input, IEnumerable<string> candidates) =>
        Closest(input, candidates) is { } match ? $" (did you mean '{match}'?)" : "";

    // Optimal string alignment: edits plus swaps of neighbours, the commonest typo.
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
