using System.Text;
using System.Text.Json.Nodes;
using SecretSync.DevStack;
using SecretSync.Kubernetes.Client;
using SecretSync.Kubernetes.Errors;
using SecretSync.Kubernetes.Models;
using SecretSync.Kubernetes.Tests.Support;

namespace SecretSync.Kubernetes.Tests.Client;

public sealed class ResourceClientTests
{
    [Fact]
    public async Task Secret_RoundTripsThroughCreateGetReplaceDelete_WithStringDataFoldedIntoData()
    {
        await using var k8s = await Emulators.StartAsync();
        using var client = Emulators.ClientFor(k8s);
        var secret = Emulators.Secret("default", "db", "user", "admin");
        secret.StringData = new() { ["password"] = "s3cret!" };

        var created = await client.Secrets.CreateAsync(secret);

        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
        Assert.False(string.IsNullOrEmpty(created.Metadata.ResourceVersion));
        Assert.Equal("s3cret!", Encoding.UTF8.GetString(created.Data!["password"]));
        Assert.Null(created.StringData);

        var read = await client.Secrets.GetAsync("default", "db");
        Assert.Equal("admin", Encoding.UTF8.GetString(read.Data!["user"]));
        read.Data["user"] = Encoding.UTF8.GetBytes("root");
        var replaced = await client.Secrets.ReplaceAsync(read);
        Assert.NotEqual(read.Metadata.ResourceVersion, replaced.Metadata.ResourceVersion);
        Assert.Equal("root", Encoding.UTF8.GetString(replaced.Data!["user"]));

        await client.Secrets.DeleteAsync("default", "db");
        Assert.Null(await client.Secrets.TryGetAsync("default", "db"));
    }

    [Fact]
    public async Task Replace_WithAStaleResourceVersion_ThrowsConflict()
    {
        await using var k8s = await Emulators.StartAsync();
        using var client = Emulators.ClientFor(k8s);
        await client.Secrets.CreateAsync(Emulators.Secret("default", "db"));
        var first = await client.Secrets.GetAsync("default", "db");
        var second = await client.Secrets.GetAsync("default", "db");

        first.Data!["k"] = "one"u8.ToArray();
        await client.Secrets.ReplaceAsync(first);
        second.Data!["k"] = "two"u8.ToArray();
        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => client.Secrets.ReplaceAsync(second));

