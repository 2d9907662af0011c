using System.Text;
using SecretSync.Core.Model;
using SecretSync.Core.Rendering;
using SecretSync.Daemon.Sync;
using SecretSync.Kubernetes.Models;

namespace SecretSync.Daemon.Tests.Sync;

public sealed class ClusterStateTests
{
    private static readonly byte[] Key = Encoding.UTF8.GetBytes("cluster-state-tests-install-key!");

    [Fact]
    public void Observe_CopiesOfOneSourceInManyNamespaces_ShareTheirMetadataInstances()
    {
        var cluster = new ClusterState(new ContentHasher(Key));

        var a = cluster.Observe(Managed("team-a", "v1-password"));
        var b = cluster.Observe(Managed("team-b", "v1-password"));

        Assert.Same(a.Secret.Annotations, b.Secret.Annotations);
        Assert.Same(a.Secret.Labels, b.Secret.Labels);
        Assert.Same(a.KeyDigests, b.KeyDigests);
        Assert.Same(a.Secret.DataHash, b.Secret.DataHash);
        Assert.Equal("app", a.Annotation("note"));
    }

    [Fact]
    public void Observe_DifferentContentOrMetadata_KeepsEachSecretsOwnValues()
    {
        var cluster = new ClusterState(new ContentHasher(Key));

        var a = cluster.Observe(Managed("team-a", "v1-password"));
        var b = cluster.Observe(Managed("team-b", "v2-password", note: "app2"));
        // Length prefixes keep boundaries: {"ab": "c"} and {"a": "bc"} must not be taken for one map.
        var c = cluster.Observe(Managed("team-c", "v1-password", extra: ("ab", "c")));
        var d = cluster.Observe(Managed("team-d", "v1-password", extra: ("a", "bc")));

        Assert.NotEqual(a.Secret.DataHash, b.Secret.DataHash);
        Assert.NotEqual(a.KeyDigests["password"], b.KeyDigests["password"]);
        Assert.Equal(a.KeyDigests["username"], b.KeyDigests["username"]);
        Assert.Equal("app2", b.Annotation("note"));
        Assert.Equal("c", c.Annotation("ab"));
        Assert.Null(c.Annotation("a"));
        Assert.Equal("bc", d.Annotation("a"));
        Assert.Null(d.Annotation("ab"));
        Assert.Equal(new NamespacedName("team-d", "db"), d.Secret.Secret);
    }

    [Fact]
    public void Relist_InPages_KeepsUnlistedSecretsUntilComplete_ThenHoldsExactlyTheListedSecrets()
    {
        var cluster = new ClusterState(new ContentHasher(Key));
        cluster.Observe(Managed("gone", "v1-password"));
        cluster.Observe(Managed("team-a", "v1-password"));

        cluster.BeginRelist();
        cluster.AddRelisted([Managed("stale", "v1-password")]);
        cluster.BeginRelist(); // the list started over: what the page above listed must be listed again
        cluster.AddRelisted([Managed("team-a", "v2-password", resourceVersion: "2")]);

        Assert.NotNull(cluster.Find(new NamespacedName("gone", "db")));
        cluster.CompleteRelist([Managed("team-b", "v1-password")]);

        Assert.Equal(["team-a", "team-b"], cluster.ManagedSecrets.Select(e => e.Secret.Secret.Namespace).Order(StringComparer.Ordinal));
        Assert.Equal(cluster.Observe(Managed("x", "v2-password")).Secret.DataHash, cluster.Find(new NamespacedName("team-a", "db"))!.Secret.DataHash);
    }

    [Fact]
    public void Relist_OfAnUnchangedSecret_KeepsItsCachedEntry()
    {
        var cluster = new ClusterState(new ContentHasher(Key));
        var cached = cluster.Observe(Managed("team-a", "v1-password"));

        cluster.BeginRelist();
        cluster.CompleteRelist([Managed("team-a", "v1-password")]);

        Assert.Same(cached, cluster.Find(new NamespacedName("team-a", "db")));
    }

    [Fact]
    public void ReplaceNamespaces_ReportsAChangeOnlyWhenAnOptInOrLabelChangedOrANamespaceWent()
    {
        var cluster = new ClusterState(new ContentHasher(Key));
        Assert.True(cluster.ReplaceNamespaces([OptedIn("team-a", "db"), OptedIn("team-b", "db")]));

        Assert.False(cluster.ReplaceNamespaces([OptedIn("team-a", "db"), OptedIn("team-b", "db")]));
        Assert.True(cluster.ReplaceNamespaces([OptedIn("team-a", "db"), OptedIn("team-b", "db,tls")]));
        Assert.True(cluster.ReplaceNamespaces([OptedIn("team-a", "db")]));
        Assert.Equal(["team-a"], cluster.Namespaces.Select(n => n.Name));
    }

    [Fact]
    public void Relist_Whole_ReplacesTheCache()
    {
        var cluster = new ClusterState(new ContentHasher(Key));
        cluster.Observe(Managed("gone", "v1-password"));

        cluster.CompleteRelist([Managed("team-a", "v1-password")]);

        Assert.Equal(["team-a"], cluster.ManagedSecrets.Select(e => e.Secret.Secret.Namespace));
    }

    [Fact]
    public void InternPool_AtCapacity_StartsAfreshAndStillReturnsEqualValues()
    {
        var pool = new InternPool(capacity: 2);
        var first = pool.String(new string('x', 3));
        pool.String("y");
        pool.String("z"); // the pool was full: it forgot x and y

        var again = pool.String(new string('x', 3));

        Assert.Equal(first, again);
        Assert.NotSame(first, again);
        Assert.Same(again, pool.String(new string('x', 3)));
    }

    private static Namespace OptedIn(string name, string bundles) => new()
    {
        Metadata = new ObjectMeta { Name = name, Annotations = new Dictionary<string, string> { [Annotations.Bundles] = bundles } },
    };

    private static Secret Managed(string ns, string password, string note = "app", (string Key, string Value)? extra = null, string resourceVersion = "1")
    {
        var annotations = new Dictionary<string, string>
        {
            [Annotations.Bundle] = "platform",
            [Annotations.ContentHash] = "hmac-sha256:" + new string('0', 64),
            ["note"] = note,
        };
        if (extra is { } pair)
        {
            annotations[pair.Key] = pair.Value;
        }

        return new Secret
        {
            Metadata = new ObjectMeta
            {
                Name = "db",
                Namespace = ns,
                ResourceVersion = resourceVersion,
                Labels = new Dictionary<string, string> { [Annotations.ManagedByLabel] = Annotations.ManagedByValue },
                Annotations = annotations,
            },
            Type = "Opaque",
            Data = new Dictionary<string, byte[]> { ["username"] = "app"u8.ToArray(), ["password"] = Encoding.UTF8.GetBytes(password) },
        };
    }
}
