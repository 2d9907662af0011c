using SecretSync.Core.Desired;
using SecretSync.Core.Model;
using SecretSync.Core.Tests.Support;

namespace SecretSync.Core.Tests.Desired;

/// <summary>The tenancy guard under hostile annotation spellings: labels alone decide, and targets stay home.</summary>
public sealed class TenancyPropertyTests
{
    private const string Yaml = """
        cluster: c1
        providers: { vault: { type: vault, address: x } }
        bundles:
          payments-db:
            provider: vault
            namespaces: { matchLabels: { team: payments } }
            secrets:
              - { source: payments/db, target: db-credentials }
          open:
            provider: vault
            namespaces: all
            secrets:
              - { source: shared/tls, target: wildcard-tls }
        """;

    private static readonly NamespaceInfo Payments = new("payments", Some.Labels(("team", "payments")), Some.Labels((Annotations.Bundles, "payments-db")));

    [Fact]
    public void AnIntruder_NeverGetsABundleItsLabelsDoNotAllow_ByAnySpelling()
    {
        var config = Some.Config(Yaml);
        foreach (var value in HostileText.AnnotationValues())
        {
            // The intruder is named like the bundle, and a second one like the allowed namespace's Secret path.
            NamespaceInfo[] intruders =
            [
                new("payments-db", Some.Labels(("team", "games")), Some.Labels((Annotations.Bundles, value))),
                new("intruder", Some.Labels(("team", "Payments"), ("payments", "team")), Some.Labels((Annotations.Bundles, value))),
            ];

            var state = DesiredState.Compute(config, [Payments, .. intruders]);

            foreach (var intruder in intruders)
            {
                var asked = Annotations.ParseBundles(value).Names;
                var theirs = state.Targets.Values.Where(t => t.Secret.Namespace == intruder.Name).ToList();
                Assert.DoesNotContain(theirs, t => t.Bundle == "payments-db");
                Assert.Equal(asked.Contains("open") ? [new NamespacedName(intruder.Name, "wildcard-tls")] : [], theirs.Select(t => t.Secret));
                Assert.Equal(asked.Contains("payments-db"), state.Denied.Contains(new BundleDenial(intruder.Name, "payments-db")));
            }

            // Whatever the intruders write, the allowed namespace's targets are its own and unchanged.
            Assert.Equal([new NamespacedName("payments", "db-credentials")], state.Targets.Keys.Where(k => k.Namespace == "payments"));
            Assert.All(state.Targets, t => Assert.Equal(t.Key, t.Value.Secret));
            Assert.All(state.Targets.Keys, k => Assert.Contains(k.Namespace, new[] { "payments", "payments-db", "intruder" }));
            Assert.All(state.Targets.Keys, k => Assert.Contains(k.Name, new[] { "db-credentials", "wildcard-tls" }));
        }
    }

    [Theory]
    [InlineData("payments/payments-db")]
    [InlineData("payments/db-credentials")]
    [InlineData("../payments/payments-db")]
    [InlineData("*")]
    [InlineData("payments-db.payments")]
    public void ANamespaceOrPathInTheAnnotation_NeverPointsATargetAtAnotherNamespace(string value)
    {
        var intruder = new NamespaceInfo("intruder", Some.Labels(), Some.Labels((Annotations.Bundles, $"open,{value}")));

        var state = DesiredState.Compute(Some.Config(Yaml), [Payments, intruder]);

        Assert.Equal(
            [new NamespacedName("intruder", "wildcard-tls"), new NamespacedName("payments", "db-credentials")],
            state.Targets.Keys.OrderBy(k => k.Namespace, StringComparer.Ordinal));
        Assert.Equal([value], Assert.Single(state.InvalidRequests, r => r.Namespace == "intruder").Request.Rejected);
    }
}
