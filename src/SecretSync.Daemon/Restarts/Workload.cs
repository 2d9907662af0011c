using System.Text.RegularExpressions;
using SecretSync.Core.Model;
using SecretSync.Kubernetes.Models;

namespace SecretSync.Daemon.Restarts;

/// <summary>The workload kinds that can opt in to restarts.</summary>
internal enum WorkloadKind
{
    Deployment,
    StatefulSet,
    DaemonSet,
}

/// <summary>Names one workload.</summary>
internal readonly record struct WorkloadKey(WorkloadKind Kind, string Namespace, string Name)
{
    /// <summary>As audit events and logs name it within its namespace: <c>deployment/web</c>.</summary>
    public string Display => $"{Kind.ToString().ToLowerInvariant()}/{Name}";

    public override string ToString() => $"{Namespace}/{Display}";
}

/// <summary>What a pod template uses of one Secret: named keys, or every key (envFrom, a whole volume).</summary>
internal sealed record SecretUse(bool AllKeys, IReadOnlySet<string> Keys)
{
    public static SecretUse Everything { get; } = new(true, new HashSet<string>(StringComparer.Ordinal));

    public bool Uses(string key) => AllKeys || Keys.Contains(key);

    /// <summary>The used keys among those a Secret has now.</summary>
    public IEnumerable<string> Present(IReadOnlyDictionary<string, string> keyDigests) =>
        AllKeys ? keyDigests.Keys : Keys.Where(keyDigests.ContainsKey);

    public SecretUse Merge(SecretUse other) =>
        AllKeys || other.AllKeys ? Everything : new SecretUse(false, Keys.Union(other.Keys, StringComparer.Ordinal).ToHashSet(StringComparer.Ordinal));
}

/// <summary>An opted-in workload as the restarter needs it: which Secrets (and keys) it restarts for, what it was last
/// restarted for, and whether its rollout has finished.</summary>
/// <param name="Key">The workload.</param>
/// <param name="Generation">Its <c>metadata.generation</c>.</param>
/// <param name="ResourceVersion">Its resourceVersion, the precondition of a patch.</param>
/// <param name="Uses">The Secrets a rotation of which restarts it, by name, after the opt-in annotation is applied.</param>
/// <param name="RestartedFor">The per-Secret digests of its <see cref="Annotations.RestartedFor"/> pod-template annotation.</param>
/// <param name="RolloutFinished">False while the controller has not rolled out the current generation to every replica.</param>
internal sealed record WorkloadInfo(
    WorkloadKey Key,
    long Generation,
    string ResourceVersion,
    IReadOnlyDictionary<string, SecretUse> Uses,
    IReadOnlyDictionary<string, string> RestartedFor,
    bool RolloutFinished);

/// <summary>Reads workloads: the opt-in annotation, the Secret references of the pod template, and rollout status.</summary>
internal static partial class WorkloadReader
{
    /// <summary>The workload as the restarter sees it, or null when it has not opted in.</summary>
    public static WorkloadInfo? Read(IWorkload workload)
    {
        ArgumentNullException.ThrowIfNull(workload);
        var (kind, finished) = workload switch
        {
            Deployment d => (WorkloadKind.Deployment, IsFinished(d)),
            StatefulSet s => (WorkloadKind.StatefulSet, IsFinished(s)),
            DaemonSet d => (WorkloadKind.DaemonSet, IsFinished(d)),
            _ => throw new ArgumentException($"not a workload kind the restarter knows: {workload.GetType().Name}", nameof(workload)),
        };
        var optIn = workload.Metadata.Annotations?.GetValueOrDefault(Annotations.RestartOnRotate);
        if (ParseOptIn(optIn) is not { } wanted)
        {
            return null;
        }

        var referenced = References(workload.Template?.Spec);
        Dictionary<string, SecretUse> uses;
        if (wanted.Count == 0)
        {
            uses = referenced;
        }
        else
        {
            // A listed Secret the template does not reference is read some other way (the API, a sidecar): every key counts.
            uses = new Dictionary<string, SecretUse>(StringComparer.Ordinal);
            foreach (var name in wanted)
            {
                uses[name] = referenced.GetValueOrDefault(name) ?? SecretUse.Everything;
            }
        }

        var restartedFor = RestartDigest.Parse(workload.Template?.Metadata?.Annotations?.GetValueOrDefault(Annotations.RestartedFor));
        var key = new WorkloadKey(kind, workload.Metadata.Namespace ?? "", workload.Metadata.Name ?? "");
        return new WorkloadInfo(key, workload.Metadata.Generation ?? 0, workload.Metadata.ResourceVersion ?? "", uses, restartedFor, finished);
    }

