using SecretSync.Audit;
using SecretSync.Core.Audit;
using SecretSync.Core.Model;
using SecretSync.Core.Providers;
using SecretSync.Core.Revocation;
using SecretSync.Daemon.Queue;
using SecretSync.Kubernetes.Errors;

namespace SecretSync.Daemon.Sync;

/// <summary>One provider's poll cycle: a batch version check, the revocation decisions it supports, and the work it queues.</summary>
internal sealed class PollCycle(
    DesiredPlans plans, SourceBook sources, ProviderConnections providers, ProviderHealth health, ClusterState cluster, SecretWriter writer,
    StatusBoard status, AuditOnce once, IAuditRecorder audit, SyncMetrics metrics, IWorkSink work, SyncHealth cycles, TimeProvider time)
{
    public async Task<WorkResult> RunAsync(string provider, string trigger, CancellationToken cancellationToken)
    {
        if (plans.Current is not { } plan || !providers.TryGet(provider, out var source))
        {
            return WorkResult.Done;
        }

        var paths = plan.Desired.Sources.Keys.Where(s => s.Provider == provider).Select(s => s.Path).ToList();
        if (paths.Count == 0)
        {
            return WorkResult.Done;
        }

        IReadOnlyDictionary<string, VersionResult> results;
        using (SyncTracing.CheckVersions(provider, paths.Count))
        {
            results = await source.CheckVersionsAsync(paths, cancellationToken);
        }

        var outcomes = paths.ToDictionary(
            path => new SourceRef(provider, path),
            path => results.TryGetValue(path, out var result) ? result : new VersionResult.Failed(new ProviderFailure(FailureKind.InvalidResponse, "provider returned no result for this path")));
        var failed = 0;
        foreach (var choice in RevocationPolicy.Decide(plan.Config.Sync, outcomes))
        {
            failed += Record(plan, choice, outcomes[choice.Source], trigger) ? 0 : 1;
        }

        metrics.ProviderChecks.Add(1, new("provider", provider), new("result", failed == 0 ? "ok" : "partial"));
        health.SetUp(provider, failed == 0);
        cycles.NoteCycle();

        await RecheckConflictsAsync(plan, provider, trigger, cancellationToken);

        // An authority that asked us to slow down gets no poll before its Retry-After, whoever asks for one.
        var retryAfter = outcomes.Values.OfType<VersionResult.Failed>()
            .Where(f => f.Failure.Kind == FailureKind.Throttled).Select(f => f.Failure.RetryAfter).Max();
        return retryAfter is { } wait && wait > TimeSpan.Zero ? WorkResult.HoldOff(wait) : WorkResult.Done;
    }

    /// <summary>Keeps one source's outcome and queues it when its version or decision moved; false when its check failed.</summary>
    private bool Record(DesiredPlan plan, RevocationDecision choice, VersionResult outcome, string trigger)
    {
        var now = time.GetUtcNow();
        var before = sources[choice.Source];
        var after = before with { Last = outcome, Decision = choice, Checked = now };
        sources[choice.Source] = after;
        status.Source(new SourceStatus(choice.Source.Provider, choice.Source.Path, after.CurrentVersion ?? choice.Version, choice.Action.ToString(), now,
            outcome is VersionResult.Failed f ? f.Failure.ToString() : null));

        if (choice.Action == RevocationAction.KeepLastGood)
        {
            var failure = ((VersionResult.Failed)outcome).Failure;
            once.Report($"failed/{choice.Source}", failure.Kind.ToString(), () => audit.Record(AuditActions.Failed, AuditOutcomes.Failure, e => e with
            {
                Trigger = trigger,
                Provider = choice.Source.Provider,
                Source = choice.Source.Path,
                SourceVersion = before.CurrentVersion,
                Error = failure.ToString(),
                Detail = "version check failed; the last good Secrets stay",
            }));
            return false;
        }

        once.Clear($"failed/{choice.Source}");
        var versionMoved = before.CurrentVersion != after.CurrentVersion;
        var decisionMoved = before.Decision?.Action != choice.Action || before.Decision?.Version != choice.Version;
        if (versionMoved || decisionMoved || before.VerifiedGeneration != plan.Generation)
        {
            work.Enqueue(WorkKey.ForSource(choice.Source), trigger);
        }

        return true;
    }

    /// <summary>Re-reads the unmanaged Secrets that block targets of this provider, and queues the targets whose name came free.</summary>
    /// <remarks>The managed-Secret watch cannot see an unmanaged Secret go, so each cycle looks; only conflicted names cost a request.</remarks>
    private async Task RecheckConflictsAsync(DesiredPlan plan, string provider, string trigger, CancellationToken cancellationToken)
    {
        foreach (var target in plan.Desired.Targets.Values.Where(t => t.Source.Provider == provider))
        {
            if (cluster.Find(target.Secret) is not { } blocking || Annotations.IsManaged(blocking.Secret.Labels))
            {
                continue;
            }

            try
            {
                await writer.RefreshAsync(target.Secret, cancellationToken);
            }
            catch (KubernetesApiException)
            {
                continue; // the next cycle looks again
            }

            if (cluster.Find(target.Secret) is not { } now || Annotations.IsManaged(now.Secret.Labels))
            {
                work.Enqueue(WorkKey.ForSource(target.Source), trigger);
            }
        }
    }
}
