using System.Text.Json.Nodes;
using SecretSync.Core.Model;
using SecretSync.DevStack;
using SecretSync.Integration.Tests.Restarts;
using SecretSync.Testing;

namespace SecretSync.Integration.Tests.Chart;

/// <summary>The chart's admission fence lets every write the real daemon makes through and refuses writes outside it.</summary>
/// <remarks>
/// No API server runs here, so the policies Helm renders are evaluated by <see cref="CelSubset"/> against admission
/// requests rebuilt from the emulator's committed writes (who, object, old object, the Namespace as it was then).
/// </remarks>
public sealed class AdmissionPolicyTests
{
    private const string ReleaseNamespace = DaemonWrites.ReleaseNamespace;
    private const string Daemon = "system:serviceaccount:secretsync:secretsync";

    [PeerFact("helm")]
    public async Task EveryWriteTheDaemonMakes_IsAdmitted()
    {
        var recorded = await DaemonWrites.RecordAsync();
        var policies = await RenderAsync(recorded.Values);

        var requests = AdmissionRequests(recorded.Changes).ToList();
        var refused = requests.Select(r => (Request: r, Refusal: policies.Refusal(r))).Where(r => r.Refusal is not null).Select(r => $"{r.Request}: {r.Refusal}").ToList();

        Assert.True(refused.Count == 0, "the fence refuses writes the daemon makes:\n" + string.Join("\n", refused));
        var covered = requests.Where(r => policies.Matching(r).Count > 0).Select(r => $"{r.Operation} {r.Resource}").ToHashSet(StringComparer.Ordinal);
        Assert.Superset(
            new HashSet<string>(StringComparer.Ordinal) { "CREATE secrets", "UPDATE secrets", "DELETE secrets", "UPDATE deployments", "UPDATE statefulsets", "UPDATE daemonsets" },
            covered);
        Assert.Contains(requests, r => r is { Operation: "CREATE", Resource: "secrets" } && r.Name == "secretsync-install-key");
    }

    public static TheoryData<string, string> WritesOutsideTheFence() => new()
    {
        { "an unlabelled Secret", "labelled app.kubernetes.io/managed-by=secretsync" },
        { "taking over an unlabelled Secret by labelling it", "labelled app.kubernetes.io/managed-by=secretsync" },
        { "deleting an unlabelled Secret", "labelled app.kubernetes.io/managed-by=secretsync" },
        { "a labelled service-account-token Secret", "Secret types its configuration names" },
        { "a labelled Secret of a type no bundle writes", "Secret types its configuration names" },
        { "a labelled Secret in a namespace that did not opt in", "namespaces that opted in" },
        { "a Deployment patch changing the image", "changes nothing in a deployment" },
        { "a Deployment patch changing the replicas", "changes nothing in a deployment" },
        { "a StatefulSet patch adding another pod-template annotation", "only the secretsync.io/restarted-for annotation" },
        { "creating a DaemonSet", "never creates or deletes workloads" },
    };

    [PeerTheory("helm")]
    [MemberData(nameof(WritesOutsideTheFence))]
    public async Task AWriteOutsideTheFence_IsRefused(string write, string reason)
    {
        var policies = await RenderAsync(ChartFiles.Values());

        var refusal = policies.Refusal(Outside(write, Daemon));

        Assert.NotNull(refusal);
        Assert.Contains(reason, refusal, StringComparison.Ordinal);
        Assert.Null(policies.Refusal(Outside(write, "system:serviceaccount:ops:deployer"))); // the fence binds the daemon only
    }

    [PeerFact("helm")]
    public async Task ARestartAnnotationPatch_AndAManagedSecret_AreAdmitted()
    {
        var policies = await RenderAsync(ChartFiles.Values());

        var (old, patched) = Workloads("Deployment", w => w["spec"]!["template"]!["metadata"]!["annotations"] = new JsonObject { [Annotations.RestartedFor] = "db=1a2b" });

        Assert.Null(policies.Refusal(Update("apps", "deployments", old, patched)));
        Assert.Null(policies.Refusal(Create(Secret("Opaque", managed: true), OptedIn())));
    }

