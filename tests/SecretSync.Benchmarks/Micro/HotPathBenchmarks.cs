using System.Text.Json;
using BenchmarkDotNet.Attributes;
using SecretSync.Core.Desired;
using SecretSync.Core.Model;
using SecretSync.Core.Planning;
using SecretSync.Core.Providers;
using SecretSync.Core.Rendering;
using SecretSync.Kubernetes.Models;

namespace SecretSync.Benchmarks.Micro;

/// <summary>The keyed content hash computed for every desired and every observed Secret.</summary>
[MemoryDiagnoser]
public class ContentHasherBenchmarks
{
    private readonly ContentHasher _hasher = new(Samples.InstallKey);
    private RenderedSecret _small = null!;
    private RenderedSecret _large = null!;

    [GlobalSetup]
    public void Setup()
    {
        _small = Samples.Rendered(keys: 2, valueBytes: 32);
        _large = Samples.Rendered(keys: 10, valueBytes: 1024);
    }

    [Benchmark(Description = "hash, 2 keys x 32 B")]
    public string HashSmall() => _hasher.Hash(_small);

    [Benchmark(Description = "hash, 10 keys x 1 KB")]
    public string HashLarge() => _hasher.Hash(_large);
}

/// <summary>The diff of one desired Secret against the one observed, and the prune pass over a namespace-sized set.</summary>
[MemoryDiagnoser]
public class SecretPlannerBenchmarks
{
    private readonly DesiredTarget _target = Samples.Target();
    private readonly SourceVersion _version = Samples.Payload().Version;
    private string _hash = "";
    private ObservedSecret _upToDate = null!;
    private ObservedSecret _changed = null!;

    [GlobalSetup]
    public void Setup()
    {
        _hash = new ContentHasher(Samples.InstallKey).Hash(Samples.Rendered());
        var annotations = new Dictionary<string, string>(ManagedMetadata.AnnotationsFor(_target, _version, _hash));
        _upToDate = new ObservedSecret(_target.Secret, "Opaque", ManagedMetadata.Labels, annotations, _hash, SealState.Valid);
        var old = "hmac-sha256:" + new string('0', 64);
        _changed = _upToDate with { Annotations = new Dictionary<string, string>(annotations) { [Annotations.ContentHash] = old }, DataHash = old };
    }

    [Benchmark(Description = "plan, up to date")]
    public SecretPlan PlanUpToDate() => SecretPlanner.Plan(_target, _hash, _version, _upToDate);

    [Benchmark(Description = "plan, source changed")]
    public SecretPlan PlanChanged() => SecretPlanner.Plan(_target, _hash, _version, _changed);

    [Benchmark(Description = "plan, absent")]
    public SecretPlan PlanAbsent() => SecretPlanner.Plan(_target, _hash, _version, null);
}

/// <summary>The Secret body the client sends on every write and reads from every list page and watch event.</summary>
[MemoryDiagnoser]
public class SecretSerializationBenchmarks
{
    private Secret _secret = null!;
    private byte[] _json = [];

    [GlobalSetup]
    public void Setup()
    {
        var rendered = Samples.Rendered();
        var hash = new ContentHasher(Samples.InstallKey).Hash(rendered);
        var target = Samples.Target();
        _secret = new Secret
        {
            Metadata = new ObjectMeta
            {
                Name = target.Secret.Name,
                Namespace = target.Secret.Namespace,
                Labels = new Dictionary<string, string>(ManagedMetadata.Labels),
                Annotations = new Dictionary<string, string>(ManagedMetadata.AnnotationsFor(target, Samples.Payload().Version, hash)),
            },
            Type = rendered.Type,
            Data = rendered.Data.ToDictionary(),
        };
        _json = Serialize();
    }

    [Benchmark(Description = "serialise Secret")]
    public byte[] Serialize() => JsonSerializer.SerializeToUtf8Bytes(_secret, KubernetesJsonContext.Default.Secret);

    [Benchmark(Description = "deserialise Secret")]
    public Secret? Deserialize() => JsonSerializer.Deserialize(_json, KubernetesJsonContext.Default.Secret);
}
