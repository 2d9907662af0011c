using System.Text;

namespace SecretSync.DevStack;

/// <summary>One served resource type.</summary>
internal sealed class ResourceKind
{
    public ResourceKind(string group, string plural, string singular, string kind, bool namespaced, string[] shortNames, string[] extraFields, bool hasSpecAndStatus = false)
    {
        Group = group;
        Version = "v1";
        Plural = plural;
        Singular = singular;
        Kind = kind;
        Namespaced = namespaced;
        ShortNames = shortNames;
        SelectableFields = ["metadata.name", "metadata.namespace", .. extraFields];
        HasSpecAndStatus = hasSpecAndStatus;
        ApiVersion = group.Length == 0 ? Version : $"{group}/{Version}";
        QualifiedResource = group.Length == 0 ? plural : $"{plural}.{group}";
        QualifiedKind = group.Length == 0 ? kind : $"{kind}.{group}";
        TypeMetaPrefix = Encoding.UTF8.GetBytes($"{{\"kind\":\"{kind}\",\"apiVersion\":\"{ApiVersion}\",");
        ListPrefix = Encoding.UTF8.GetBytes($"{{\"kind\":\"{kind}List\",\"apiVersion\":\"{ApiVersion}\",\"metadata\":{{\"resourceVersion\":\"");
    }

    public string Group { get; }

    public string Version { get; }

    public string Plural { get; }

    public string Singular { get; }

    public string Kind { get; }

    public bool Namespaced { get; }

    public string[] ShortNames { get; }

    /// <summary>Field selector labels this resource supports.</summary>
    public string[] SelectableFields { get; }

    /// <summary>Workloads: <c>generation</c> follows <c>spec</c>, and <c>status</c> is kept across main-resource writes.</summary>
    public bool HasSpecAndStatus { get; }

    public string ApiVersion { get; }

    /// <summary>As error messages name the resource: <c>secrets</c>, <c>leases.coordination.k8s.io</c>.</summary>
    public string QualifiedResource { get; }

    /// <summary>As Invalid messages name the kind: <c>Secret</c>, <c>Deployment.apps</c>.</summary>
    public string QualifiedKind { get; }

    /// <summary><c>{"kind":"Secret","apiVersion":"v1",</c>: prepended to a stored item to make a full object.</summary>
    public byte[] TypeMetaPrefix { get; }

    /// <summary>Start of a list response, up to the opening quote of the resourceVersion.</summary>
    public byte[] ListPrefix { get; }

    public bool IsNamespace => Group.Length == 0 && Plural == "namespaces";

    public bool IsSecret => Group.Length == 0 && Plural == "secrets";

    public bool IsConfigMap => Group.Length == 0 && Plural == "configmaps";

    public override string ToString() => QualifiedResource;
}

/// <summary>The resource types the emulator serves.</summary>
internal static class ResourceCatalog
{
    public static readonly ResourceKind Namespaces = new("", "namespaces", "namespace", "Namespace", false, ["ns"], ["status.phase"]);
    public static readonly ResourceKind Secrets = new("", "secrets", "secret", "Secret", true, [], ["type"]);
    public static readonly ResourceKind ConfigMaps = new("", "configmaps", "configmap", "ConfigMap", true, ["cm"], []);
    public static readonly ResourceKind Events = new("", "events", "event", "Event", true, ["ev"],
        ["involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid", "involvedObject.apiVersion",
         "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"]);
    public static readonly ResourceKind Leases = new("coordination.k8s.io", "leases", "lease", "Lease", true, [], []);
    public static readonly ResourceKind Deployments = new("apps", "deployments", "deployment", "Deployment", true, ["deploy"], [], hasSpecAndStatus: true);
    public static readonly ResourceKind StatefulSets = new("apps", "statefulsets", "statefulset", "StatefulSet", true, ["sts"], [], hasSpecAndStatus: true);
    public static readonly ResourceKind DaemonSets = new("apps", "daemonsets", "daemonset", "DaemonSet", true, ["ds"], [], hasSpecAndStatus: true);

    public static readonly IReadOnlyList<ResourceKind> All = [Namespaces, Secrets, ConfigMaps, Events, Leases, Deployments, StatefulSets, DaemonSets];

    /// <summary>API groups other than core, in discovery order.</summary>
    public static readonly IReadOnlyList<string> Groups = ["apps", "coordination.k8s.io"];

    public static ResourceKind? Find(string group, string version, string plural) =>
        version != "v1" ? null : All.FirstOrDefault(kind => kind.Group == group && kind.Plural == plural);

    /// <summary>By plural name, optionally group-qualified (<c>deployments.apps</c>).</summary>
    public static ResourceKind? ByResource(string resource) =>
        All.FirstOrDefault(kind => kind.Plural == resource || kind.QualifiedResource == resource);

    public static ResourceKind? ByKind(string apiVersion, string kind) =>
        All.FirstOrDefault(candidate => candidate.ApiVersion == apiVersion && candidate.Kind == kind);
}