    private static AdmissionRequest Outside(string write, string username)
    {
        var request = write switch
        {
            "an unlabelled Secret" => Create(Secret("Opaque", managed: false), OptedIn()),
            "taking over an unlabelled Secret by labelling it" => Update("", "secrets", Secret("Opaque", managed: false), Secret("Opaque", managed: true)),
            "deleting an unlabelled Secret" => new AdmissionRequest("DELETE", "", "secrets", "team-a", "", null, Secret("Opaque", managed: false), OptedIn()),
            "a labelled service-account-token Secret" => Create(Secret("kubernetes.io/service-account-token", managed: true), OptedIn()),
            "a labelled Secret of a type no bundle writes" => Create(Secret("kubernetes.io/dockerconfigjson", managed: true), OptedIn()),
            "a labelled Secret in a namespace that did not opt in" =>
                Create(Secret("Opaque", managed: true), new JsonObject { ["metadata"] = new JsonObject { ["name"] = "team-a" } }),
            "a Deployment patch changing the image" =>
                Update("apps", "deployments", Workloads("Deployment", w => w["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = "evil:latest")),
            "a Deployment patch changing the replicas" => Update("apps", "deployments", Workloads("Deployment", w => w["spec"]!["replicas"] = 0)),
            "a StatefulSet patch adding another pod-template annotation" =>
                Update("apps", "statefulsets", Workloads("StatefulSet", w => w["spec"]!["template"]!["metadata"]!["annotations"] = new JsonObject { ["debug"] = "on" })),
            "creating a DaemonSet" => new AdmissionRequest("CREATE", "apps", "daemonsets", "team-a", "", Workloads("DaemonSet", _ => { }).Patched, null, OptedIn()),
            _ => throw new ArgumentOutOfRangeException(nameof(write), write, null),
        };
        return request with { Username = username };
    }

    private static AdmissionRequest Create(JsonObject secret, JsonObject ns) => new("CREATE", "", "secrets", "team-a", Daemon, secret, null, ns);

    private static AdmissionRequest Update(string group, string resource, (JsonObject Old, JsonObject Patched) pair) => Update(group, resource, pair.Old, pair.Patched);

    private static AdmissionRequest Update(string group, string resource, JsonObject old, JsonObject updated) =>
        new("UPDATE", group, resource, "team-a", Daemon, updated, old, OptedIn());

    private static JsonObject OptedIn() => new()
    {
        ["metadata"] = new JsonObject { ["name"] = "team-a", ["annotations"] = new JsonObject { [Annotations.Bundles] = "app" } },
    };

    private static JsonObject Secret(string type, bool managed)
    {
        var metadata = new JsonObject { ["name"] = "db", ["namespace"] = "team-a" };
        if (managed)
        {
            metadata["labels"] = new JsonObject { [Annotations.ManagedByLabel] = Annotations.ManagedByValue };
        }

        return new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Secret", ["metadata"] = metadata, ["type"] = type, ["data"] = new JsonObject { ["password"] = "cHc=" } };
    }

    private static (JsonObject Old, JsonObject Patched) Workloads(string kind, Action<JsonObject> change)
    {
        var podSpec = RestartWorkloads.EnvFrom("db", "password");
        podSpec["containers"]![0]!["image"] = "app:1.0";
        var old = RestartWorkloads.Workload(kind, "team-a", "app", "true", podSpec);
        var patched = (JsonObject)old.DeepClone();
        change(patched);
        return (old, patched);
    }

    private static async Task<AdmissionPolicies> RenderAsync(JsonObject values)
    {
        var folder = Directory.CreateTempSubdirectory("secretsync-fence-").FullName;
        try
        {
            var file = Path.Combine(folder, "values.yaml");
            var config = (JsonObject)values["config"]!.DeepClone();
            config["cluster"] = "prod-eu-1";
            await File.WriteAllTextAsync(file, new JsonObject { ["config"] = config }.ToJsonString());
            var manifests = await HelmTests.TemplateAsync(["-f", file, "--show-only", "templates/admissionpolicy.yaml"]);
            var policies = new AdmissionPolicies(manifests);
            Assert.Equal(["secretsync-daemonsets", "secretsync-deployments", "secretsync-secrets", "secretsync-statefulsets"], policies.Names.Order(StringComparer.Ordinal));
            return policies;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The admission request of each write the daemon made, with the object, the old object and its Namespace as they were.</summary>
    private static IEnumerable<AdmissionRequest> AdmissionRequests(IReadOnlyList<KubernetesChange> changes)
    {
        var namespaces = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var change in changes)
        {
            if (change.Resource == "namespaces")
            {
                if (change.Type == "DELETED")
                {
                    namespaces.Remove(change.Name);
                }
                else
                {
                    namespaces[change.Name] = change.ParseObject();
                }

                continue;
            }

            if (change.UserAgent?.StartsWith("secretsync", StringComparison.Ordinal) != true || change.Namespace is null)
            {
                continue;
            }

            var (operation, obj, old) = change.Type switch
            {
                "ADDED" => ("CREATE", change.ParseObject(), null),
                "MODIFIED" => ("UPDATE", change.ParseObject(), change.ParsePrevious()),
                "DELETED" => ("DELETE", (JsonObject?)null, change.ParseObject()),
                _ => throw new InvalidDataException(change.Type),
            };
            yield return new AdmissionRequest(operation, change.Group, change.Resource, change.Namespace, Daemon, obj, old, namespaces.GetValueOrDefault(change.Namespace));
        }
    }
}
