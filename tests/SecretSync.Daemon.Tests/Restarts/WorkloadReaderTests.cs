using SecretSync.Core.Model;
using SecretSync.Daemon.Restarts;
using SecretSync.Kubernetes.Models;

namespace SecretSync.Daemon.Tests.Restarts;

public sealed class WorkloadReaderTests
{
    [Fact]
    public void References_FindEveryWayAPodTemplateUsesASecret()
    {
        var spec = new PodSpec
        {
            Containers =
            [
                new Container
                {
                    Env =
                    [
                        new EnvVar { Name = "DB_PASSWORD", ValueFrom = new EnvVarSource { SecretKeyRef = new SecretKeySelector { Name = "db", Key = "password" } } },
                        new EnvVar { Name = "PLAIN" },
                    ],
                    EnvFrom = [new EnvFromSource { SecretRef = new SecretEnvSource { Name = "api" } }],
                },
            ],
            InitContainers = [new Container { Env = [new EnvVar { ValueFrom = new EnvVarSource { SecretKeyRef = new SecretKeySelector { Name = "db", Key = "user" } } }] }],
            Volumes =
            [
                new Volume { Secret = new SecretVolumeSource { SecretName = "tls", Items = [new KeyToPath { Key = "tls.crt", Path = "cert" }] } },
                new Volume { Secret = new SecretVolumeSource { SecretName = "whole" } },
                new Volume
                {
                    Projected = new ProjectedVolumeSource
                    {
                        Sources =
                        [
                            new VolumeProjection { Secret = new SecretProjection { Name = "tls", Items = [new KeyToPath { Key = "tls.key", Path = "key" }] } },
                            new VolumeProjection { Secret = new SecretProjection { Name = "bundle" } },
                            new VolumeProjection(),
                        ],
                    },
                },
            ],
        };

        var uses = WorkloadReader.References(spec);

        Assert.Equal(["api", "bundle", "db", "tls", "whole"], uses.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["password", "user"], uses["db"].Keys.Order(StringComparer.Ordinal));
        Assert.False(uses["db"].AllKeys);
        Assert.True(uses["api"].AllKeys);
        Assert.True(uses["whole"].AllKeys);
        Assert.True(uses["bundle"].AllKeys);
        Assert.Equal(["tls.crt", "tls.key"], uses["tls"].Keys.Order(StringComparer.Ordinal));
        Assert.False(uses["tls"].AllKeys);
    }

    [Fact]
    public void References_OneKeyAndTheWholeSecret_MeanEveryKey()
    {
        var spec = new PodSpec
        {
            Containers =
            [
                new Container
                {
                    Env = [new EnvVar { ValueFrom = new EnvVarSource { SecretKeyRef = new SecretKeySelector { Name = "db", Key = "password" } } }],
                    EnvFrom = [new EnvFromSource { SecretRef = new SecretEnvSource { Name = "db" } }],
                },
            ],
        };

        Assert.True(WorkloadReader.References(spec)["db"].AllKeys);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("false", null)]
    [InlineData("true", "")]
    [InlineData("TRUE", "")]
    [InlineData("db, api ,,", "api,db")]
    [InlineData("Not_A_Name", null)]
    public void ParseOptIn_ReadsTrueOrAListOfSecretNames(string? value, string? expected)
    {
        var parsed = WorkloadReader.ParseOptIn(value);

        Assert.Equal(expected, parsed is null ? null : string.Join(",", parsed.Order(StringComparer.Ordinal)));
    }

    [Fact]
    public void Read_WithoutTheAnnotation_IsNotAWorkloadToRestart() =>
        Assert.Null(WorkloadReader.Read(Deployment(null)));

