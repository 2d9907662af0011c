using SecretSync.Core.Model;
using SecretSync.Core.Tests.Support;

namespace SecretSync.Core.Tests.Model;

public sealed class LabelSelectorTests
{
    private static LabelSelector Expression(SelectorOperator op, params string[] values) =>
        new(new Dictionary<string, string>(), [new LabelRequirement("tier", op, values)]);

    [Theory]
    [InlineData(SelectorOperator.In, "gold", true)]
    [InlineData(SelectorOperator.In, "bronze", false)]
    [InlineData(SelectorOperator.In, null, false)]
    [InlineData(SelectorOperator.NotIn, "gold", false)]
    [InlineData(SelectorOperator.NotIn, "bronze", true)]
    [InlineData(SelectorOperator.NotIn, null, true)]
    [InlineData(SelectorOperator.Exists, "anything", true)]
    [InlineData(SelectorOperator.Exists, null, false)]
    [InlineData(SelectorOperator.DoesNotExist, "anything", false)]
    [InlineData(SelectorOperator.DoesNotExist, null, true)]
    public void Matches_Operator_FollowsKubernetesSemantics(SelectorOperator op, string? tier, bool expected)
    {
        var labels = tier is null ? Some.Labels() : Some.Labels(("tier", tier));
        var selector = op is SelectorOperator.In or SelectorOperator.NotIn ? Expression(op, "gold", "silver") : Expression(op);

        Assert.Equal(expected, selector.Matches(labels));
    }

    [Fact]
    public void Matches_MatchLabels_RequiresEveryPair()
    {
        var selector = new LabelSelector(Some.Labels(("team", "payments"), ("env", "prod")), []);

        Assert.True(selector.Matches(Some.Labels(("team", "payments"), ("env", "prod"), ("extra", "x"))));
        Assert.False(selector.Matches(Some.Labels(("team", "payments"))));
        Assert.False(selector.Matches(Some.Labels(("team", "Payments"), ("env", "prod"))));
    }

    [Fact]
    public void Matches_LabelsAndExpressions_MustAllHold()
    {
        var selector = new LabelSelector(Some.Labels(("team", "payments")), [new LabelRequirement("frozen", SelectorOperator.DoesNotExist, [])]);

        Assert.True(selector.Matches(Some.Labels(("team", "payments"))));
        Assert.False(selector.Matches(Some.Labels(("team", "payments"), ("frozen", "true"))));
    }

    [Fact]
    public void Matches_EmptySelector_SelectsEverything()
    {
        Assert.True(LabelSelector.Everything.Matches(Some.Labels()));
        Assert.True(LabelSelector.Everything.Matches(Some.Labels(("a", "b"))));
    }
}
