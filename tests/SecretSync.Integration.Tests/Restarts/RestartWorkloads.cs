using System.Text.Json.Nodes;
using SecretSync.Core.Model;
using SecretSync.DevStack;
using SecretSync.Testing.Cluster;

namespace SecretSync.Integration.Tests.Restarts;

/// <summary>apps/v1 workloads for restart scenarios, the rollout status the test plays controller for, and restart counts
/// from the emulator's request log.</summary>
public static class RestartWorkloads
{
    /// <summary>The plural resource of a workload kind.</summary>
    public static string Resource(string kind) => kind switch
    {
        "Deployment" => "deployments",
        "StatefulSet" => "statefulsets",
        "DaemonSet" => "daemonsets",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a workload kind"),
    };

    /// <summary>A workload with one replica, its rollout of generation 1 finished; <paramref name="optIn"/> null leaves it out.</summary>
    public static JsonObject Workload(string kind, string ns, string name, string? optIn, JsonObject podSpec)
    {
        var metadata = new JsonObject { ["name"] = name, ["namespace"] = ns };
        if (optIn is not null)
        {
            metadata["annotations"] = new JsonObject { [Annotations.RestartOnRotate] = optIn };
        }

        var spec = new JsonObject
        {
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } },
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = name } },
                ["spec"] = podSpec,
            },
        };
        if (kind != "DaemonSet")
        {
            spec["replicas"] = 1;
        }

        return new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = kind, ["metadata"] = metadata, ["spec"] = spec, ["status"] = Finished(kind, 1) };
    }

    /// <summary>A pod spec whose container reads one key of a Secret into an environment variable.</summary>
    public static JsonObject EnvFrom(string secret, string key) => Containers(new JsonObject
    {
        ["env"] = new JsonArray(new JsonObject
        {
            ["name"] = "VALUE",
            ["valueFrom"] = new JsonObject { ["secretKeyRef"] = new JsonObject { ["name"] = secret, ["key"] = key } },
        }),
    });

    /// <summary>A pod spec reading one key of each of several Secrets into environment variables.</summary>
    public static JsonObject EnvFromEach(IEnumerable<(string Secret, string Key)> references) => Containers(new JsonObject
    {
        ["env"] = new JsonArray([.. references.Select((r, i) => (JsonNode)new JsonObject
        {
            ["name"] = $"VALUE_{i}",
            ["valueFrom"] = new JsonObject { ["secretKeyRef"] = new JsonObject { ["name"] = r.Secret, ["key"] = r.Key } },
        })]),
    });

    /// <summary>A pod spec taking every key of a Secret as environment variables.</summary>
    public static JsonObject WholeSecret(string secret) => Containers(new JsonObject
    {
        ["envFrom"] = new JsonArray(new JsonObject { ["secretRef"] = new JsonObject { ["name"] = secret } }),
    });

    /// <summary>A pod spec mounting some keys of a Secret as files.</summary>
    public static JsonObject Volume(string secret, params string[] keys)
    {
        var spec = Containers(new JsonObject());
        var source = new JsonObject { ["secretName"] = secret };
        if (keys.Length > 0)
        {
            source["items"] = new JsonArray([.. keys.Select(k => (JsonNode)new JsonObject { ["key"] = k, ["path"] = k })]);
        }

        spec["volumes"] = new JsonArray(new JsonObject { ["name"] = "secret", ["secret"] = source });
        return spec;
    }

    /// <summary>A pod spec with a projected volume of one whole Secret.</summary>
    public static JsonObject Projected(string secret)
    {
        var spec = Containers(new JsonObject());
        spec["volumes"] = new JsonArray(new JsonObject
        {
            ["name"] = "projected",
            ["projected"] = new JsonObject { ["sources"] = new JsonArray(new JsonObject { ["secret"] = new JsonObject { ["name"] = secret } }) },
        });
        return spec;
    }

    /// <summary>The status a controller reports once the rollout of <paramref name="generation"/> has reached every replica.</summary>
    public static JsonObject Finished(string kind, long generation) => kind switch
    {
        "DaemonSet" => new JsonObject
        {
            ["observedGeneration"] = generation, ["desiredNumberScheduled"] = 1, ["currentNumberScheduled"] = 1,
            ["updatedNumberScheduled"] = 1, ["numberAvailable"] = 1, ["numberReady"] = 1,
        },
        "StatefulSet" => new JsonObject
        {
            ["observedGeneration"] = generation, ["replicas"] = 1, ["readyReplicas"] = 1, ["updatedReplicas"] = 1,
            ["currentRevision"] = $"rev-{generation}", ["updateRevision"] = $"rev-{generation}",
        },
        _ => new JsonObject { ["observedGeneration"] = generation, ["replicas"] = 1, ["updatedReplicas"] = 1, ["readyReplicas"] = 1, ["availableReplicas"] = 1 },
    };

    /// <summary>Plays the controller: reports the workload's current generation rolled out.</summary>
    public static void FinishRollout(this KubernetesEmulator kubernetes, string kind, string ns, string name)
    {
        var generation = kubernetes.Get(Resource(kind), ns, name)!["metadata"]!["generation"]!.GetValue<long>();
        kubernetes.SetStatus(Resource(kind), ns, name, Finished(kind, generation));
    }

    /// <summary>The restart annotation of a workload's pod template, or null.</summary>
    public static string? RestartedFor(this TestCluster cluster, string kind, string ns, string name) =>
        cluster.Kubernetes.Get(Resource(kind), ns, name)?["spec"]?["template"]?["metadata"]?["annotations"]?[Annotations.RestartedFor]?.GetValue<string>();

    /// <summary>Successful workload patches (restarts) in the request log since <paramref name="fromIndex"/>, as <c>resource/ns/name</c>.</summary>
    public static IReadOnlyList<string> Restarts(this TestCluster cluster, int fromIndex = 0) =>
        [.. cluster.Kubernetes.Requests.Snapshot().Skip(fromIndex)
            .Where(r => r.Verb == "patch" && r.Status == 200 && r.Path.StartsWith("/apis/apps/v1/namespaces/", StringComparison.Ordinal))
            .Select(r => r.Path["/apis/apps/v1/namespaces/".Length..].Split('/') is [var ns, var resource, var name] ? $"{resource}/{ns}/{name}" : r.Path)];

    /// <summary>The <c>restarts:</c> section of a configuration, at column zero.</summary>
    public static string Section(string debounce, int perNamespace = 5, int perCluster = 20) => $"""
        restarts:
          debounce: {debounce}
          maxConcurrentPerNamespace: {perNamespace}
          maxConcurrentPerCluster: {perCluster}
        """;

    private static JsonObject Containers(JsonObject container)
    {
        container["name"] = "app";
        container["image"] = "registry.example/app:1";
        return new JsonObject { ["containers"] = new JsonArray(container) };
    }
}