    [Fact]
    public void Read_OptedInWithTrue_UsesEveryReferencedSecret()
    {
        var workload = WorkloadReader.Read(Deployment("true"))!;

        Assert.Equal(new WorkloadKey(WorkloadKind.Deployment, "app", "web"), workload.Key);
        Assert.Equal(["api", "db"], workload.Uses.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(4, workload.Generation);
        Assert.Equal("77", workload.ResourceVersion);
        Assert.Equal("deployment/web", workload.Key.Display);
    }

    [Fact]
    public void Read_OptedInWithAList_UsesOnlyTheListed_AndEveryKeyOfAListedSecretTheTemplateDoesNotReference()
    {
        var workload = WorkloadReader.Read(Deployment("db,external"))!;

        Assert.Equal(["db", "external"], workload.Uses.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["password"], workload.Uses["db"].Keys);
        Assert.True(workload.Uses["external"].AllKeys);
    }

    [Fact]
    public void Read_ParsesTheRestartedForAnnotation()
    {
        var deployment = Deployment("true");
        deployment.Spec!.Template!.Metadata = new ObjectMeta { Annotations = new() { [Annotations.RestartedFor] = "api=00aa,db=11bb,broken" } };

        var workload = WorkloadReader.Read(deployment)!;

        Assert.Equal(new Dictionary<string, string> { ["api"] = "00aa", ["db"] = "11bb" }, workload.RestartedFor);
    }

    [Theory]
    [InlineData(4, 3, 3, 3, 3, true)]
    [InlineData(3, 3, 3, 3, 3, false)] // the controller has not seen the new generation
    [InlineData(4, 3, 2, 3, 3, false)] // not every replica updated
    [InlineData(4, 3, 3, 4, 3, false)] // an old replica still running
    [InlineData(4, 3, 3, 3, 2, false)] // an updated replica not available yet
    [InlineData(4, 0, 0, 0, 0, true)]  // scaled to zero
    public void DeploymentRollout_IsFinished_AsKubectlRolloutStatusSays(long observed, int replicas, int updated, int total, int available, bool finished)
    {
        var deployment = Deployment("true");
        deployment.Spec!.Replicas = replicas;
        deployment.Status = new DeploymentStatus { ObservedGeneration = observed, UpdatedReplicas = updated, Replicas = total, AvailableReplicas = available };

        Assert.Equal(finished, WorkloadReader.IsFinished(deployment));
    }

    [Fact]
    public void Rollout_WithoutStatus_IsNotFinished()
    {
        Assert.False(WorkloadReader.IsFinished(new Deployment { Metadata = new ObjectMeta { Generation = 1 } }));
        Assert.False(WorkloadReader.IsFinished(new StatefulSet { Metadata = new ObjectMeta { Generation = 1 } }));
        Assert.False(WorkloadReader.IsFinished(new DaemonSet { Metadata = new ObjectMeta { Generation = 1 } }));
    }

    [Fact]
    public void StatefulSetRollout_WaitsForEveryReplicaOfTheUpdateRevision_UnlessOnDelete()
    {
        var sts = new StatefulSet
        {
            Metadata = new ObjectMeta { Generation = 2 },
            Spec = new StatefulSetSpec { Replicas = 3 },
            Status = new StatefulSetStatus { ObservedGeneration = 2, ReadyReplicas = 3, UpdatedReplicas = 3, CurrentRevision = "web-1", UpdateRevision = "web-2" },
        };
        Assert.False(WorkloadReader.IsFinished(sts));

        sts.Status.CurrentRevision = "web-2";
        Assert.True(WorkloadReader.IsFinished(sts));

        sts.Status.UpdatedReplicas = 1;
        Assert.False(WorkloadReader.IsFinished(sts));

        sts.Spec.UpdateStrategy = new UpdateStrategy { Type = UpdateStrategy.OnDelete };
        Assert.True(WorkloadReader.IsFinished(sts));
    }

    [Fact]
    public void DaemonSetRollout_WaitsForEveryScheduledNode()
    {
        var ds = new DaemonSet
        {
            Metadata = new ObjectMeta { Generation = 5 },
            Status = new DaemonSetStatus { ObservedGeneration = 5, DesiredNumberScheduled = 4, UpdatedNumberScheduled = 3, NumberAvailable = 4 },
        };
        Assert.False(WorkloadReader.IsFinished(ds));

        ds.Status.UpdatedNumberScheduled = 4;
        Assert.True(WorkloadReader.IsFinished(ds));

        ds.Status.ObservedGeneration = 4;
        Assert.False(WorkloadReader.IsFinished(ds));
    }

    private static Deployment Deployment(string? optIn) => new()
    {
        Metadata = new ObjectMeta
        {
            Name = "web",
            Namespace = "app",
            Generation = 4,
            ResourceVersion = "77",
            Annotations = optIn is null ? null : new() { [Annotations.RestartOnRotate] = optIn },
        },
        Spec = new DeploymentSpec
        {
            Template = new PodTemplateSpec
            {
                Spec = new PodSpec
                {
                    Containers =
                    [
                        new Container
                        {
                            Env = [new EnvVar { ValueFrom = new EnvVarSource { SecretKeyRef = new SecretKeySelector { Name = "db", Key = "password" } } }],
                            EnvFrom = [new EnvFromSource { SecretRef = new SecretEnvSource { Name = "api" } }],
                        },
                    ],
                },
            },
        },
        Status = new DeploymentStatus { ObservedGeneration = 4, Replicas = 1, UpdatedReplicas = 1, AvailableReplicas = 1 },
    };
}
