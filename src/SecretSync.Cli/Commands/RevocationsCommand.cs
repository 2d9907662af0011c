using System.CommandLine;
using System.Text.Json.Nodes;
using SecretSync.Core.Configuration;
using SecretSync.Core.Model;
using SecretSync.Daemon.Hosting;
using SecretSync.Kubernetes.Client;
using SecretSync.Kubernetes.Config;
using SecretSync.Kubernetes.Errors;
using SecretSync.Kubernetes.Models;

namespace SecretSync.Cli.Commands;

/// <summary><c>secretsync revocations approve HOLD-ID</c>: lets the deletions held by the delete guard proceed.</summary>
/// <remarks>
/// The approval is an annotation on the daemon's Lease, written through the operator's kubeconfig, so the cluster's
/// RBAC decides who may approve; knowing the hold id (which <c>/status</c> shows) is not enough.
/// </remarks>
internal static class RevocationsCommand
{
    public static Command Create()
    {
        var holdId = new Argument<string>("hold-id") { Description = "The hold id shown in /status, the daemon log and the revocation-paused / prune-paused audit events." };
        var config = CliOptions.Config(required: false);
        config.Description = "The daemon's configuration: its leaderElection namespace and leaseName say which Lease to annotate.";
        var kubeconfig = new Option<FileInfo?>("--kubeconfig") { Description = "A kubeconfig file; KUBECONFIG or ~/.kube/config when omitted." };
        var context = new Option<string?>("--context") { Description = "The kubeconfig context to use; its current context when omitted." };
        var leaseNamespace = new Option<string?>("--namespace", "-n") { Description = "The namespace of the daemon's Lease (default: from --config, else the kubeconfig context's namespace)." };
        var leaseName = new Option<string?>("--lease") { Description = "The daemon's Lease name (default: from --config, else secretsync)." };
        var approve = new Command("approve", "Approve the deletions the delete guard holds, by annotating the daemon's Lease.")
        {
            holdId, config, kubeconfig, context, leaseNamespace, leaseName,
        };
        approve.SetAction(async (parse, cancellationToken) =>
        {
            var id = parse.GetValue(holdId)!.Trim();
            var election = new LeaderElectionSettings();
            if (parse.GetValue(config) is { } file)
            {
                var loaded = new ConfigFile(file.ToString(), ProviderCatalog.Registry(), TimeProvider.System);
                if (loaded.Load() is not ConfigResult.Valid valid)
                {
                    return RunCommand.Fail(loaded);
                }

                election = valid.Config.LeaderElection;
            }

            var name = parse.GetValue(leaseName) ?? election.LeaseName;
            var ns = parse.GetValue(leaseNamespace) ?? election.Namespace;
            try
            {
                using var kube = new KubernetesClient(
                    KubernetesClientConfig.Load(parse.GetValue(kubeconfig)?.FullName, parse.GetValue(context)),
                    new KubernetesClientOptions { UserAgent = "secretsync-cli" });
                ns ??= kube.DefaultNamespace;
                await AnnotateAsync(kube, ns, name, id, cancellationToken);
                await Console.Out.WriteLineAsync(
                    $"approved {id} on Lease {ns}/{name}: the leader makes exactly the held deletions at its next check, within seconds. " +
                    "If the held set has changed meanwhile, the hold has a new id and nothing is deleted.");
                return 0;
            }
            catch (KubernetesConfigException ex)
            {
                await Console.Error.WriteLineAsync($"error: {ex.Message}");
                return 2;
            }
            catch (KubernetesApiException ex)
            {
                await Console.Error.WriteLineAsync($"error: cannot annotate Lease {ns}/{name}: Kubernetes {ex.Reason}: {ex.Message}");
                return 1;
            }
            catch (HttpRequestException ex)
            {
                await Console.Error.WriteLineAsync($"error: cannot reach the Kubernetes API: {ex.Message}");
                return 2;
            }
        });
        return new Command("revocations", "Operate on deletions (revocations and prunes) held by the delete guard.") { approve };
    }

    private static async Task AnnotateAsync(KubernetesClient kube, string ns, string name, string id, CancellationToken cancellationToken)
    {
        var patch = KubernetesPatch.Merge(new JsonObject
        {
            ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [Annotations.ApproveDeletions] = id } },
        });
        try
        {
            await kube.Leases.PatchAsync(ns, name, patch, cancellationToken);
        }
        catch (KubernetesApiException ex) when (ex.Reason == KubernetesErrorReason.NotFound)
        {
            // Leader election is off: the Lease exists only to carry approvals.
            await kube.Leases.CreateAsync(
                new Lease { Metadata = new ObjectMeta { Name = name, Namespace = ns, Annotations = new() { [Annotations.ApproveDeletions] = id } } },
                cancellationToken);
        }
    }
}