        Assert.Equal(KubernetesErrorReason.Conflict, error.Reason);
        Assert.Equal(409, (int)error.StatusCode);
        Assert.Equal("one", Encoding.UTF8.GetString((await client.Secrets.GetAsync("default", "db")).Data!["k"]));
    }

    [Fact]
    public async Task Replace_WithoutAResourceVersion_OverwritesUnconditionally()
    {
        await using var k8s = await Emulators.StartAsync();
        using var client = Emulators.ClientFor(k8s);
        await client.Secrets.CreateAsync(Emulators.Secret("default", "db"));

        var replaced = await client.Secrets.ReplaceAsync(Emulators.Secret("default", "db", "k", "blind"));

        Assert.Equal("blind", Encoding.UTF8.GetString(replaced.Data!["k"]));
    }

    [Fact]
    public async Task Create_OfAnExistingName_ThrowsAlreadyExists()
    {
        await using var k8s = await Emulators.StartAsync();
        using var client = Emulators.ClientFor(k8s);
        await client.Secrets.CreateAsync(Emulators.Secret("default", "db"));

        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => client.Secrets.CreateAsync(Emulators.Secret("default", "db")));

        Assert.Equal(KubernetesErrorReason.AlreadyExists, error.Reason);
    }

    [Fact]
    public async Task Get_OfAMissingObject_ThrowsNotFound_AndTryGetReturnsNull()
    {
        await using var k8s = await Emulators.StartAsync();
        using var client = Emulators.ClientFor(k8s);

        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => client.Secrets.GetAsync("default", "nope"));

        Assert.Equal(KubernetesErrorReason.NotFound, error.Reason);
        Assert.Equal("NotFound", error.Status.Reason);
        Assert.Null(await client.Secrets.TryGetAsync("default", "nope"));
        Assert.Null(await client.Namespaces.TryGetAsync(null, "nope"));
    }

    [Fact]
    public async Task Create_InAMissingNamespace_ThrowsNotFound()
    {
        await using var k8s = await Emulators.StartAsync();
        using var client = Emulators.ClientFor(k8s);

        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => client.Secrets.CreateAsync(Emulators.Secret("ghost", "db")));

        Assert.Equal(KubernetesErrorReason.NotFound, error.Reason);
    }

    [Fact]
    public async Task Delete_WithAStaleResourceVersionPrecondition_ThrowsConflict_AndKeepsTheObject()
    {
        await using var k8s = await Emulators.StartAsync();
        using var client = Emulators.ClientFor(k8s);
        var created = await client.Secrets.CreateAsync(Emulators.Secret("default", "db"));
        created.Data!["k"] = "changed"u8.ToArray();
        var current = await client.Secrets.ReplaceAsync(created);

        var stale = new DeleteOptions { Preconditions = new Preconditions { ResourceVersion = created.Metadata.ResourceVersion } };
        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => client.Secrets.DeleteAsync("default", "db", stale));
        Assert.Equal(KubernetesErrorReason.Conflict, error.Reason);
        Assert.NotNull(await client.Secrets.TryGetAsync("default", "db"));

        var fresh = new DeleteOptions { Preconditions = new Preconditions { Uid = current.Metadata.Uid, ResourceVersion = current.Metadata.ResourceVersion } };
        await client.Secrets.DeleteAsync("default", "db", fresh);
        Assert.Null(await client.Secrets.TryGetAsync("default", "db"));
    }

    [Fact]
    public async Task MergePatch_SetsAndRemovesLabels()
    {
        await using var k8s = await Emulators.StartAsync();
        using var client = Emulators.ClientFor(k8s);
        await client.Secrets.CreateAsync(Emulators.Secret("default", "db", labels: new() { ["old"] = "x", ["keep"] = "y" }));

        var patched = await client.Secrets.PatchAsync("default", "db", KubernetesPatch.Merge(new JsonObject
        {
            ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["old"] = null, ["new"] = "z" } },
        }));

        Assert.Equal(new Dictionary<string, string> { ["keep"] = "y", ["new"] = "z" }, patched.Metadata.Labels);
    }

    [Fact]
    public async Task StrategicMergePatch_MergesAnnotations()
    {
        await using var k8s = await Emulators.StartAsync();
        using var client = Emulators.ClientFor(k8s);
        k8s.SeedNamespace("payments", annotations: new Dictionary<string, string> { ["a"] = "1" });

        var patched = await client.Namespaces.PatchAsync(null, "payments", KubernetesPatch.StrategicMerge(new JsonObject
        {
            ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { ["secretsync.io/bundles"] = "payments-db" } },
        }));

        Assert.Equal("1", patched.Metadata.Annotations!["a"]);
        Assert.Equal("payments-db", patched.Metadata.Annotations["secretsync.io/bundles"]);
    }

    [Fact]
    public async Task JsonPatch_WithAFailingTestOperation_IsRejected_AndChangesNothing()
    {
        await using var k8s = await Emulators.StartAsync();
        using var client = Emulators.ClientFor(k8s);
        var created = await client.Secrets.CreateAsync(Emulators.Secret("default", "db"));

        var ok = await client.Secrets.PatchAsync("default", "db", KubernetesPatch.Json(
        [
            new JsonObject { ["op"] = "test", ["path"] = "/metadata/resourceVersion", ["value"] = created.Metadata.ResourceVersion },
            new JsonObject { ["op"] = "add", ["path"] = "/data/extra", ["value"] = "ZQ==" },
        ]));
        Assert.Equal("e", Encoding.UTF8.GetString(ok.Data!["extra"]));

        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => client.Secrets.PatchAsync("default", "db", KubernetesPatch.Json(
        [
            new JsonObject { ["op"] = "test", ["path"] = "/metadata/resourceVersion", ["value"] = created.Metadata.ResourceVersion },
            new JsonObject { ["op"] = "remove", ["path"] = "/data/extra" },
        ])));
        Assert.Contains(error.Reason, new[] { KubernetesErrorReason.Invalid, KubernetesErrorReason.Conflict });
        Assert.True((await client.Secrets.GetAsync("default", "db")).Data!.ContainsKey("extra"));
    }

    [Fact]
    public async Task ImmutableSecret_RejectsDataChangesAsInvalid()
    {
        await using var k8s = await Emulators.StartAsync();
        using var client = Emulators.ClientFor(k8s);
        var secret = Emulators.Secret("default", "frozen", "k", "original-value");
        secret.Immutable = true;
        var created = await client.Secrets.CreateAsync(secret);

        created.Data!["k"] = "attempted-new-value"u8.ToArray();
        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => client.Secrets.ReplaceAsync(created));

        Assert.Equal(KubernetesErrorReason.Invalid, error.Reason);
        Assert.DoesNotContain("attempted-new-value", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("original-value", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListAsync_PagesWithLimitAndContinue_AtOneResourceVersion()
    {
        await using var k8s = await Emulators.StartAsync();
        using var client = Emulators.ClientFor(k8s);
        for (var i = 0; i < 7; i++)
        {
            await client.Secrets.CreateAsync(Emulators.Secret("default", $"s{i}"));
        }

        var names = new List<string>();
        var page = await client.Secrets.ListAsync("default", new ListOptions { Limit = 3 });
        var pages = 1;
        names.AddRange(page.Items.Select(s => s.Metadata.Name!));
        Assert.Equal(3, page.Items.Count);
        Assert.False(string.IsNullOrEmpty(page.Metadata.Continue));
        while (!string.IsNullOrEmpty(page.Metadata.Continue))
        {
            page = await client.Secrets.ListAsync("default", new ListOptions { Limit = 3, Continue = page.Metadata.Continue });
            pages++;
            names.AddRange(page.Items.Select(s => s.Metadata.Name!));
        }

        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"s{i}"), names.Order(StringComparer.Ordinal));

        k8s.Requests.Clear();
        var all = await client.Secrets.ListAllAsync("default", new ListOptions { Limit = 2 });
        Assert.Equal(7, all.Items.Count);
        Assert.False(string.IsNullOrEmpty(all.Metadata.ResourceVersion));
        Assert.Equal(4, k8s.Requests.CountWhere(r => r.Verb == "list"));
    }

    [Fact]
    public async Task ListAllAsync_RestartsFromTheFirstPage_WhenTheContinueTokenExpires()
    {
        await using var k8s = await Emulators.StartAsync();
        using (var seeding = Emulators.ClientFor(k8s))
        {
            for (var i = 0; i < 5; i++)
            {
                await seeding.Secrets.CreateAsync(Emulators.Secret("default", $"s{i}"));
            }
        }

        // Expire the continue token between the first and second page, once, as etcd compaction would.
        using var handler = new CompactBeforeFirstContinue(k8s);
        using var client = new KubernetesClient(
            new Kubernetes.Config.KubernetesClientConfig { Server = k8s.BaseAddress }, new KubernetesClientOptions { DisableRateLimiter = true }, null, handler);

        var all = await client.Secrets.ListAllAsync("default", new ListOptions { Limit = 2 });

        Assert.Equal(5, all.Items.Select(s => s.Metadata.Name).Distinct().Count());
        var statuses = k8s.Requests.Snapshot().Where(r => r.Verb == "list").Select(r => r.Status).ToList();
        Assert.Equal([200, 410, 200, 200, 200], statuses);

        var page = await client.Secrets.ListAsync("default", new ListOptions { Limit = 2 });
        await client.Secrets.CreateAsync(Emulators.Secret("default", "after-compaction"));
        k8s.CompactHistory();
        var expired = await Assert.ThrowsAsync<KubernetesApiException>(() => client.Secrets.ListAsync("default", new ListOptions { Limit = 2, Continue = page.Metadata.Continue }));
        Assert.Equal(KubernetesErrorReason.Gone, expired.Reason);
    }

    [Fact]
    public async Task LabelSelectors_FilterByEqualityInequalitySetAndExistence()
    {
        await using var k8s = await Emulators.StartAsync();
        using var client = Emulators.ClientFor(k8s);
        await client.Secrets.CreateAsync(Emulators.Secret("default", "a", labels: new() { ["team"] = "payments", ["tier"] = "db" }));
        await client.Secrets.CreateAsync(Emulators.Secret("default", "b", labels: new() { ["team"] = "search" }));
        await client.Secrets.CreateAsync(Emulators.Secret("default", "c", labels: new() { ["team"] = "payments" }));
        await client.Secrets.CreateAsync(Emulators.Secret("default", "d"));

        async Task<string> Names(string selector) =>
            string.Join(",", (await client.Secrets.ListAsync("default", new ListOptions { LabelSelector = selector })).Items.Select(s => s.Metadata.Name).Order(StringComparer.Ordinal));

        Assert.Equal("a,c", await Names("team=payments"));
        Assert.Equal("b,d", await Names("team!=payments"));
        Assert.Equal("a,b,c", await Names("team in (payments,search)"));
        Assert.Equal("a", await Names("team=payments,tier"));
        Assert.Equal("b,c,d", await Names("!tier"));
    }

    [Fact]
    public async Task FieldSelectors_FilterByNameAndNamespace_AcrossAllNamespaces()
    {
        await using var k8s = await Emulators.StartAsync();
        using var client = Emulators.ClientFor(k8s);
        k8s.SeedNamespace("one");
        k8s.SeedNamespace("two");
        await client.Secrets.CreateAsync(Emulators.Secret("one", "db"));
        await client.Secrets.CreateAsync(Emulators.Secret("two", "db"));
        await client.Secrets.CreateAsync(Emulators.Secret("two", "cache"));

        var named = await client.Secrets.ListAsync(null, new ListOptions { FieldSelector = "metadata.name=db" });
        Assert.Equal(["one", "two"], named.Items.Select(s => s.Metadata.Namespace!).Order(StringComparer.Ordinal));

        var inTwo = await client.Secrets.ListAsync(null, new ListOptions { FieldSelector = "metadata.namespace=two,metadata.name!=db" });
        Assert.Equal("cache", Assert.Single(inTwo.Items).Metadata.Name);

        var bad = await Assert.ThrowsAsync<KubernetesApiException>(() => client.Secrets.ListAsync(null, new ListOptions { FieldSelector = "spec.nonsense=1" }));
        Assert.Equal(KubernetesErrorReason.BadRequest, bad.Reason);
    }

    [Fact]
    public async Task Namespaces_AreClusterScoped()
    {
        await using var k8s = await Emulators.StartAsync();
        using var client = Emulators.ClientFor(k8s);

        var created = await client.Namespaces.CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = "payments", Labels = new() { ["team"] = "payments" } } });
        Assert.Equal(Namespace.ActivePhase, created.Status?.Phase);

        var list = await client.Namespaces.ListAsync(null, new ListOptions { LabelSelector = "team=payments" });
        Assert.Equal("payments", Assert.Single(list.Items).Metadata.Name);
        Assert.Throws<ArgumentException>(() => { _ = client.Namespaces.GetAsync("default", "payments"); });

        await client.Namespaces.DeleteAsync(null, "payments");
        var after = await client.Namespaces.TryGetAsync(null, "payments");
        Assert.True(after is null || after.Status?.Phase == Namespace.TerminatingPhase);
    }

    [Fact]
    public async Task Lease_RoundTripsMicroTime_AndConflictsOnAStaleRenewal()
    {
        await using var k8s = await Emulators.StartAsync();
        using var client = Emulators.ClientFor(k8s);
        var acquired = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(1_234_560);
        var lease = await client.Leases.CreateAsync(new Lease
        {
            Metadata = new ObjectMeta { Name = "secretsync", Namespace = "default" },
            Spec = new LeaseSpec { HolderIdentity = "pod-a", LeaseDurationSeconds = 15, AcquireTime = acquired, RenewTime = acquired, LeaseTransitions = 0 },
        });
        Assert.Equal(acquired, lease.Spec!.AcquireTime);

        var stale = await client.Leases.GetAsync("default", "secretsync");
        lease.Spec.RenewTime = acquired.AddSeconds(2);
        await client.Leases.ReplaceAsync(lease);
        stale.Spec!.HolderIdentity = "pod-b";
        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => client.Leases.ReplaceAsync(stale));
        Assert.Equal(KubernetesErrorReason.Conflict, error.Reason);
        Assert.Equal("pod-a", (await client.Leases.GetAsync("default", "secretsync")).Spec!.HolderIdentity);
    }

    [Fact]
    public async Task EventsAndConfigMaps_CanBeCreatedAndListed()
    {
        await using var k8s = await Emulators.StartAsync();
        using var client = Emulators.ClientFor(k8s);
        var at = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        await client.Events.CreateAsync(new Event
        {
            Metadata = new ObjectMeta { Name = "db.1880a", Namespace = "default" },
            InvolvedObject = new ObjectReference { ApiVersion = "v1", Kind = "Secret", Name = "db", Namespace = "default" },
            Reason = "Synced",
            Message = "Secret db synced from payments/db",
            Type = Event.NormalType,
            Source = new EventSource { Component = "secretsync" },
            FirstTimestamp = at,
            LastTimestamp = at,
            Count = 1,
        });
        await client.ConfigMaps.CreateAsync(new ConfigMap { Metadata = new ObjectMeta { Name = "cfg", Namespace = "default" }, Data = new() { ["a"] = "b" } });

        var events = await client.Events.ListAsync("default");
        Assert.Equal("Synced", Assert.Single(events.Items).Reason);
        Assert.Equal("b", (await client.ConfigMaps.GetAsync("default", "cfg")).Data!["a"]);
    }

    [Fact]
    public async Task DeniedRequest_ThrowsForbidden()
    {
        await using var k8s = await Emulators.StartAsync(new KubernetesEmulatorOptions { DenyRules = [new KubernetesDenyRule("list", "secrets")] });
        using var client = Emulators.ClientFor(k8s);

        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => client.Secrets.ListAsync("default"));

        Assert.Equal(KubernetesErrorReason.Forbidden, error.Reason);
    }

    [Fact]
    public async Task WrongToken_ThrowsUnauthorized()
    {
        await using var k8s = await Emulators.StartAsync(new KubernetesEmulatorOptions { BearerToken = "right" });
        using var client = new KubernetesClient(new Kubernetes.Config.KubernetesClientConfig { Server = k8s.BaseAddress, BearerToken = "wrong" });

        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => client.Namespaces.GetAsync(null, "default"));

        Assert.Equal(KubernetesErrorReason.Unauthorized, error.Reason);
    }

    /// <summary>Compacts the emulator's history just before the first continued page is requested.</summary>
    private sealed class CompactBeforeFirstContinue(KubernetesEmulator k8s) : DelegatingHandler(new SocketsHttpHandler())
    {
        private int _done;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri!.Query.Contains("continue=", StringComparison.Ordinal) && Interlocked.Exchange(ref _done, 1) == 0)
            {
                k8s.SeedNamespace("moves-the-resource-version-on");
                k8s.CompactHistory();
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