    /// <summary>Null when off; empty for <c>true</c> (every referenced Secret); else the listed Secret names.</summary>
    public static IReadOnlySet<string>? ParseOptIn(string? value)
    {
        var text = value?.Trim() ?? "";
        if (text.Length == 0 || text.Equals("false", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (text.Equals("true", StringComparison.OrdinalIgnoreCase))
        {
            return new HashSet<string>(StringComparer.Ordinal);
        }

        var names = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(name => name.Length <= 253 && SecretName().IsMatch(name))
            .ToHashSet(StringComparer.Ordinal);
        return names.Count == 0 ? null : names;
    }

    /// <summary>Every Secret the pod spec references, with the keys it uses.</summary>
    public static Dictionary<string, SecretUse> References(PodSpec? spec)
    {
        var uses = new Dictionary<string, SecretUse>(StringComparer.Ordinal);
        if (spec is null)
        {
            return uses;
        }

        foreach (var container in (spec.Containers ?? []).Concat(spec.InitContainers ?? []))
        {
            foreach (var env in container.Env ?? [])
            {
                if (env.ValueFrom?.SecretKeyRef is { Name: { Length: > 0 } name, Key: { Length: > 0 } key })
                {
                    Add(name, new SecretUse(false, new HashSet<string>(StringComparer.Ordinal) { key }));
                }
            }

            foreach (var envFrom in container.EnvFrom ?? [])
            {
                if (envFrom.SecretRef is { Name: { Length: > 0 } name })
                {
                    Add(name, SecretUse.Everything);
                }
            }
        }

        foreach (var volume in spec.Volumes ?? [])
        {
            if (volume.Secret is { SecretName: { Length: > 0 } secretName } secret)
            {
                Add(secretName, Items(secret.Items));
            }

            foreach (var source in volume.Projected?.Sources ?? [])
            {
                if (source.Secret is { Name: { Length: > 0 } projectedName } projected)
                {
                    Add(projectedName, Items(projected.Items));
                }
            }
        }

        return uses;

        void Add(string name, SecretUse use) => uses[name] = uses.TryGetValue(name, out var known) ? known.Merge(use) : use;

        static SecretUse Items(List<KeyToPath>? items) => items is { Count: > 0 }
            ? new SecretUse(false, items.Select(i => i.Key).OfType<string>().ToHashSet(StringComparer.Ordinal))
            : SecretUse.Everything;
    }

    /// <summary>As <c>kubectl rollout status</c> decides: the controller saw this generation and every replica is updated and available.</summary>
    public static bool IsFinished(Deployment deployment)
    {
        var status = deployment.Status;
        if (status is null || (status.ObservedGeneration ?? 0) < (deployment.Metadata.Generation ?? 0))
        {
            return false;
        }

        var wanted = deployment.Spec?.Replicas ?? 1;
        var updated = status.UpdatedReplicas ?? 0;
        return updated >= wanted && (status.Replicas ?? 0) <= updated && (status.AvailableReplicas ?? 0) >= updated;
    }

    /// <summary>Rolling updates: every replica ready and of the update revision. OnDelete: once the controller saw the generation
    /// (its pods change only when someone deletes them, which the restarter does not wait for).</summary>
    public static bool IsFinished(StatefulSet statefulSet)
    {
        var status = statefulSet.Status;
        if (status is null || (status.ObservedGeneration ?? 0) < (statefulSet.Metadata.Generation ?? 0))
        {
            return false;
        }

        if (statefulSet.Spec?.UpdateStrategy?.Type == UpdateStrategy.OnDelete)
        {
            return true;
        }

        var wanted = statefulSet.Spec?.Replicas ?? 1;
        var revisionsAgree = string.IsNullOrEmpty(status.UpdateRevision) || string.IsNullOrEmpty(status.CurrentRevision) || status.UpdateRevision == status.CurrentRevision;
        return (status.ReadyReplicas ?? 0) >= wanted && (status.UpdatedReplicas ?? 0) >= wanted && revisionsAgree;
    }

    /// <summary>Every scheduled node runs an updated, available pod (OnDelete: the controller saw the generation).</summary>
    public static bool IsFinished(DaemonSet daemonSet)
    {
        var status = daemonSet.Status;
        if (status is null || (status.ObservedGeneration ?? 0) < (daemonSet.Metadata.Generation ?? 0))
        {
            return false;
        }

        if (daemonSet.Spec?.UpdateStrategy?.Type == UpdateStrategy.OnDelete)
        {
            return true;
        }

        var wanted = status.DesiredNumberScheduled ?? 0;
        return (status.UpdatedNumberScheduled ?? 0) >= wanted && (status.NumberAvailable ?? 0) >= wanted;
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex SecretName();
}
