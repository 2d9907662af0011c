namespace SecretSync.Core.Model;

/// <summary>The operators of a Kubernetes set-based label requirement.</summary>
public enum SelectorOperator
{
    /// <summary>The label is present and its value is one of the values.</summary>
    In,

    /// <summary>The label is absent, or its value is none of the values.</summary>
    NotIn,

    /// <summary>The label is present, whatever its value.</summary>
    Exists,

    /// <summary>The label is absent.</summary>
    DoesNotExist,
}

/// <summary>One <c>matchExpressions</c> entry.</summary>
/// <param name="Key">The label key.</param>
/// <param name="Operator">How the label is tested.</param>
/// <param name="Values">The values for <see cref="SelectorOperator.In"/> and <see cref="SelectorOperator.NotIn"/>; empty otherwise.</param>
public sealed record LabelRequirement(string Key, SelectorOperator Operator, IReadOnlyList<string> Values)
{
    /// <summary>Whether <paramref name="labels"/> satisfy this requirement, with Kubernetes semantics.</summary>
    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        var present = labels.TryGetValue(Key, out var value);
        return Operator switch
        {
            SelectorOperator.In => present && Values.Contains(value),
            SelectorOperator.NotIn => !present || !Values.Contains(value),
            SelectorOperator.Exists => present,
            SelectorOperator.DoesNotExist => !present,
            _ => false,
        };
    }
}

/// <summary>A Kubernetes label selector: every <c>matchLabels</c> pair and every expression must hold.</summary>
/// <param name="MatchLabels">Labels that must be present with exactly these values.</param>
/// <param name="MatchExpressions">Set-based requirements.</param>
public sealed record LabelSelector(IReadOnlyDictionary<string, string> MatchLabels, IReadOnlyList<LabelRequirement> MatchExpressions)
{
    /// <summary>The empty selector, which matches every namespace.</summary>
    public static LabelSelector Everything { get; } = new(new Dictionary<string, string>(), []);

    /// <summary>True when the selector has no terms and so matches everything.</summary>
    public bool IsEmpty => MatchLabels.Count == 0 && MatchExpressions.Count == 0;

    /// <summary>Whether some set of labels satisfies both this selector and <paramref name="other"/>.</summary>
    /// <remarks>Exact for label selectors: requirements on different keys are independent, so each key is checked alone.</remarks>
    public bool CanOverlap(LabelSelector other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var requirements = Requirements().Concat(other.Requirements()).ToList();
        return requirements.GroupBy(r => r.Key, StringComparer.Ordinal).All(Satisfiable);
    }

    private IEnumerable<LabelRequirement> Requirements() =>
        MatchLabels.Select(pair => new LabelRequirement(pair.Key, SelectorOperator.In, [pair.Value])).Concat(MatchExpressions);

    private static bool Satisfiable(IEnumerable<LabelRequirement> onOneKey)
    {
        var list = onOneKey.ToList();
        var absent = list.Any(r => r.Operator == SelectorOperator.DoesNotExist);
        var present = list.Any(r => r.Operator is SelectorOperator.In or SelectorOperator.Exists);
        if (absent)
        {
            return !present;
        }

        var excluded = list.Where(r => r.Operator == SelectorOperator.NotIn).SelectMany(r => r.Values).ToHashSet(StringComparer.Ordinal);
        IEnumerable<string>? allowed = null;
        foreach (var requirement in list.Where(r => r.Operator == SelectorOperator.In))
        {
            allowed = allowed is null ? requirement.Values : allowed.Intersect(requirement.Values, StringComparer.Ordinal);
        }

        // Only NotIn / Exists: some value outside every excluded one always exists.
        return allowed is null || allowed.Any(value => !excluded.Contains(value));
    }

    /// <summary>Whether a set of labels is selected.</summary>
    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return MatchLabels.All(pair => labels.TryGetValue(pair.Key, out var value) && value == pair.Value)
            && MatchExpressions.All(requirement => requirement.Matches(labels));
    }
}
