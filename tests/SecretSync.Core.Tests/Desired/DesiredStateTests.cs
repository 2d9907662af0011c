using SecretSync.Core.Desired;
using SecretSync.Core.Model;
using SecretSync.Core.Tests.Support;

namespace SecretSync.Core.Tests.Desired;

public sealed class DesiredStateTests
{
    private const string Yaml = """
        cluster: c1
        providers: { vault: { type: vault, address: x } }
        bundles:
          payments-db:
            provider: vault
            namespaces: { matchLabels: { team: payments } }
            secrets:
              - { source: payments/db, target: db-credentials, keys: { username: user } }
              - { source: shared/tls, target: wildcard-tls, type: kubernetes.io/tls }
          shared-tls:
            provider: vault
            namespaces: all
            secrets:
              - { source: shared/tls, target: wildcard-tls, type: kubernetes.io/tls }
          other-db:
            provider: vault
            namespaces: all
            secrets:
              - { source: other/db, target: db-credentials }
        """;

    private static NamespaceInfo Namespace(string name, string? bundles, params (string, string)[] labels) =>
        new(name, Some.Labels(labels), bundles is null ? Some.Labels() : Some.Labels((Annotations.Bundles, bundles)));

    private static DesiredState Compute(params NamespaceInfo[] namespaces) => DesiredState.Compute(Some.Config(Yaml), namespaces);

    [Fact]
    public void Compute_AllowedNamespace_GetsEveryMappingOfTheBundle()
    {
        var state = Compute(Namespace("payments", "payments-db", ("team", "payments")));

        Assert.Equal([new NamespacedName("payments", "db-credentials"), new NamespacedName("payments", "wildcard-tls")], state.Targets.Keys.OrderBy(k => k.ToString()));
        var target = state.Targets[new("payments", "db-credentials")];
        Assert.Equal("payments-db", target.Bundle);
        Assert.Equal(new SourceRef("vault", "payments/db"), target.Source);
        Assert.Equal("user", target.KeyRenames["username"]);
        Assert.Equal("kubernetes.io/tls", state.Targets[new("payments", "wildcard-tls")].Type);
    }

    [Fact]
    public void Compute_NamespaceWithoutAnnotation_GetsNothing()
    {
        var state = Compute(Namespace("payments", null, ("team", "payments")));

        Assert.Empty(state.Targets);
        Assert.Empty(state.Denied);
    }

    [Fact]
    public void Compute_BundleNotAllowedByLabels_IsDeniedAndNothingWritten()
    {
        var state = Compute(Namespace("intruder", "payments-db", ("team", "web")));

        Assert.Empty(state.Targets);
        Assert.Equal([new BundleDenial("intruder", "payments-db")], state.Denied);
        Assert.Empty(state.Sources);
    }

    [Fact]
    public void Compute_UnknownBundle_IsReportedAndOthersStillApply()
    {
        var state = Compute(Namespace("web", "nope,shared-tls"));

        Assert.Equal([new UnknownBundle("web", "nope")], state.UnknownBundles);
        Assert.Single(state.Targets);
    }

    [Fact]
    public void Compute_InvalidAnnotationTokens_AreReportedPerNamespace()
    {
        var state = Compute(Namespace("web", "shared-tls,Bad Name"));

        var invalid = Assert.Single(state.InvalidRequests);
        Assert.Equal("web", invalid.Namespace);
        Assert.Equal(["Bad Name"], invalid.Request.Rejected);
        Assert.Single(state.Targets);
    }

    [Fact]
    public void Compute_TwoBundlesMappingOneSecretName_WritesNeitherAndReportsBoth()
    {
        var state = Compute(Namespace("payments", "payments-db,other-db", ("team", "payments")));

        var collision = Assert.Single(state.Collisions);
        Assert.Equal(new NamespacedName("payments", "db-credentials"), collision.Secret);
        Assert.Equal(["other-db", "payments-db"], collision.Bundles);
        Assert.False(state.Targets.ContainsKey(new("payments", "db-credentials")));
        Assert.True(state.Targets.ContainsKey(new("payments", "wildcard-tls")));
        Assert.True(state.IsContested(new("payments", "db-credentials")));
    }

    [Fact]
    public void Compute_CollisionWithDeniedBundle_IsNoCollision()
    {
        var state = Compute(Namespace("web", "payments-db,other-db"));

        Assert.Empty(state.Collisions);
        Assert.Equal("other-db", state.Targets[new("web", "db-credentials")].Bundle);
    }

    [Fact]
    public void Compute_SourceUsedByManyNamespaces_IsOneDistinctSourceWithItsCount()
    {
        var namespaces = Enumerable.Range(0, 200).Select(i => Namespace($"ns{i}", "shared-tls")).ToArray();

        var state = Compute(namespaces);

        Assert.Equal(200, state.Targets.Count);
        Assert.Equal(200, Assert.Single(state.Sources, s => s.Key == new SourceRef("vault", "shared/tls")).Value);
        Assert.Single(state.Sources);
    }

    [Fact]
    public void Compute_SameSourceInTwoBundles_CountsEveryTarget()
    {
        var state = Compute(Namespace("payments", "payments-db", ("team", "payments")), Namespace("web", "shared-tls"));

        Assert.Equal(2, state.Sources[new SourceRef("vault", "shared/tls")]);
        Assert.Equal(1, state.Sources[new SourceRef("vault", "payments/db")]);
    }
}
